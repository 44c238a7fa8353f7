package squall.tasks;

import squall.kernels.AttentionOptions;
import squall.kernels.AttentionShape;
import squall.kernels.KvStorage;
import squall.kernels.ReferenceAttention;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntFunction;

/**
 * The K/V history of every (layer, sequence, KV head), kept on the host as the cache should hold it,
 * and the float64 attention of the newest queries over it: what a decode step must produce.
 */
final class DecodeHistory {

    private final KvCache cache;
    private final int L, B, Hq, Hkv, D, G;
    /** keys.get((l * B + b) * Hkv + h) holds rows of D values, one per token so far. */
    private final List<List<float[]>> keys = new ArrayList<>(), values = new ArrayList<>();

    /** Reads the history the cache already holds (its filled context). */
    DecodeHistory(KvCache cache) {
        this.cache = cache;
        ModelPreset m = cache.model();
        L = cache.layers();
        B = cache.batch();
        Hq = m.queryHeads();
        Hkv = m.kvHeads();
        D = m.headDim();
        G = Hq / Hkv;
        for (int l = 0; l < L; l++) {
            for (int b = 0; b < B; b++) {
                for (int h = 0; h < Hkv; h++) {
                    List<float[]> ks = new ArrayList<>(), vs = new ArrayList<>();
                    for (int j = 0; j < cache.length(b); j++) {
                        float[] k = new float[D], v = new float[D];
                        for (int d = 0; d < D; d++) {
                            k[d] = cache.read(true, l, b, j, h, d);
                            v[d] = cache.read(false, l, b, j, h, d);
                        }
                        ks.add(k);
                        vs.add(v);
                    }
                    keys.add(ks);
                    values.add(vs);
                }
            }
        }
    }

    /** Random inputs for a step: {q, kNew, vNew}. */
    float[][] randomStep(SplittableRandom random) {
        float[] q = new float[L * B * Hq * D], k = new float[L * B * Hkv * D], v = new float[k.length];
        for (float[] a : new float[][] {q, k, v}) {
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) (random.nextDouble() * 4 - 2);
            }
        }
        return new float[][] {q, k, v};
    }

    /** Records a step's new rows, rounded as the cache stores them ({@code round = false}: as given). */
    void append(float[] kNew, float[] vNew, boolean round) {
        int dtype = cache.dtype().storage();
        for (int i = 0; i < L * B * Hkv; i++) {
            float[] k = java.util.Arrays.copyOfRange(kNew, i * D, (i + 1) * D);
            float[] v = java.util.Arrays.copyOfRange(vNew, i * D, (i + 1) * D);
            if (round) {
                // int8 rounds a row at a time, to its own scale
                KvStorage.roundRow(k, 0, D, dtype);
                KvStorage.roundRow(v, 0, D, dtype);
            }
            keys.get(i).add(k);
            values.get(i).add(v);
        }
    }

    /**
     * float64 attention, through {@link ReferenceAttention}, of {@code q [L, B, Hq, D]} over the whole history with
     * each layer's {@code options}.
     */
    double[] attend(float[] q, IntFunction<AttentionOptions> options) {
        double[] out = new double[q.length];
        double scale = (float) (1 / Math.sqrt(D));
        for (int l = 0; l < L; l++) {
            for (int b = 0; b < B; b++) {
                int S = keys.get((l * B + b) * Hkv).size();
                float[] k = new float[Hkv * S * D], v = new float[k.length];
                for (int h = 0; h < Hkv; h++) {
                    for (int j = 0; j < S; j++) {
                        System.arraycopy(keys.get((l * B + b) * Hkv + h).get(j), 0, k, (h * S + j) * D, D);
                        System.arraycopy(values.get((l * B + b) * Hkv + h).get(j), 0, v, (h * S + j) * D, D);
                    }
                }
                int base = (l * B + b) * Hq * D;
                double[] ref = ReferenceAttention.attend(java.util.Arrays.copyOfRange(q, base, base + Hq * D), k, v,
                        new AttentionShape(1, Hq, Hkv, 1, S, D), null, true, scale, options.apply(l));
                System.arraycopy(ref, 0, out, base, ref.length);
            }
        }
        return out;
    }

    /** float64 attention of {@code q [L, B, Hq, D]} over the whole history. */
    double[] attend(float[] q) {
        double[] out = new double[q.length];
        double scale = (float) (1 / Math.sqrt(D));
        for (int l = 0; l < L; l++) {
            for (int b = 0; b < B; b++) {
                for (int h = 0; h < Hq; h++) {
                    List<float[]> ks = keys.get((l * B + b) * Hkv + h / G), vs = values.get((l * B + b) * Hkv + h / G);
                    int qBase = ((l * B + b) * Hq + h) * D;
                    double[] scores = new double[ks.size()];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < ks.size(); j++) {
                        double dot = 0;
                        for (int d = 0; d < D; d++) {
                            dot += (double) q[qBase + d] * ks.get(j)[d];
                        }
                        scores[j] = scale * dot;
                        max = Math.max(max, scores[j]);
                    }
                    double sum = 0;
                    for (int j = 0; j < scores.length; j++) {
                        scores[j] = Math.exp(scores[j] - max);
                        sum += scores[j];
                    }
                    for (int j = 0; j < scores.length; j++) {
                        for (int d = 0; d < D; d++) {
                            out[qBase + d] += scores[j] / sum * vs.get(j)[d];
                        }
                    }
                }
            }
        }
        return out;
    }
}
