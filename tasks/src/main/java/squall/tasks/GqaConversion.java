package squall.tasks;

import java.util.stream.IntStream;

/**
 * Multi-head to grouped-query attention, the way the GQA paper (Ainslie et al., 2023) starts uptraining:
 * the K and V projection weights of each group of {@code G = Hq / Hkv} consecutive heads are mean-pooled
 * into one KV head.
 *
 * <p>Weights are PyTorch {@code nn.Linear} weights, {@code [Hq * D, hidden]} (out x in, row-major): rows
 * {@code h*D .. h*D+D-1} are head {@code h}, so a head's keys are {@code x W[h*D .. h*D+D-1]^T}. Query head
 * {@code h} maps to KV head {@code h / G}, as Llama's {@code repeat_kv} expands them, so KV head {@code j}
 * is the mean of heads {@code j*G .. j*G+G-1}.
 *
 * <pre>{@code
 * // Llama-2 7B's k_proj (32 heads of 128) to 8 KV heads
 * float[] pooled = GqaConversion.pool(kProj, 4096, 4096, 128, 8);   // [8 * 128, 4096]
 * float[] keys = GqaConversion.project(x, tokens, pooled, 8 * 128, 4096, 128);   // [8, tokens, 128]
 * }</pre>
 */
public final class GqaConversion {

    private GqaConversion() {
    }

    /**
     * The mean-pooled weight, {@code [kvHeads * headDim, hidden]}.
     *
     * @param weight  {@code [rows, hidden]}, rows = Hq * headDim
     * @param kvHeads KV heads wanted; must divide Hq
     */
    public static float[] pool(float[] weight, int rows, int hidden, int headDim, int kvHeads) {
        int Hq = queryHeads(weight, rows, hidden, headDim);
        if (kvHeads < 1 || Hq % kvHeads != 0) {
            throw new IllegalArgumentException("kvHeads must divide Hq = " + Hq + " (" + rows + " rows / head dim "
                    + headDim + "), got " + kvHeads);
        }
        int G = Hq / kvHeads;
        float[] pooled = new float[kvHeads * headDim * hidden];
        IntStream.range(0, kvHeads * headDim).parallel().forEach(outRow -> {
            int j = outRow / headDim, r = outRow % headDim;
            double[] sum = new double[hidden];
            for (int g = 0; g < G; g++) {
                int from = ((j * G + g) * headDim + r) * hidden;
                for (int c = 0; c < hidden; c++) {
                    sum[c] += weight[from + c];
                }
            }
            for (int c = 0; c < hidden; c++) {
                pooled[outRow * hidden + c] = (float) (sum[c] / G);
            }
        });
        return pooled;
    }

    /**
     * The heads a projection makes of hidden states: {@code x [tokens, hidden]} times {@code weight^T},
     * rearranged to {@code [heads, tokens, headDim]} (the layout attention takes, batch 1).
     */
    public static float[] project(float[] x, int tokens, float[] weight, int rows, int hidden, int headDim) {
        int heads = queryHeads(weight, rows, hidden, headDim);
        if (x.length != tokens * hidden) {
            throw new IllegalArgumentException("x must hold tokens x hidden = " + tokens + " x " + hidden + " floats, got "
                    + x.length);
        }
        float[] out = new float[heads * tokens * headDim];
        IntStream.range(0, tokens).parallel().forEach(t -> {
            for (int row = 0; row < rows; row++) {
                float acc = 0;
                for (int c = 0; c < hidden; c++) {
                    acc += x[t * hidden + c] * weight[row * hidden + c];
                }
                out[((row / headDim) * tokens + t) * headDim + row % headDim] = acc;
            }
        });
        return out;
    }

    /** {@code rows / headDim}, after checking that the weight is {@code [heads * headDim, hidden]}. */
    public static int queryHeads(float[] weight, int rows, int hidden, int headDim) {
        if (rows < 1 || hidden < 1 || headDim < 1) {
            throw new IllegalArgumentException("rows, hidden and headDim must be >= 1, got " + rows + ", " + hidden + ", "
                    + headDim);
        }
        if ((long) rows * hidden != weight.length) {
            throw new IllegalArgumentException("weight must hold rows x hidden = " + rows + " x " + hidden + " floats, got "
                    + weight.length);
        }
        if (rows % headDim != 0) {
            throw new IllegalArgumentException(rows + " rows are not whole heads of " + headDim + " (rows must be Hq * headDim)");
        }
        return rows / headDim;
    }
}
