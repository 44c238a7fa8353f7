package squall.tasks;

import squall.kernels.AttentionOptions;
import squall.runtime.TaskCost;

import java.util.List;

/**
 * What a step's tasks must move and compute, from the sequences' lengths after the step: the bytes each task reads and
 * writes and its flops, with the keys a sliding window hides left out. A {@link StepPlan} owns one and answers its
 * cost questions through it; this is the one place the visible (query, key) pairs and the keys read are counted.
 *
 * <pre>{@code
 * StepPlan plan = StepPlan.decode(cache, Devices.get("jvm"), StepPlan.Options.DEFAULTS);
 * long bytes = plan.kvBytesRead(new int[] {4097}, new int[] {1});   // asks the plan's StepCosts
 * }</pre>
 */
final class StepCosts {

    private final KvCacheShape shape;
    private final List<AttentionOptions> layerOptions;

    StepCosts(KvCacheShape shape, List<AttentionOptions> layerOptions) {
        this.shape = shape;
        this.layerOptions = layerOptions;
    }

    /**
     * What layer {@code layer}'s task of {@code kind} must move and compute in a step after which the sequences hold
     * {@code seqLens} tokens, {@code newTokens} of them new: attention reads, for each sequence with new tokens, the
     * keys of the layer's cache its rows can see once (what an ideal kernel reads; with a window, at most the window
     * and the step's tokens) plus the queries, writes the output, and does 4 D flops per (query head, visible key)
     * pair.
     */
    TaskCost cost(StepTask kind, int layer, int[] seqLens, int[] newTokens) {
        ModelPreset m = shape.model();
        int Hkv = m.kvHeads(), D = m.headDim();
        long kvBytesPerToken = shape.dtype().kvBytes(1, Hkv, D);
        long rows = sum(newTokens);
        long rowBytes = 4L * m.queryHeads() * rows * D;
        return switch (kind) {
            case APPEND -> new TaskCost(2L * 4 * Hkv * rows * D, rows * kvBytesPerToken, 0);
            case ATTEND -> new TaskCost(keysRead(layer, seqLens, newTokens) * kvBytesPerToken + rowBytes, rowBytes,
                    4L * m.queryHeads() * D * visiblePairs(layer, seqLens, newTokens));
            case REPEAT -> new TaskCost(sum(seqLens) * kvBytesPerToken, sum(seqLens) * 2L * Hkv * m.groupSize() * D * 4, 0);
            case COMBINE -> throw new IllegalArgumentException("the merge of slices declares no cost");
        };
    }

    /** Bytes of K and V the attention of a step must read: every layer, the keys each advancing sequence's rows see. */
    long kvBytesRead(int[] seqLens, int[] newTokens) {
        ModelPreset m = shape.model();
        long keys = 0;
        for (int l = 0; l < shape.layers(); l++) {
            keys += keysRead(l, seqLens, newTokens);
        }
        return shape.dtype().kvBytes(keys, m.kvHeads(), m.headDim());
    }

    /** Floating-point operations of a step's attention: {@code QK^T} and {@code PV} over the visible keys, all layers. */
    long attentionFlops(int[] seqLens, int[] newTokens) {
        ModelPreset m = shape.model();
        long pairs = 0;
        for (int l = 0; l < shape.layers(); l++) {
            pairs += visiblePairs(l, seqLens, newTokens);
        }
        return 4L * m.queryHeads() * m.headDim() * pairs;
    }

    private static long sum(int[] counts) {
        long n = 0;
        for (int c : counts) {
            n += c;
        }
        return n;
    }

    /**
     * Keys layer {@code layer}'s attention reads, all sequences: a sequence with n new tokens and a window of W lets
     * its rows see only the last W + n - 1 positions; one without new tokens is not read.
     */
    private long keysRead(int layer, int[] seqLens, int[] newTokens) {
        int window = layerOptions.get(layer).window();
        long keys = 0;
        for (int s = 0; s < seqLens.length; s++) {
            int n = newTokens[s];
            keys += n == 0 ? 0 : window > 0 ? Math.min(seqLens[s], (long) window + n - 1) : seqLens[s];
        }
        return keys;
    }

    /**
     * (query, key) pairs per head of layer {@code layer} over all sequences: each new query sees the keys up to
     * itself, the last W with a window.
     */
    private long visiblePairs(int layer, int[] seqLens, int[] newTokens) {
        int window = layerOptions.get(layer).window();
        long pairs = 0;
        for (int s = 0; s < seqLens.length; s++) {
            int n = newTokens[s];
            pairs += window > 0 ? windowPairs(n, seqLens[s], window) : visiblePairs(n, seqLens[s]);
        }
        return pairs;
    }

    /** {@link #visiblePairs(long, long)} with a window of {@code window} keys. */
    static long windowPairs(long queries, long keys, int window) {
        long pairs = 0;
        for (long i = 0; i < queries; i++) {
            pairs += Math.min(keys - queries + i + 1, window);
        }
        return pairs;
    }

    /** (query, key) pairs of one head when the last {@code queries} of {@code keys} tokens attend causally. */
    static long visiblePairs(long queries, long keys) {
        return queries * keys - queries * (queries - 1) / 2;
    }
}
