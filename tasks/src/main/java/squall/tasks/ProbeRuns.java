package squall.tasks;

import squall.runtime.Device;
import squall.runtime.ExecutionPlan;
import squall.runtime.TaskGraph;

/**
 * How the probes ({@link BandwidthProbe}, {@link FmaProbe}) time their work: one untimed run (compile, copy in, touch
 * every page), then {@code runs} timed ones, the best of which counts, and every run's result checked against the
 * exact one, so a kernel that skips work fails rather than looks fast. On the host {@link HostProbe} runs and times
 * the threads itself; its readings are checked here the same way.
 */
final class ProbeRuns {

    /** What a run summed to (the output's floats, or the threads' results) and the best run's time. */
    record Reading(double sum, long nanos) {
    }

    private ProbeRuns() {
    }

    /**
     * Runs {@code graph} on {@code device} {@code runs} times after one untimed run, summing {@code out} (which the
     * graph copies back) after each and checking it against {@code expected}: the sum and the best kernel time of
     * {@code task}. {@code missed} says what a wrong sum means, as in {@link #check}.
     */
    static Reading onDevice(Device device, TaskGraph graph, String task, float[] out, double expected, int runs,
                            String missed) {
        long best = Long.MAX_VALUE;
        double sum = Double.NaN;
        try (ExecutionPlan plan = new ExecutionPlan(graph).withDevice(device).withProfiler()) {
            for (int r = 0; r <= runs; r++) {
                long nanos = plan.execute().profilerResult().kernelNanos(task);
                sum = 0;
                for (float x : out) {
                    sum += x;
                }
                check(device.id() + " " + task, sum, expected, missed);
                if (r > 0) {
                    best = Math.min(best, nanos);
                }
            }
        }
        return new Reading(sum, best);
    }

    /** {@code reading}, once its sum is {@code expected}; see {@link #check}. */
    static Reading checked(String what, Reading reading, double expected, String missed) {
        check(what, reading.sum(), expected, missed);
        return reading;
    }

    /**
     * Throws unless {@code sum} is {@code expected}: the probe skipped work, and {@code missed} says which and what its
     * time is then not ({@code "read every float once, so its time is no bandwidth"}).
     */
    private static void check(String what, double sum, double expected, String missed) {
        if (sum != expected) {
            throw new IllegalStateException(what + " summed " + sum + ", not " + expected + ": the probe did not " + missed);
        }
    }
}
