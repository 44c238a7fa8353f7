package squall.tasks;

import squall.kernels.KvStorage;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

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
            float[] k = new float[D], v = new float[D];
            for (int d = 0; d < D; d++) {
                k[d] = round ? KvStorage.round(kNew[i * D + d], dtype) : kNew[i * D + d];
                v[d] = round ? KvStorage.round(vNew[i * D + d], dtype) : vNew[i * D + d];
            }
            keys.get(i).add(k);
            values.get(i).add(v);
        }
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
