package squall.kernels;

/**
 * Attention in float64, the plain way: all scores of a row, the maximum subtracted, one softmax,
 * one weighted sum. Slow and simple on purpose: the kernels are checked against it (tests and
 * {@code squall attend --check}), never the other way round.
 */
public final class ReferenceAttention {

    private ReferenceAttention() {
    }

    /**
     * {@code out[b, h, i, :] = sum_j softmax_j(scale * q[b, h, i] . k[b, kvMap[h], j]) * v[b, kvMap[h], j]}
     * over the keys row {@code i} may see.
     *
     * @param kvMap KV head of each query head; {@code null} for {@code h / (Hq / Hkv)}
     */
    public static double[] attend(float[] q, float[] k, float[] v, AttentionShape shape, int[] kvMap,
                                  boolean causal, double scale) {
        return attend(q, k, v, shape, kvMap, causal, scale, AttentionOptions.NONE);
    }

    /**
     * Attention with {@code options} as {@link AttentionOptions} defines them, in this order for each score: scaled,
     * soft-capped, biased (ALiBi), masked (causal, window), then a softmax over the visible keys and the sink.
     */
    public static double[] attend(float[] q, float[] k, float[] v, AttentionShape shape, int[] kvMap,
                                  boolean causal, double scale, AttentionOptions options) {
        options.requireHeads(shape.Hq());
        int[] map = kvMap != null ? kvMap : shape.groupedKvMap();
        int B = shape.B(), Hq = shape.Hq(), Hkv = shape.Hkv(), Tq = shape.Tq(), S = shape.S(), D = shape.D();
        float[] slopes = options.alibiSlopes(), sinks = options.sinks();
        double cap = options.softcap();
        double[] out = new double[shape.qElements()];
        double[] scores = new double[S];
        for (int b = 0; b < B; b++) {
            for (int h = 0; h < Hq; h++) {
                int kvBase = (b * Hkv + map[h]) * S * D;
                for (int i = 0; i < Tq; i++) {
                    int qBase = ((b * Hq + h) * Tq + i) * D;
                    int position = S - Tq + i;
                    int first = options.firstVisibleKey(position);
                    int visible = causal ? position + 1 : S;
                    double max = sinks == null ? Double.NEGATIVE_INFINITY : sinks[h];
                    for (int j = first; j < visible; j++) {
                        double dot = 0;
                        for (int d = 0; d < D; d++) {
                            dot += (double) q[qBase + d] * k[kvBase + j * D + d];
                        }
                        double score = scale * dot;
                        if (cap > 0) {
                            score = cap * Math.tanh(score / cap);
                        }
                        if (slopes != null) {
                            score -= (double) slopes[h] * (position - j);
                        }
                        scores[j] = score;
                        max = Math.max(max, score);
                    }
                    double sum = sinks == null ? 0 : Math.exp(sinks[h] - max);
                    for (int j = first; j < visible; j++) {
                        scores[j] = Math.exp(scores[j] - max);
                        sum += scores[j];
                    }
                    for (int j = first; j < visible; j++) {
                        double p = scores[j] / sum;
                        for (int d = 0; d < D; d++) {
                            out[qBase + d] += p * v[kvBase + j * D + d];
                        }
                    }
                }
            }
        }
        return out;
    }

    /** {@code ||out - ref|| / ||ref||} over the whole tensor; infinite if {@code out} has a NaN or infinity. */
    public static double relativeL2Error(float[] out, double[] ref) {
        if (out.length != ref.length) {
            throw new IllegalArgumentException("lengths differ: " + out.length + " vs " + ref.length);
        }
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < out.length; i++) {
            if (!Float.isFinite(out[i])) {
                return Double.POSITIVE_INFINITY;
            }
            double e = out[i] - ref[i];
            diff += e * e;
            norm += ref[i] * ref[i];
        }
        return norm == 0 ? Math.sqrt(diff) : Math.sqrt(diff / norm);
    }
}
