package squall.kernels;

import squall.api.Kernel;
import squall.api.KernelMath;
import squall.api.Parallel;
import squall.api.Specialize;

/**
 * Split-KV: a long key range cut into {@code slices} attended separately (more work-items than heads, each
 * streaming its own stretch of the cache), then merged by log-sum-exp. A slice leaves, for each output row, its
 * unnormalised accumulator, maximum and sum in {@code partials [rows, slices, D + 2]}: {@code D} floats of
 * accumulator, then {@code m}, then {@code l}. Output row numbers are those of one layer's {@code [B, Hq, Tq]}.
 */
public final class SplitKv {

    private SplitKv() {
    }

    /**
     * Floats of {@code partials} for {@code rows} output rows cut into {@code slices} slices, {@code rows x slices x
     * (D + 2)}; 1 with one slice, which writes its output directly (the kernels still take an array). Host side;
     * {@link Long#MAX_VALUE} when the product overflows a long.
     */
    public static long partialsLength(long rows, int slices, int D) {
        if (slices == 1) {
            return 1;
        }
        try {
            return Math.multiplyExact(Math.multiplyExact(rows, slices), D + 2L);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    /** Where slice {@code slice}'s piece of output row {@code row} starts in {@code partials}. */
    static int offset(int row, int slices, int slice, int D) {
        return (row * slices + slice) * (D + 2);
    }

    /**
     * The first key of slice {@code slice} when keys {@code from .. to - 1} (those a row sees: with a window, not
     * all of the cache) are cut into {@code slices} equal stretches.
     */
    static int sliceStart(int from, int to, int slices, int slice) {
        int perSlice = (to - from + slices - 1) / slices;
        return Math.min(to, from + slice * perSlice);
    }

    /** One past the last key of slice {@code slice}. */
    static int sliceEnd(int from, int to, int slices, int slice) {
        int perSlice = (to - from + slices - 1) / slices;
        return Math.min(to, sliceStart(from, to, slices, slice) + perSlice);
    }

    /**
     * Leaves the state of query rows {@code r * queries + t} (as {@link TiledAttention} numbers them) as slice
     * {@code slice}'s pieces of output rows {@code firstRow + r * Tq + t}.
     */
    static void writePartials(float[] acc, float[] m, float[] l, int G, int queries, int D, float[] partials,
                              int firstRow, int Tq, int slices, int slice) {
        for (int r = 0; r < G; r++) {
            for (int t = 0; t < queries; t++) {
                int row = r * queries + t;
                int p = offset(firstRow + r * Tq + t, slices, slice, D);
                for (int d = 0; d < D; d++) {
                    partials[p + d] = acc[row * D + d];
                }
                partials[p + D] = m[row];
                partials[p + D + 1] = l[row];
            }
        }
    }

    /**
     * Merges the slices of rows {@code 0 .. rows - 1} into rows {@code outRow ..} of {@code out}: with
     * {@code m_s, l_s, acc_s} slice {@code s}'s maximum, sum and accumulator and {@code m = max m_s},
     * {@code out = sum_s e^(m_s - m) acc_s / sum_s e^(m_s - m) l_s}. Empty slices have {@code m_s = -inf} and
     * weigh nothing.
     */
    @Kernel
    public static void combineSlices(float[] partials, float[] out, int rows, int slices, @Specialize int D, int outRow) {
        for (@Parallel int row = 0; row < rows; row++) {
            for (@Parallel int d = 0; d < D; d++) {
                float max = Float.NEGATIVE_INFINITY;
                for (int s = 0; s < slices; s++) {
                    max = Math.max(max, partials[offset(row, slices, s, D) + D]);
                }
                float value = 0.0f;
                float sum = 0.0f;
                for (int s = 0; s < slices; s++) {
                    int p = offset(row, slices, s, D);
                    float weight = partials[p + D] == Float.NEGATIVE_INFINITY ? 0.0f : KernelMath.exp(partials[p + D] - max);
                    value = value + weight * partials[p + d];
                    sum = sum + weight * partials[p + D + 1];
                }
                out[(outRow + row) * D + d] = value / sum;
            }
        }
    }
}
