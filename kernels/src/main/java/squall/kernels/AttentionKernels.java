package squall.kernels;

import squall.api.Kernel;
import squall.api.KernelMath;
import squall.api.Parallel;
import squall.api.Specialize;

/**
 * Scaled dot-product attention with grouped key/value heads, in plain Java.
 *
 * <p>Shapes (row-major): {@code q[B, Hq, Tq, D]}, {@code k, v[B, Hkv, S, D]}, {@code out[B, Hq, Tq, D]}.
 * Query head {@code h} reads KV head {@code h / G} with {@code G = Hq / Hkv} (MHA: G = 1, MQA: Hkv = 1),
 * or {@code kvMap[h]} in the gather variant. With {@code causal}, the Tq queries are the last Tq of
 * the S positions: query row {@code i} sees key {@code j} iff {@code j <= S - Tq + i}.
 *
 * <p>Every variant streams K/V in blocks of {@code BLOCK} keys with an online softmax: a running
 * maximum {@code m}, a running sum {@code l} and an accumulator rescaled when the maximum grows, so no
 * row of S scores is ever stored. Arrays hold fewer than 2^31 elements (a Java limit), so int offsets
 * computed inside their bounds cannot overflow.
 */
public final class AttentionKernels {

    private AttentionKernels() {
    }

    /**
     * Broadcast GQA: one work-item per (batch, KV head, query row) serves the whole group of
     * {@code G} query heads, so each K and V row is read once per group, never copied.
     */
    @Kernel
    public static void attendBroadcast(float[] q, float[] k, float[] v, float[] out,
                                       int B, int Hkv, @Specialize int G, int Tq, int S, @Specialize int D,
                                       float scale, boolean causal, @Specialize int BLOCK) {
        for (@Parallel int bkv = 0; bkv < B * Hkv; bkv++) {
            for (@Parallel int i = 0; i < Tq; i++) {
                float[] m = new float[G];
                float[] l = new float[G];
                float[] acc = new float[G * D];
                float[] scores = new float[G * BLOCK];
                int b = bkv / Hkv;
                int kvHead = bkv % Hkv;
                int firstHead = kvHead * G;
                int qBase = ((b * Hkv * G + firstHead) * Tq + i) * D; // q[b, firstHead, i, 0]
                int kvBase = bkv * S * D;                              // k[b, kvHead, 0, 0]
                int visible = causal ? S - Tq + i + 1 : S;
                attendRows(q, qBase, Tq * D, G, k, v, kvBase, visible, scale, D, BLOCK, m, l, acc, scores, out);
            }
        }
    }

    /** Gather: one work-item per (batch, query head, query row), reading KV head {@code kvMap[h]}. */
    @Kernel
    public static void attendGather(float[] q, float[] k, float[] v, int[] kvMap, float[] out,
                                    int B, int Hq, int Hkv, int Tq, int S, @Specialize int D,
                                    float scale, boolean causal, @Specialize int BLOCK) {
        for (@Parallel int bh = 0; bh < B * Hq; bh++) {
            for (@Parallel int i = 0; i < Tq; i++) {
                float[] m = new float[1];
                float[] l = new float[1];
                float[] acc = new float[D];
                float[] scores = new float[BLOCK];
                int b = bh / Hq;
                int h = bh % Hq;
                int qBase = (bh * Tq + i) * D;                  // q[b, h, i, 0]
                int kvBase = (b * Hkv + kvMap[h]) * S * D;      // k[b, kvMap[h], 0, 0]
                int visible = causal ? S - Tq + i + 1 : S;
                attendRows(q, qBase, Tq * D, 1, k, v, kvBase, visible, scale, D, BLOCK, m, l, acc, scores, out);
            }
        }
    }

    /**
     * The textbook step before MHA attention: copies K and V to one head per query head,
     * {@code kRep[b, h] = k[b, kvMap[h]]}. Costs G times the KV memory and G times the reads.
     */
    @Kernel
    public static void repeatKv(float[] k, float[] v, int[] kvMap, float[] kRep, float[] vRep,
                                int B, int Hq, int Hkv, int S, int D) {
        for (@Parallel int bh = 0; bh < B * Hq; bh++) {
            for (@Parallel int j = 0; j < S; j++) {
                int b = bh / Hq;
                int h = bh % Hq;
                int from = ((b * Hkv + kvMap[h]) * S + j) * D;
                int to = (bh * S + j) * D;
                for (int d = 0; d < D; d++) {
                    kRep[to + d] = k[from + d];
                    vRep[to + d] = v[from + d];
                }
            }
        }
    }

