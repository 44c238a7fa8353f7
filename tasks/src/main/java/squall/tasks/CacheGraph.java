package squall.tasks;

import squall.runtime.ExecutionPlan;

import java.util.SplittableRandom;

/**
 * What {@link DecodeGraph} and {@link PrefillGraph} share: a task graph that appends {@code tokens} new
 * K/V rows per sequence to a {@link KvCache} on the device and attends to them, for every layer. Inputs
 * and outputs are {@code [layers, batch, heads, tokens, D]} (decode: tokens = 1).
 */
public abstract sealed class CacheGraph implements AutoCloseable permits DecodeGraph, PrefillGraph {

    private final CacheStep step;

    CacheGraph(CacheStep step) {
        this.step = step;
    }

    /**
     * Runs a step on the inputs already in {@link #queries()}, {@link #newKeys()}, {@link #newValues()}, checked for
     * finite values as {@link #step(float[], float[], float[])} checks its arguments, before anything reaches the device.
     */
    public StepResult step() {
        return step.run();
    }

    /**
     * Runs a step on these inputs: {@code q [layers, batch, Hq, tokens, D]},
     * {@code kNew, vNew [layers, batch, Hkv, tokens, D]}, checked (size, finite values) before anything
     * reaches the device.
     */
    public StepResult step(float[] q, float[] kNew, float[] vNew) {
        return step.run(q, kNew, vNew);
    }

    /** The query input, {@code [layers, batch, Hq, tokens, D]}. */
    public float[] queries() {
        return step.queries();
    }

    /** The new keys, {@code [layers, batch, Hkv, tokens, D]}. */
    public float[] newKeys() {
        return step.newKeys();
    }

    /** The new values, {@code [layers, batch, Hkv, tokens, D]}. */
    public float[] newValues() {
        return step.newValues();
    }

    /**
     * Fills the inputs (queries, then new keys, then new values) with values drawn uniformly from [-1, 1): the
     * stand-in for a model's activations when measuring, so that every measurement draws them alike.
     */
    public void fillInputs(SplittableRandom random) {
        for (float[] a : new float[][] {queries(), newKeys(), newValues()}) {
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) (random.nextDouble() * 2 - 1);
            }
        }
    }

    /** The last step's output, {@code [layers, batch, Hq, tokens, D]}. */
    public float[] output() {
        return step.output();
    }

    /** Layer {@code layer}'s sliding window, soft-cap, ALiBi slopes and sinks. */
    public squall.kernels.AttentionOptions layerOptions(int layer) {
        return step.options(layer);
    }

    /** Slices each sequence's keys are split into (split-KV); 1 when not split. */
    public int slices() {
        return step.slices();
    }

    /** The work-group kernel's memory layout, or {@code null} for the other variants. */
    public WorkGroupDecode.Layout layout() {
        return step.layout();
    }

    /** Copies the device's cache into the {@link KvCache}'s host arrays. */
    public void downloadCache() {
        step.downloadCache();
    }

    /** The plan underneath, for its device and profile. */
    public ExecutionPlan plan() {
        return step.plan();
    }

    @Override
    public void close() {
        step.close();
    }
}
