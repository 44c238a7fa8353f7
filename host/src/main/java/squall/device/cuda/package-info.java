/**
 * The CUDA device: NVIDIA GPUs through the driver API ({@code libcuda.so.1}) and NVRTC, bound with
 * {@code java.lang.foreign}, with no OpenCL and no JNI.
 *
 * <pre>{@code
 * Device gpu = Devices.get("cuda:0");
 * try (ExecutionPlan plan = new ExecutionPlan(graph).withDevice(gpu).withProfiler()) {
 *     plan.execute();
 * }
 * }</pre>
 *
 * <ul>
 *   <li>{@link squall.device.cuda.CudaDeviceProvider} lists the GPUs as {@code cuda:N}.
 *   <li>{@link squall.device.cuda.CudaDevice} is one GPU; its sessions own a stream, buffers,
 *   modules and page-locked staging memory, and free them on close.
 *   <li>{@link squall.device.cuda.CudaCompiler} turns the kernel compiler's CUDA C into PTX with
 *   NVRTC or {@code nvcc}, {@code --fmad=false}; it works without a GPU. PTX is cached in memory and
 *   in {@code $SQUALL_CACHE_DIR/cuda} (default {@code ~/.cache/squall/cuda}).
 * </ul>
 *
 * <p>Tests that need a GPU carry the JUnit tag {@code gpu}: {@code ./mvnw -q verify -Dgroups=gpu}
 * runs only them; elsewhere they are skipped with the reason. On a GPU machine without a JDK,
 * {@code scripts/gpu-bundle} builds a tarball with its own Java runtime that runs them, the rest of
 * the suite and the profiler.
 */
package squall.device.cuda;
