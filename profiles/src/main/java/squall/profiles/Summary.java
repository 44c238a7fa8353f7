package squall.profiles;

import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * Steady-state numbers of one measurement: medians over its timed steps, so that one slow step (a
 * garbage collection, another process) does not move them.
 *
 * @param msPerStep          host time of a step (all layers), median
 * @param msMin              fastest step
 * @param msMax              slowest step
 * @param kernelMs           device time of the step's kernels, median
 * @param copyMs             device time of its copies (queries in, outputs out), median
 * @param dispatchMs         host time that is neither kernel nor copy, median
 * @param gigabytesPerSecond bytes an ideal step moves ({@link StepRecord#usefulBytes()}) per second of kernel time
 * @param gigaflopsPerSecond declared FLOPs per second of kernel time
 * @param tokensPerSecond    new tokens (all sequences) per second of step time
 */
public record Summary(double msPerStep, double msMin, double msMax, double kernelMs, double copyMs, double dispatchMs,
                      double gigabytesPerSecond, double gigaflopsPerSecond, double tokensPerSecond) {

    /** The summary of {@code steps} (at least one) of a workload that adds {@code newTokens} tokens per step. */
    public static Summary of(List<StepRecord> steps, long newTokens) {
        if (steps.isEmpty()) {
            throw new IllegalArgumentException("a summary needs at least one step");
        }
        double ms = median(steps, s -> s.totalNanos() / 1e6);
        return new Summary(ms,
                steps.stream().mapToDouble(s -> s.totalNanos() / 1e6).min().orElseThrow(),
                steps.stream().mapToDouble(s -> s.totalNanos() / 1e6).max().orElseThrow(),
                median(steps, s -> s.kernelNanos() / 1e6),
                median(steps, s -> s.copyNanos() / 1e6),
                median(steps, s -> s.dispatchNanos() / 1e6),
                median(steps, s -> s.kernelNanos() == 0 ? 0 : (double) s.usefulBytes() / s.kernelNanos()),
                median(steps, s -> s.kernelNanos() == 0 ? 0 : (double) s.flops() / s.kernelNanos()),
                newTokens / (ms / 1e3));
    }

    /** Achieved bandwidth as a percentage of {@code peakGigabytesPerSecond}; NaN without a peak. */
    public double percentOf(double peakGigabytesPerSecond) {
        return peakGigabytesPerSecond > 0 ? 100 * gigabytesPerSecond / peakGigabytesPerSecond : Double.NaN;
    }

    static double median(List<StepRecord> steps, ToDoubleFunction<StepRecord> value) {
        double[] v = steps.stream().mapToDouble(value).sorted().toArray();
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    }
}
