package squall.runtime;

/**
 * One task's share of an execution.
 *
 * @param task         the task's name
 * @param graph        its graph's name
 * @param kernelNanos  device time of its launches
 * @param compileNanos time to build its kernel for the device (first execution only)
 * @param cost         what it had to move and compute, or {@code null} if the graph does not say
 */
public record TaskProfile(String task, String graph, long kernelNanos, long compileNanos, TaskCost cost) {

    /** Bytes moved per second of kernel time, in GB/s (10^9 bytes); 0 without a cost. */
    public double gigabytesPerSecond() {
        return cost == null || kernelNanos == 0 ? 0 : (double) cost.bytes() / kernelNanos;
    }

    /** Floating-point operations per second of kernel time, in GFLOP/s; 0 without a cost. */
    public double gigaflopsPerSecond() {
        return cost == null || kernelNanos == 0 ? 0 : (double) cost.flops() / kernelNanos;
    }
}
