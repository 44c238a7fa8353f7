package squall.tasks.cli;

import squall.runtime.ProfilerResult;
import squall.tasks.StepResult;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * What one decode step or prefill chunk cost, from its {@link StepResult}: device time of the attention
 * tasks, host time, K/V bytes read, bytes to and from the device, and the device's compile time.
 *
 * @param flops floating-point operations of the attention (prefill), 0 where not counted
 */
record StepCost(long attentionNanos, long wallNanos, long kvBytes, long h2dBytes, long d2hBytes, long compileNanos,
                long flops) {

    static StepCost of(StepResult r, long flops) {
        ProfilerResult p = r.profile();
        return new StepCost(r.attentionNanos(), r.wallNanos(), r.kvBytesRead(), p == null ? 0 : p.copyInBytes(),
                p == null ? 0 : p.copyOutBytes(), p == null ? 0 : p.compileNanos(), flops);
    }

    double attentionMillis() {
        return attentionNanos / 1e6;
    }

    double wallMillis() {
        return wallNanos / 1e6;
    }

    /** K/V bytes read per second of attention time, in GB/s (10^9 bytes). */
    double gigabytesPerSecond() {
        return attentionNanos == 0 ? 0 : (double) kvBytes / attentionNanos;
    }

    /** Attention FLOP per second, in GFLOP/s. */
    double gigaflops() {
        return attentionNanos == 0 ? 0 : (double) flops / attentionNanos;
    }

    static Stats stats(List<StepCost> steps, ToDoubleFunction<StepCost> value) {
        return Stats.of(steps.stream().mapToDouble(value).toArray());
    }

    static long sum(List<StepCost> steps, java.util.function.ToLongFunction<StepCost> value) {
        return steps.stream().mapToLong(value).sum();
    }

    /** Mean of a byte count over the steps, to the nearest byte. */
    static long meanBytes(List<StepCost> steps, java.util.function.ToLongFunction<StepCost> value) {
        return Math.round((double) sum(steps, value) / steps.size());
    }

    /** This step's figures for a JSON report. */
    Map<String, Object> json() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ms", attentionMillis());
        m.put("wall_ms", wallMillis());
        m.put("kv_bytes", kvBytes);
        m.put("h2d_bytes", h2dBytes);
        m.put("d2h_bytes", d2hBytes);
        m.put("compile_ms", compileNanos / 1e6);
        if (flops > 0) {
            m.put("flops", flops);
            m.put("gflops", gigaflops());
        } else {
            m.put("gbps", gigabytesPerSecond());
        }
        return m;
    }
}
