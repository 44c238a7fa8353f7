/*
 * The machine's read bandwidth and fp32 FMA throughput, measured the plainest way, as the yardstick squall's own
 * probes (BandwidthProbe, FmaProbe) must come close to:
 *
 *   read: every OpenMP thread sums its share of a buffer (1 GiB by default) with vector adds; GB/s = bytes / time
 *   fma:  every thread runs CHAINS independent vector FMA chains, a = a * m + c; GFLOP/s = 2 * FMAs / time
 *
 * Best of RUNS runs each, after one untimed run. Prints one line per figure:
 *
 *   read 26.31 GB/s threads 2 bytes 1073741824
 *   fma 190.22 GFLOP/s threads 2 lanes 8 chains 12
 *
 * Build and run: scripts/c-peak [MiB] [runs]  (gcc -O3 -march=native -fopenmp; OMP_NUM_THREADS to choose threads).
 * `squall devices --measure --c-loop` builds and runs it beside squall's probes, in one run.
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* Where each run's result goes, so that no compiler drops the work. */
volatile double sink;

#if defined(__AVX512F__)
#define VECTOR_BYTES 64
#else
#define VECTOR_BYTES 32
#endif
typedef float vfloat __attribute__((vector_size(VECTOR_BYTES)));
#define LANES (VECTOR_BYTES / 4)
/* Independent chains per thread: more than FMA latency x FMA units (4 x 2 on today's x86 cores), and few enough
 * that they and the two constants stay in 16 AVX2 registers. */
#define CHAINS 12
/* Values stay below 2^24, so the chains' ends are exact: 2^23 FMAs per chain. */
#define FMA_ITERATIONS (1L << 23)

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static double read_once(const float *x, size_t n) {
    float sum = 0;
#pragma omp parallel for simd schedule(static) reduction(+ : sum)
    for (size_t i = 0; i < n; i++) {
        sum += x[i];
    }
    return sum;
}

/* One thread's chains; m and c come from outside so that no compiler folds the FMA away. */
static double fma_chains(float m_value, float c_value) {
    vfloat a[CHAINS], m, c;
    for (int l = 0; l < LANES; l++) {
        m[l] = m_value;
        c[l] = c_value;
    }
    for (int j = 0; j < CHAINS; j++) {
        for (int l = 0; l < LANES; l++) {
            a[j][l] = (float) (j * LANES + l);
        }
    }
    for (long k = 0; k < FMA_ITERATIONS; k++) {
#pragma GCC unroll 12
        for (int j = 0; j < CHAINS; j++) {
            a[j] = a[j] * m + c; /* contracted into one FMA: -O3 -march=native, GNU C's default -ffp-contract=fast */
        }
    }
    double sum = 0;
    for (int j = 0; j < CHAINS; j++) {
        for (int l = 0; l < LANES; l++) {
            sum += a[j][l];
        }
    }
    return sum;
}

int main(int argc, char **argv) {
    long mib = argc > 1 ? atol(argv[1]) : 1024;
    int runs = argc > 2 ? atoi(argv[2]) : 5;
    if (mib < 1 || runs < 1) {
        fprintf(stderr, "usage: peak [MiB >= 1] [runs >= 1]\n");
        return 2;
    }
    int threads = omp_get_max_threads();
    size_t bytes = (size_t) mib << 20, n = bytes / sizeof(float);
    float *x = NULL;
    if (posix_memalign((void **) &x, 1 << 21, bytes) != 0) {
        fprintf(stderr, "peak: cannot allocate %ld MiB\n", mib);
        return 1;
    }
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) {
        x[i] = (float) (i & 3);
    }
    double best = 1e30;
    for (int r = 0; r <= runs; r++) {
        double t0 = now();
        sink = read_once(x, n);
        double t = now() - t0;
        if (r > 0 && t < best) {
            best = t;
        }
    }
    printf("read %.2f GB/s threads %d bytes %zu\n", bytes / best * 1e-9, threads, bytes);
    free(x);

    volatile float one = 1.0f;
    best = 1e30;
    for (int r = 0; r <= runs; r++) {
        double t0 = now(), sum = 0;
#pragma omp parallel reduction(+ : sum)
        sum += fma_chains(one, one);
        sink = sum;
        double t = now() - t0;
        if (r > 0 && t < best) {
            best = t;
        }
    }
    double flops = 2.0 * CHAINS * LANES * (double) FMA_ITERATIONS * threads;
    printf("fma %.2f GFLOP/s threads %d lanes %d chains %d\n", flops / best * 1e-9, threads, LANES, CHAINS);
    return 0;
}