    /**
     * Attention for {@code rows} query rows that share one KV head: the rows start at {@code qBase}
     * and are {@code qStride} apart in {@code q} (and in {@code out}); keys {@code 0..visible-1} of
     * the head start at {@code kvBase}. {@code m[rows]}, {@code l[rows]}, {@code acc[rows * D]} and
     * {@code scores[rows * block]} are the caller's scratch.
     */
    static void attendRows(float[] q, int qBase, int qStride, int rows,
                           float[] k, float[] v, int kvBase, int visible,
                           float scale, int D, int block,
                           float[] m, float[] l, float[] acc, float[] scores, float[] out) {
        for (int r = 0; r < rows; r++) {
            m[r] = Float.NEGATIVE_INFINITY;
            l[r] = 0.0f;
            for (int d = 0; d < D; d++) {
                acc[r * D + d] = 0.0f;
            }
        }
        for (int start = 0; start < visible; start += block) {
            int n = Math.min(block, visible - start);
            // Scores of the block: each K row is read once and used by every row of the group.
            for (int j = 0; j < n; j++) {
                int kRow = kvBase + (start + j) * D;
                for (int r = 0; r < rows; r++) {
                    scores[r * block + j] = scale * dotProduct(q, qBase + r * qStride, k, kRow, D);
                }
            }
            // A larger maximum shrinks what was accumulated so far by exp(mOld - mNew).
            for (int r = 0; r < rows; r++) {
                float blockMax = m[r];
                for (int j = 0; j < n; j++) {
                    blockMax = Math.max(blockMax, scores[r * block + j]);
                }
                float correction = KernelMath.exp(m[r] - blockMax);
                m[r] = blockMax;
                l[r] = l[r] * correction;
                for (int d = 0; d < D; d++) {
                    acc[r * D + d] = acc[r * D + d] * correction;
                }
                // Scores become weights exp(score - max) in a loop of their own, which compilers vectorise.
                for (int j = 0; j < n; j++) {
                    scores[r * block + j] = KernelMath.exp(scores[r * block + j] - blockMax);
                }
                for (int j = 0; j < n; j++) {
                    l[r] = l[r] + scores[r * block + j];
                }
            }
            // Weighted values: each V row is read once and used by every row of the group.
            for (int j = 0; j < n; j++) {
                int vRow = kvBase + (start + j) * D;
                for (int r = 0; r < rows; r++) {
                    float p = scores[r * block + j];
                    for (int d = 0; d < D; d++) {
                        acc[r * D + d] = acc[r * D + d] + p * v[vRow + d];
                    }
                }
            }
        }
        for (int r = 0; r < rows; r++) {
            float inverse = 1.0f / l[r];
            for (int d = 0; d < D; d++) {
                out[qBase + r * qStride + d] = acc[r * D + d] * inverse;
            }
        }
    }

    /** {@code a[aOff..aOff+n) . b[bOff..bOff+n)} with four partial sums, which hides the adder's latency. */
    static float dotProduct(float[] a, int aOff, float[] b, int bOff, int n) {
        float s0 = 0.0f;
        float s1 = 0.0f;
        float s2 = 0.0f;
        float s3 = 0.0f;
        int d = 0;
        for (; d + 3 < n; d += 4) {
            s0 = s0 + a[aOff + d] * b[bOff + d];
            s1 = s1 + a[aOff + d + 1] * b[bOff + d + 1];
            s2 = s2 + a[aOff + d + 2] * b[bOff + d + 2];
            s3 = s3 + a[aOff + d + 3] * b[bOff + d + 3];
        }
        for (; d < n; d++) {
            s0 = s0 + a[aOff + d] * b[bOff + d];
        }
        return (s0 + s1) + (s2 + s3);
    }
}
