package squall.tasks;

import squall.kernels.ProbeKernels;
import squall.runtime.CacheFolder;
import squall.runtime.DataTransferMode;
import squall.runtime.Device;
import squall.runtime.DeviceType;
import squall.runtime.TaskGraph;

import java.nio.file.Path;

/**
 * A device's fp32 fused multiply-add throughput in GFLOP/s (two operations per FMA), the ceiling of prefill: a
 * kernel on the device runs many independent FMA chains per work-item ({@link ProbeKernels#fmaChains}); on CPU
 * devices the JVM also runs them on the host with the Vector API ({@link HostProbe}), since a kernel's scalar JVM
 * code cannot reach the vector units, and the higher of the two is the device's {@link Peak}. Every run's result is
 * checked against the exact one. Measured once per device, remembered in {@code $SQUALL_CACHE_DIR/}{@value #FILE}.
 *
 * <pre>{@code
 * Peak fma = FmaProbe.peak(Devices.get("opencl:0"));
 * System.out.printf("prefill reached %.0f%% of the FMA throughput (set by the %s probe)%n",
 *         100 * gflops / fma.value(), fma.setBy().label());
 * }</pre>
 */
public final class FmaProbe {

    /** Where the peaks are remembered. */
    public static final String FILE = "fma.properties";
    /** Work-items of the device kernel by default: a few tens of milliseconds at today's CPU rates. */
    public static final int DEFAULT_ITEMS = 1 << 22;
    /** Rounds of {@link ProbeKernels#fmaChains} on a GPU, whose work-items may loop; CPU work-items must not. */
    private static final int GPU_ROUNDS = 64;
    /** FMAs per host chain and thread: the chains end below 2^24, so the check stays exact. */
    private static final int HOST_ITERATIONS = 1 << 23;
    private static final String COMMENT = "squall: each device's fp32 FMA throughput in GFLOP/s (the higher of a kernel"
            + " on the device and, on CPUs, the JVM on the host with the Vector API)";
    /** What a wrong sum means. */
    private static final String MISSED = "run every FMA, so its time is no throughput";

    private FmaProbe() {
    }

    /** The remembered FMA-throughput peak of {@code device} in GFLOP/s, measuring it the first time. */
    public static Peak peak(Device device) {
        return peak(device, DEFAULT_ITEMS, CacheFolder.root().resolve(FILE));
    }

    static Peak peak(Device device, int items, Path file) {
        return Peak.remembered(file, COMMENT, device, () -> measure(device, items));
    }

    /** Measures now: {@code items} work-items on the device, and on CPU devices the host. */
    public static Peak measure(Device device, int items) {
        return Peak.measure(device, () -> onDevice(device, items, Peak.RUNS),
                () -> onHost(HOST_ITERATIONS, Peak.RUNS));
    }

    /** Rounds of eight FMAs per chain a work-item of {@link ProbeKernels#fmaChains} runs on {@code device}. */
    static int rounds(Device device) {
        return device.type() == DeviceType.GPU ? GPU_ROUNDS : 1;
    }

    /** Floating-point operations of {@link ProbeKernels#fmaChains} over {@code items} work-items. */
    static double kernelFlops(int items, int rounds) {
        return 2.0 * ProbeKernels.CHAINS * ProbeKernels.FMAS_PER_ROUND * rounds * items;
    }

    /**
     * The exact sum {@link ProbeKernels#fmaChains} writes with {@code m = c = 1}: every chain of work-item {@code w}
     * starts at {@code (w & 255) + chain} and ends {@code 8 * rounds} higher.
     */
    static double expectedKernelSum(int items, int rounds) {
        int chains = ProbeKernels.CHAINS;
        double sum = 0;
        for (int w = 0; w < items; w++) {
            sum += chains * (double) (w & 255) + chains * (chains - 1) / 2.0
                    + (double) chains * ProbeKernels.FMAS_PER_ROUND * rounds;
        }
        return sum;
    }

    /** GFLOP/s of {@link ProbeKernels#fmaChains} on {@code device}, the best of {@code runs}, each run checked. */
    static double onDevice(Device device, int items, int runs) {
        if (items < 1) {
            throw new IllegalArgumentException("items must be >= 1, got " + items);
        }
        int rounds = rounds(device);
        float[] out = new float[items];
        // m = c = 1 keeps every value a small integer, so the result is exact; they are arguments, so no compiler
        // turns the FMA into an addition.
        TaskGraph graph = new TaskGraph("fma-probe").task("fmaChains", ProbeKernels::fmaChains, out, rounds, 1f, 1f)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
        ProbeRuns.Reading best = ProbeRuns.onDevice(device, graph, "fmaChains", out, expectedKernelSum(items, rounds),
                runs, MISSED);
        return kernelFlops(items, rounds) / best.nanos();
    }

    /** GFLOP/s of the JVM's Vector API FMA chains on every core, the best of {@code runs}, checked. */
    static double onHost(int iterations, int runs) {
        if (iterations < 1 || iterations > (1 << 24) - HostProbe.CHAINS * 64) {
            throw new IllegalArgumentException("iterations must be in [1, 2^24 - " + HostProbe.CHAINS * 64
                    + "] for the check to stay exact, got " + iterations);
        }
        ProbeRuns.Reading best = ProbeRuns.checked("host fma", HostProbe.fma(iterations, 1f, 1f, runs),
                expectedHostSum(iterations, HostProbe.lanes(), HostProbe.threads()), MISSED);
        return HostProbe.fmaFlops(iterations) / best.nanos();
    }

    /** The exact sum {@link HostProbe#fma} returns with {@code m = c = 1}: starts 0 .. chains * lanes - 1, each
     * ending {@code iterations} higher, on every thread. */
    static double expectedHostSum(int iterations, int lanes, int threads) {
        long values = (long) HostProbe.CHAINS * lanes;
        return threads * (values * (values - 1) / 2.0 + values * (double) iterations);
    }
}
