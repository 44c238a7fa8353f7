package squall.tasks;

import squall.kernels.ProbeKernels;
import squall.runtime.DataTransferMode;
import squall.runtime.CacheFolder;
import squall.runtime.Device;
import squall.runtime.ExecutionPlan;
import squall.runtime.TaskGraph;

import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Locale;

/**
 * A device's memory bandwidth, measured the way attention uses memory: a kernel on the device copies a
 * buffer far larger than any cache, and bandwidth = (bytes read + bytes written) / kernel time, best of a
 * few runs. Measured once per device and remembered in {@code $SQUALL_CACHE_DIR/bandwidth.properties}
 * (default {@code ~/.cache/squall}), keyed by the device's id, name and driver.
 *
 * <pre>{@code
 * double peak = BandwidthProbe.gigabytesPerSecond(Devices.get("opencl:0"));
 * System.out.printf("decode reached %.0f%% of the device's bandwidth%n", 100 * achieved / peak);
 * }</pre>
 */
public final class BandwidthProbe {

    /** Each of the two buffers: far past the caches of today's CPUs (L3) and GPUs (L2). */
    public static final long DEFAULT_BYTES = 512L << 20;
    private static final int RUNS = 5;

    private BandwidthProbe() {
    }

    /** The remembered bandwidth of {@code device} in GB/s (10^9 bytes/s), measuring it the first time. */
    public static double gigabytesPerSecond(Device device) {
        return gigabytesPerSecond(device, DEFAULT_BYTES, CacheFolder.root().resolve("bandwidth.properties"));
    }

    static double gigabytesPerSecond(Device device, long bytes, Path file) {
        RememberedMeasurements remembered = new RememberedMeasurements(file,
                "squall: device copy bandwidth in GB/s (read + written bytes per second)");
        String value = remembered.computeIfAbsent(device,
                () -> String.format(Locale.ROOT, "%.2f measured %s", measure(device, bytes), LocalDate.now()));
        return Double.parseDouble(value.split(" ")[0]);
    }

    /** Copies a buffer of {@code bytes} on the device {@value #RUNS} times; the best run's GB/s. */
    public static double measure(Device device, long bytes) {
        int n = Math.toIntExact(bytes / 4);
        float[] from = new float[n];
        float[] to = new float[n];
        java.util.Arrays.fill(from, 1.0f);
        TaskGraph graph = new TaskGraph("probe").transferToDevice(DataTransferMode.FIRST_EXECUTION, from)
                .transferToHost(DataTransferMode.UNDER_DEMAND, to)
                .task("copy", ProbeKernels::copy, from, to);
        long best = Long.MAX_VALUE;
        try (ExecutionPlan plan = new ExecutionPlan(graph).withDevice(device).withProfiler()) {
            plan.execute(); // compile, copy in, and touch every page once
            for (int run = 0; run < RUNS; run++) {
                best = Math.min(best, plan.execute().profilerResult().kernelNanos("copy"));
            }
        }
        return 2.0 * 4 * n / best;
    }
}
