package squall.tasks;

import squall.kernels.AttentionOptions;
import squall.kernels.AttentionShape;
import squall.kernels.ReferenceAttention;

import java.util.stream.IntStream;

/**
 * The last step of a {@link CacheGraph} judged against the float64 reference: every layer's and sequence's output
 * against {@link ReferenceAttention} over the keys and values the cache holds (read back from the device), so that
 * an fp16, bf16 or int8 cache is judged on what it stores, not on the rounding it was given.
 *
 * <pre>{@code
 * decode.step();
 * double worst = CacheReference.worstError(decode, cache);   // relative L2, the worst layer and sequence
 * }</pre>
 */
public final class CacheReference {

    private CacheReference() {
    }

    /**
     * The worst relative L2 error, over layers and the sequences the last step advanced, of {@code graph}'s last
     * output (the rows each brought); downloads the cache first. The graph's inputs must still be those of its last
     * step.
     */
    public static double worstError(CacheGraph graph, KvCache cache) {
        return worstError(graph, cache, graph::layerOptions);
    }

    /** {@link #worstError(CacheGraph, KvCache)} against a reference with these options for each layer. */
    static double worstError(CacheGraph graph, KvCache cache, java.util.function.IntFunction<AttentionOptions> options) {
        graph.downloadCache();
        ModelPreset m = cache.model();
        int B = cache.batch(), L = cache.layers(), Hq = m.queryHeads(), Hkv = m.kvHeads(), D = m.headDim();
        int T = graph.queries().length / (L * B * Hq * D);
        int[] brought = graph.lastNewTokens();
        float[] q = graph.queries(), out = graph.output();
        return IntStream.range(0, L * B).filter(lb -> brought[lb % B] > 0).parallel().mapToDouble(lb -> {
            int l = lb / B, b = lb % B, S = cache.length(b), n = brought[b];
            AttentionShape shape = new AttentionShape(1, Hq, Hkv, n, S, D);
            float[] k = new float[Hkv * S * D], v = new float[k.length];
            for (int h = 0; h < Hkv; h++) {
                for (int j = 0; j < S; j++) {
                    for (int d = 0; d < D; d++) {
                        int i = (h * S + j) * D + d;
                        k[i] = cache.read(true, l, b, j, h, d);
                        v[i] = cache.read(false, l, b, j, h, d);
                    }
                }
            }
            // the sequence's rows of the step: the first n of each head's T
            float[] qs = new float[Hq * n * D], os = new float[qs.length];
            for (int h = 0; h < Hq; h++) {
                int from = (lb * Hq + h) * T * D;
                System.arraycopy(q, from, qs, h * n * D, n * D);
                System.arraycopy(out, from, os, h * n * D, n * D);
            }
            AttentionOptions o = options.apply(l);
            return ReferenceAttention.relativeL2Error(os, ReferenceAttention.attend(qs, k, v, shape, null, true,
                    (float) (1 / Math.sqrt(D)), o));
        }).max().orElse(0);
    }
}
