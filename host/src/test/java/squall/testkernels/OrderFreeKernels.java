package squall.testkernels;

import squall.api.Kernel;
import squall.api.KernelContext;
import squall.api.KernelMath;
import squall.api.Parallel;
import squall.api.Specialize;

/**
 * Each order-free {@link KernelMath} operation over many cases at once, one work-item per case: the case's
 * offsets come from {@code offsets}, so runs start on and off vector boundaries. Some read private or local
 * copies, for the other address spaces' versions on OpenCL.
 */
public final class OrderFreeKernels {

    private OrderFreeKernels() {
    }

    @Kernel
    public static void dots(float[] a, float[] b, int[] offsets, float[] out, int n) {
        for (@Parallel int c = 0; c < out.length; c++) {
            out[c] = KernelMath.dot(a, offsets[2 * c], b, offsets[2 * c + 1], n);
        }
    }

    /** The dot product of a private copy of {@code a}'s run with {@code b}'s. */
    @Kernel
    public static void dotsPrivate(float[] a, float[] b, int[] offsets, float[] out, @Specialize int N) {
        for (@Parallel int c = 0; c < out.length; c++) {
            float[] copy = new float[N];
            for (int i = 0; i < N; i++) {
                copy[i] = a[offsets[2 * c] + i];
            }
            out[c] = KernelMath.dot(copy, 0, b, offsets[2 * c + 1], N);
        }
    }

    @Kernel
    public static void dotsPacked(float[] a, int[] packed, int[] offsets, float[] out, int n, int format) {
        for (@Parallel int c = 0; c < out.length; c++) {
            out[c] = KernelMath.dotPacked(a, offsets[2 * c], packed, offsets[2 * c + 1], format, n);
        }
    }

    /** {@code y}'s run of case c is {@code y[c * n .. (c + 1) * n)}. */
    @Kernel
    public static void axpys(float[] alpha, float[] x, int[] offsets, float[] y, int n) {
        for (@Parallel int c = 0; c < alpha.length; c++) {
            KernelMath.axpy(alpha[c], x, offsets[c], y, c * n, n);
        }
    }

    @Kernel
    public static void axpysPacked(float[] alpha, int[] packed, int[] offsets, float[] y, int n, int format) {
        for (@Parallel int c = 0; c < alpha.length; c++) {
            KernelMath.axpyPacked(alpha[c], packed, offsets[c], format, y, c * n, n);
        }
    }

    @Kernel
    public static void sums(float[] x, int[] offsets, float[] out, int n) {
        for (@Parallel int c = 0; c < out.length; c++) {
            out[c] = KernelMath.sumOf(x, offsets[c], n);
        }
    }

    @Kernel
    public static void maxes(float[] x, int[] offsets, float[] out, int n) {
        for (@Parallel int c = 0; c < out.length; c++) {
            out[c] = KernelMath.maxOf(x, offsets[c], n);
        }
    }

    /** Case c exponentiates {@code x[c * n .. (c + 1) * n)} shifted by {@code shifts[c]}. */
    @Kernel
    public static void exponentiates(float[] x, float[] shifts, float[] sums, int n) {
        for (@Parallel int c = 0; c < sums.length; c++) {
            sums[c] = KernelMath.exponentiate(x, c * n, n, shifts[c]);
        }
    }

    /**
     * Case c: {@code offsets[3c..3c+2]} are the offsets of A, X and out; out rows are {@code outStride} apart. Each
     * case first asks for the rows after its own, past the array's end for the last: a prefetch changes nothing and
     * is no out-of-bounds read, in the bounds-checked build too.
     */
    @Kernel
    public static void dotRows(float[] a, int[] packed, int[] offsets, float[] out, int cases, int rows, int cols,
                               int n, int format, int outStride) {
        for (@Parallel int c = 0; c < cases; c++) {
            KernelMath.prefetch(packed, offsets[3 * c + 1] + cols * n, format, KernelMath.PREFETCH_ROWS * n);
            KernelMath.dotRows(a, offsets[3 * c], rows, packed, offsets[3 * c + 1], format, cols, n, out,
                    offsets[3 * c + 2], outStride);
        }
    }

    /** Case c: {@code offsets[3c..3c+2]} are the offsets of P, X and Y; P's rows are {@code pStride} apart. */
    @Kernel
    public static void axpyRows(float[] p, int[] packed, int[] offsets, float[] y, int cases, int rows, int cols,
                                int n, int format, int pStride) {
        for (@Parallel int c = 0; c < cases; c++) {
            KernelMath.axpyRows(p, offsets[3 * c], pStride, rows, packed, offsets[3 * c + 1], format, cols, n, y,
                    offsets[3 * c + 2]);
        }
    }

    /**
     * The decode shape with every array in another address space: A in local memory, the scores and the
     * accumulator private; one work-group per case, its first work-item computing.
     */
    @Kernel
    public static void rowsInLocalAndPrivate(KernelContext ctx, float[] a, int[] packed, int[] offsets, float[] scores,
                                             float[] y, @Specialize int ROWS, @Specialize int COLS, @Specialize int N,
                                             int format) {
        float[] tile = ctx.allocateFloatLocalArray(ROWS * N);
        int c = ctx.groupIdx;
        if (ctx.localIdx == 0) {
            for (int i = 0; i < ROWS * N; i++) {
                tile[i] = a[offsets[3 * c] + i];
            }
        }
        ctx.localBarrier();
        if (ctx.localIdx == 0) {
            float[] s = new float[ROWS * COLS];
            float[] acc = new float[ROWS * N];
            KernelMath.dotRows(tile, 0, ROWS, packed, offsets[3 * c + 1], format, COLS, N, s, 0, COLS);
            KernelMath.axpyRows(s, 0, COLS, ROWS, packed, offsets[3 * c + 1], format, COLS, N, acc, 0);
            for (int i = 0; i < ROWS * COLS; i++) {
                scores[c * ROWS * COLS + i] = s[i];
            }
            for (int i = 0; i < ROWS * N; i++) {
                y[c * ROWS * N + i] = acc[i];
            }
        }
    }

    /** An ordered dot product in plain kernel code: Java's semantics, so bit-exact on every device. */
    @Kernel
    public static void orderedDots(float[] a, float[] b, float[] out, int n) {
        for (@Parallel int c = 0; c < out.length; c++) {
            float s = 0.0f;
            for (int i = 0; i < n; i++) {
                s = s + a[c * n + i] * b[c * n + i];
            }
            out[c] = s;
        }
    }
}
