// Deliberately wrong CUDA C, for the test that a device reports a build failure with the compiler's log.
extern "C" __global__ void broken(float* x) {
    x[0] = squall_undefined_name;
}
