package squall.tasks;

import squall.kernels.ProbeKernels;
import squall.runtime.CacheFolder;
import squall.runtime.DataTransferMode;
import squall.runtime.Device;
import squall.runtime.DeviceType;
import squall.runtime.TaskGraph;

import java.nio.file.Path;

/**
 * A device's read bandwidth, measured the way attention uses memory: every core sums a buffer far larger than any
 * cache ({@value #DEFAULT_BYTES} bytes by default), bandwidth = bytes read / time, best of {@value Peak#RUNS} runs. A
 * kernel on the device does it (on CPUs {@link ProbeKernels#readRuns}, each work-item streaming a contiguous run; on
 * GPUs {@link ProbeKernels#readInterleaved}, adjacent work-items on adjacent floats); on CPU devices the JVM also does it on the host
 * ({@link HostProbe}, Vector API), and the higher of the two is the device's {@link Peak}, which says which set it.
 * Every run's sum is checked against the exact one, so a kernel that skips data fails rather than reads fast.
 * Measured once per device and remembered in {@code $SQUALL_CACHE_DIR/}{@value #FILE} (default
 * {@code ~/.cache/squall}), keyed by the device's id, name and driver.
 *
 * <pre>{@code
 * Peak peak = BandwidthProbe.peak(Devices.get("opencl:0"));
 * System.out.printf("decode reached %.0f%% of the device's read bandwidth (set by the %s probe)%n",
 *         100 * achieved / peak.value(), peak.setBy().label());
 * }</pre>
 */
public final class BandwidthProbe {

    /** The buffer: far past the caches of today's CPUs (L3) and GPUs (L2). */
    public static final long DEFAULT_BYTES = 1L << 30;
    /** Where the peaks are remembered. squall once remembered copy bandwidth in {@code bandwidth.properties}. */
    public static final String FILE = "read-bandwidth.properties";
    /** Bytes must come in multiples of this: a CPU work-item's run, a GPU work-item's 256 floats times 16. */
    public static final int GRANULE = 1 << 16;
    private static final int CPU_RUN = GRANULE / Float.BYTES;
    private static final int GPU_RUN = 256;
    private static final String TASK = "read";
    private static final String COMMENT = "squall: each device's read bandwidth in GB/s (bytes summed per second; the"
            + " higher of a kernel on the device and, on CPUs, the JVM on the host)";
    /** What a wrong sum means. */
    private static final String MISSED = "read every float once, so its time is no bandwidth";

    private BandwidthProbe() {
    }

    /** The remembered read-bandwidth peak of {@code device} in GB/s (10^9 bytes/s), measuring it the first time. */
    public static Peak peak(Device device) {
        return peak(device, DEFAULT_BYTES, CacheFolder.root().resolve(FILE));
    }

    static Peak peak(Device device, long bytes, Path file) {
        return Peak.remembered(file, COMMENT, device, () -> measure(device, bytes));
    }

    /** Measures {@code device}'s read bandwidth now over {@code bytes} (a multiple of {@value #GRANULE}). */
    public static Peak measure(Device device, long bytes) {
        float[] data = pattern(floats(bytes));
        return Peak.measure(device,
                () -> gigabytesPerSecond(data, readOnDevice(device, data, Peak.RUNS, device.type() == DeviceType.GPU)),
                () -> gigabytesPerSecond(data, readOnHost(data, Peak.RUNS)));
    }

    /** Floats in {@code bytes}, which must be a positive multiple of {@value #GRANULE} that fits one Java array. */
    static int floats(long bytes) {
        if (bytes < GRANULE || bytes % GRANULE != 0 || bytes / Float.BYTES > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("bytes must be a positive multiple of " + GRANULE + " up to "
                    + (Integer.MAX_VALUE - 8L) * Float.BYTES + ", got " + bytes);
        }
        return (int) (bytes / Float.BYTES);
    }

    /** {@code data[i] = i & 3}: small integers, so every partial sum the probes form is exact. */
    static float[] pattern(int n) {
        float[] data = new float[n];
        for (int i = 0; i < n; i++) {
            data[i] = i & 3;
        }
        return data;
    }

    /** The exact sum of {@link #pattern}{@code (n)}, in closed form: 6 per four floats, and the tail. */
    static double patternSum(long n) {
        long tail = n % 4;
        return 6.0 * (n / 4) + tail * (tail - 1) / 2;
    }

    /**
     * Sums {@code data} (a multiple of {@value #GRANULE} bytes) with {@link ProbeKernels#readRuns} on {@code device},
     * {@code runs} times after one untimed run (compile, copy in, touch every page), checking each run against the
     * exact sum of {@code data}: the sum and the best kernel time. {@code coalesced}: the GPU walk instead,
     * {@link ProbeKernels#readInterleaved}.
     */
    static ProbeRuns.Reading readOnDevice(Device device, float[] data, int runs, boolean coalesced) {
        int items = data.length / (coalesced ? GPU_RUN : CPU_RUN);
        float[] sums = new float[items];
        TaskGraph graph = new TaskGraph("read-probe").transferToDevice(DataTransferMode.FIRST_EXECUTION, data);
        graph = coalesced ? graph.task(TASK, ProbeKernels::readInterleaved, data, sums, items)
                : graph.task(TASK, ProbeKernels::readRuns, data, sums, CPU_RUN);
        graph.transferToHost(DataTransferMode.EVERY_EXECUTION, sums);
        return ProbeRuns.onDevice(device, graph, TASK, sums, exactSum(data), runs, MISSED);
    }

    /** Sums {@code data} with {@link HostProbe} on every core, checked as {@link #readOnDevice} is. */
    static ProbeRuns.Reading readOnHost(float[] data, int runs) {
        return ProbeRuns.checked("host read", HostProbe.read(data, runs), exactSum(data), MISSED);
    }

    static double gigabytesPerSecond(float[] data, ProbeRuns.Reading reading) {
        return (double) data.length * Float.BYTES / reading.nanos();
    }

    /** The sum of small integers, exact in a double. */
    private static double exactSum(float[] data) {
        double s = 0;
        for (float x : data) {
            s += x;
        }
        return s;
    }
}
