package squall.api;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;

import static squall.api.VectorLoops.F;
import static squall.api.VectorLoops.I;
import static squall.api.VectorLoops.LANES;
import static squall.api.VectorLoops.STRETCH_ROWS;
import static squall.api.VectorLoops.axpyPacked;
import static squall.api.VectorLoops.dot;
import static squall.api.VectorLoops.dotPacked;
import static squall.api.VectorLoops.sumLanes;
import static squall.api.VectorLoops.vectorisable;
import static squall.api.VectorLoops.widened;

/**
 * The JVM's code for {@link KernelMath}'s two small matrix products, on {@link VectorLoops}' pieces (the same rule
 * holds: every vector operation straight in the loop that uses it). They block their loops so that values stay in
 * registers across the loop that reuses them: {@link #dotRows} four query rows against two stored rows, or one row
 * against four (eight independent sums either way); {@link #axpyRows} four output rows, updated in place, against
 * two stored rows at a time, each read front to back.
 */
final class VectorProducts {

    private VectorProducts() {
    }

    /** See {@link KernelMath#dotRows}. */
    static void dotRows(float[] a, int aOffset, int rows, int[] packed, int offset, int format, int cols, int n,
                        float[] out, int outOffset, int outStride) {
        if (!vectorisable(n, offset, format)) {
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < cols; j++) {
                    out[outOffset + r * outStride + j] = dotPacked(a, aOffset + r * n, packed, offset + j * n, format, n);
                }
            }
            return;
        }
        if (format == KernelMath.FLOAT_BITS) {
            dotRowsOfBits(a, aOffset, rows, packed, offset, cols, n, out, outOffset, outStride);
            return;
        }
        for (int j = 0; j < cols; j += STRETCH_ROWS) {
            int stretch = Math.min(STRETCH_ROWS, cols - j);
            dotRowsOfFloats(a, aOffset, rows, widened(packed, offset + j * n, format, stretch * n), 0, stretch, n, out,
                    outOffset + j, outStride);
        }
    }

    /** {@link #dotRows} of floats: rows four at a time, the rows left over one at a time. */
    private static void dotRowsOfFloats(float[] a, int aOffset, int rows, float[] x, int offset, int cols, int n,
                                        float[] out, int outOffset, int outStride) {
        int fours = rows - rows % 4;
        if (fours > 0) {
            dotFourRows(a, aOffset, fours, x, offset, cols, n, out, outOffset, outStride);
        }
        for (int r = fours; r < rows; r++) {
            dotOneRow(a, aOffset + r * n, x, offset, cols, n, out, outOffset + r * outStride);
        }
    }

    /** Four rows against two stored rows at a time: eight independent sums. */
    private static void dotFourRows(float[] a, int aOffset, int rows, float[] x, int offset, int cols, int n,
                                    float[] out, int outOffset, int outStride) {
        int j = 0;
        for (; j + 2 <= cols; j += 2) {
            int x0 = offset + j * n, x1 = x0 + n;
            for (int r = 0; r < rows; r += 4) {
                FloatVector s00 = FloatVector.zero(F), s01 = FloatVector.zero(F), s10 = FloatVector.zero(F),
                        s11 = FloatVector.zero(F), s20 = FloatVector.zero(F), s21 = FloatVector.zero(F),
                        s30 = FloatVector.zero(F), s31 = FloatVector.zero(F);
                int a0 = aOffset + r * n;
                for (int d = 0; d < n; d += LANES) {
                    FloatVector k0 = FloatVector.fromArray(F, x, x0 + d);
                    FloatVector k1 = FloatVector.fromArray(F, x, x1 + d);
                    FloatVector q = FloatVector.fromArray(F, a, a0 + d);
                    s00 = q.fma(k0, s00);
                    s01 = q.fma(k1, s01);
                    q = FloatVector.fromArray(F, a, a0 + n + d);
                    s10 = q.fma(k0, s10);
                    s11 = q.fma(k1, s11);
                    q = FloatVector.fromArray(F, a, a0 + 2 * n + d);
                    s20 = q.fma(k0, s20);
                    s21 = q.fma(k1, s21);
                    q = FloatVector.fromArray(F, a, a0 + 3 * n + d);
                    s30 = q.fma(k0, s30);
                    s31 = q.fma(k1, s31);
                }
                int o = outOffset + r * outStride + j;
                out[o] = sumLanes(s00);
                out[o + 1] = sumLanes(s01);
                out[o + outStride] = sumLanes(s10);
                out[o + outStride + 1] = sumLanes(s11);
                out[o + 2 * outStride] = sumLanes(s20);
                out[o + 2 * outStride + 1] = sumLanes(s21);
                out[o + 3 * outStride] = sumLanes(s30);
                out[o + 3 * outStride + 1] = sumLanes(s31);
            }
        }
        for (; j < cols; j++) {
            for (int r = 0; r < rows; r++) {
                out[outOffset + r * outStride + j] = dot(a, aOffset + r * n, x, offset + j * n, n);
            }
        }
    }

    /**
     * One row against four stored rows at a time, each dot product in two halves of the vectors: eight independent
     * sums (two would each wait on the previous multiply-add: MHA's decode, a row per KV head).
     */
    private static void dotOneRow(float[] a, int aOffset, float[] x, int offset, int cols, int n, float[] out,
                                  int outOffset) {
        int j = 0;
        for (; j + 4 <= cols; j += 4) {
            int x0 = offset + j * n, x1 = x0 + n, x2 = x1 + n, x3 = x2 + n;
            FloatVector s0 = FloatVector.zero(F), s1 = FloatVector.zero(F), s2 = FloatVector.zero(F),
                    s3 = FloatVector.zero(F), t0 = FloatVector.zero(F), t1 = FloatVector.zero(F),
                    t2 = FloatVector.zero(F), t3 = FloatVector.zero(F);
            int d = 0;
            for (; d + 2 * LANES <= n; d += 2 * LANES) {
                FloatVector q = FloatVector.fromArray(F, a, aOffset + d);
                FloatVector h = FloatVector.fromArray(F, a, aOffset + d + LANES);
                s0 = q.fma(FloatVector.fromArray(F, x, x0 + d), s0);
                t0 = h.fma(FloatVector.fromArray(F, x, x0 + d + LANES), t0);
                s1 = q.fma(FloatVector.fromArray(F, x, x1 + d), s1);
                t1 = h.fma(FloatVector.fromArray(F, x, x1 + d + LANES), t1);
                s2 = q.fma(FloatVector.fromArray(F, x, x2 + d), s2);
                t2 = h.fma(FloatVector.fromArray(F, x, x2 + d + LANES), t2);
                s3 = q.fma(FloatVector.fromArray(F, x, x3 + d), s3);
                t3 = h.fma(FloatVector.fromArray(F, x, x3 + d + LANES), t3);
            }
            if (d < n) {   // n is a multiple of LANES: one vector left
                FloatVector q = FloatVector.fromArray(F, a, aOffset + d);
                s0 = q.fma(FloatVector.fromArray(F, x, x0 + d), s0);
                s1 = q.fma(FloatVector.fromArray(F, x, x1 + d), s1);
                s2 = q.fma(FloatVector.fromArray(F, x, x2 + d), s2);
                s3 = q.fma(FloatVector.fromArray(F, x, x3 + d), s3);
            }
            out[outOffset + j] = sumLanes(s0.add(t0));
            out[outOffset + j + 1] = sumLanes(s1.add(t1));
            out[outOffset + j + 2] = sumLanes(s2.add(t2));
            out[outOffset + j + 3] = sumLanes(s3.add(t3));
        }
        for (; j < cols; j++) {
            out[outOffset + j] = dot(a, aOffset, x, offset + j * n, n);
        }
    }

    /** {@link #dotRows} of fp32 bits, read as they are stored (a copy of {@link #dotRowsOfFloats}: see the class comment): rows four at a time, the rows left over one at a time. */
    private static void dotRowsOfBits(float[] a, int aOffset, int rows, int[] x, int offset, int cols, int n,
                                        float[] out, int outOffset, int outStride) {
        int fours = rows - rows % 4;
        if (fours > 0) {
            dotFourRowsOfBits(a, aOffset, fours, x, offset, cols, n, out, outOffset, outStride);
        }
        for (int r = fours; r < rows; r++) {
            dotOneRowOfBits(a, aOffset + r * n, x, offset, cols, n, out, outOffset + r * outStride);
        }
    }

    /** Four rows against two stored rows at a time: eight independent sums. */
    private static void dotFourRowsOfBits(float[] a, int aOffset, int rows, int[] x, int offset, int cols, int n,
                                    float[] out, int outOffset, int outStride) {
        int j = 0;
        for (; j + 2 <= cols; j += 2) {
            int x0 = offset + j * n, x1 = x0 + n;
            for (int r = 0; r < rows; r += 4) {
                FloatVector s00 = FloatVector.zero(F), s01 = FloatVector.zero(F), s10 = FloatVector.zero(F),
                        s11 = FloatVector.zero(F), s20 = FloatVector.zero(F), s21 = FloatVector.zero(F),
                        s30 = FloatVector.zero(F), s31 = FloatVector.zero(F);
                int a0 = aOffset + r * n;
                for (int d = 0; d < n; d += LANES) {
                    FloatVector k0 = IntVector.fromArray(I, x, x0 + d).reinterpretAsFloats();
                    FloatVector k1 = IntVector.fromArray(I, x, x1 + d).reinterpretAsFloats();
                    FloatVector q = FloatVector.fromArray(F, a, a0 + d);
                    s00 = q.fma(k0, s00);
                    s01 = q.fma(k1, s01);
                    q = FloatVector.fromArray(F, a, a0 + n + d);
                    s10 = q.fma(k0, s10);
                    s11 = q.fma(k1, s11);
                    q = FloatVector.fromArray(F, a, a0 + 2 * n + d);
                    s20 = q.fma(k0, s20);
                    s21 = q.fma(k1, s21);
                    q = FloatVector.fromArray(F, a, a0 + 3 * n + d);
                    s30 = q.fma(k0, s30);
                    s31 = q.fma(k1, s31);
                }
                int o = outOffset + r * outStride + j;
                out[o] = sumLanes(s00);
                out[o + 1] = sumLanes(s01);
                out[o + outStride] = sumLanes(s10);
                out[o + outStride + 1] = sumLanes(s11);
                out[o + 2 * outStride] = sumLanes(s20);
                out[o + 2 * outStride + 1] = sumLanes(s21);
                out[o + 3 * outStride] = sumLanes(s30);
                out[o + 3 * outStride + 1] = sumLanes(s31);
            }
        }
        for (; j < cols; j++) {
            for (int r = 0; r < rows; r++) {
                out[outOffset + r * outStride + j] = dotPacked(a, aOffset + r * n, x, offset + j * n, KernelMath.FLOAT_BITS, n);
            }
        }
    }

    /**
     * One row against four stored rows at a time, each dot product in two halves of the vectors: eight independent
     * sums (two would each wait on the previous multiply-add: MHA's decode, a row per KV head).
     */
    private static void dotOneRowOfBits(float[] a, int aOffset, int[] x, int offset, int cols, int n, float[] out,
                                  int outOffset) {
        int j = 0;
        for (; j + 4 <= cols; j += 4) {
            int x0 = offset + j * n, x1 = x0 + n, x2 = x1 + n, x3 = x2 + n;
            FloatVector s0 = FloatVector.zero(F), s1 = FloatVector.zero(F), s2 = FloatVector.zero(F),
                    s3 = FloatVector.zero(F), t0 = FloatVector.zero(F), t1 = FloatVector.zero(F),
                    t2 = FloatVector.zero(F), t3 = FloatVector.zero(F);
            int d = 0;
            for (; d + 2 * LANES <= n; d += 2 * LANES) {
                FloatVector q = FloatVector.fromArray(F, a, aOffset + d);
                FloatVector h = FloatVector.fromArray(F, a, aOffset + d + LANES);
                s0 = q.fma(IntVector.fromArray(I, x, x0 + d).reinterpretAsFloats(), s0);
                t0 = h.fma(IntVector.fromArray(I, x, x0 + d + LANES).reinterpretAsFloats(), t0);
                s1 = q.fma(IntVector.fromArray(I, x, x1 + d).reinterpretAsFloats(), s1);
                t1 = h.fma(IntVector.fromArray(I, x, x1 + d + LANES).reinterpretAsFloats(), t1);
                s2 = q.fma(IntVector.fromArray(I, x, x2 + d).reinterpretAsFloats(), s2);
                t2 = h.fma(IntVector.fromArray(I, x, x2 + d + LANES).reinterpretAsFloats(), t2);
                s3 = q.fma(IntVector.fromArray(I, x, x3 + d).reinterpretAsFloats(), s3);
                t3 = h.fma(IntVector.fromArray(I, x, x3 + d + LANES).reinterpretAsFloats(), t3);
            }
            if (d < n) {   // n is a multiple of LANES: one vector left
                FloatVector q = FloatVector.fromArray(F, a, aOffset + d);
                s0 = q.fma(IntVector.fromArray(I, x, x0 + d).reinterpretAsFloats(), s0);
                s1 = q.fma(IntVector.fromArray(I, x, x1 + d).reinterpretAsFloats(), s1);
                s2 = q.fma(IntVector.fromArray(I, x, x2 + d).reinterpretAsFloats(), s2);
                s3 = q.fma(IntVector.fromArray(I, x, x3 + d).reinterpretAsFloats(), s3);
            }
            out[outOffset + j] = sumLanes(s0.add(t0));
            out[outOffset + j + 1] = sumLanes(s1.add(t1));
            out[outOffset + j + 2] = sumLanes(s2.add(t2));
            out[outOffset + j + 3] = sumLanes(s3.add(t3));
        }
        for (; j < cols; j++) {
            out[outOffset + j] = dotPacked(a, aOffset, x, offset + j * n, KernelMath.FLOAT_BITS, n);
        }
    }

    /** See {@link KernelMath#axpyRows}. */
    static void axpyRows(float[] p, int pOffset, int pStride, int rows, int[] packed, int offset, int format, int cols,
                         int n, float[] y, int yOffset) {
        if (!vectorisable(n, offset, format)) {
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < cols; j++) {
                    axpyPacked(p[pOffset + r * pStride + j], packed, offset + j * n, format, y, yOffset + r * n, n);
                }
            }
            return;
        }
        if (format == KernelMath.FLOAT_BITS) {
            axpyRowsOfBits(p, pOffset, pStride, rows, packed, offset, cols, n, y, yOffset);
            return;
        }
        for (int j = 0; j < cols; j += STRETCH_ROWS) {
            int stretch = Math.min(STRETCH_ROWS, cols - j);
            axpyRowsOfFloats(p, pOffset + j, pStride, rows, widened(packed, offset + j * n, format, stretch * n), 0,
                    stretch, n, y, yOffset);
        }
    }

    /**
     * {@link #axpyRows} of floats: four output rows at a time, stored rows two at a time, each read front to back
     * (what a CPU's prefetcher follows). Walking the columns across the stored rows instead, to keep the sums in
     * registers, was slower, and so is the same in C (117 against 154 ns per key and KV head, G = 4, D = 128).
     */
    private static void axpyRowsOfFloats(float[] p, int pOffset, int pStride, int rows, float[] x, int offset, int cols,
                                       int n, float[] y, int yOffset) {
        int r = 0;
        for (; r + 4 <= rows; r += 4) {
            int y0 = yOffset + r * n, y1 = y0 + n, y2 = y1 + n, y3 = y2 + n;
            int w = pOffset + r * pStride;
            int j = 0;
            for (; j + 2 <= cols; j += 2) {
                FloatVector a0 = FloatVector.broadcast(F, p[w + j]), b0 = FloatVector.broadcast(F, p[w + j + 1]);
                FloatVector a1 = FloatVector.broadcast(F, p[w + pStride + j]);
                FloatVector b1 = FloatVector.broadcast(F, p[w + pStride + j + 1]);
                FloatVector a2 = FloatVector.broadcast(F, p[w + 2 * pStride + j]);
                FloatVector b2 = FloatVector.broadcast(F, p[w + 2 * pStride + j + 1]);
                FloatVector a3 = FloatVector.broadcast(F, p[w + 3 * pStride + j]);
                FloatVector b3 = FloatVector.broadcast(F, p[w + 3 * pStride + j + 1]);
                int row = offset + j * n;
                for (int d = 0; d < n; d += LANES) {
                    FloatVector u = FloatVector.fromArray(F, x, row + d);
                    FloatVector v = FloatVector.fromArray(F, x, row + n + d);
                    u.fma(a0, v.fma(b0, FloatVector.fromArray(F, y, y0 + d))).intoArray(y, y0 + d);
                    u.fma(a1, v.fma(b1, FloatVector.fromArray(F, y, y1 + d))).intoArray(y, y1 + d);
                    u.fma(a2, v.fma(b2, FloatVector.fromArray(F, y, y2 + d))).intoArray(y, y2 + d);
                    u.fma(a3, v.fma(b3, FloatVector.fromArray(F, y, y3 + d))).intoArray(y, y3 + d);
                }
            }
            for (; j < cols; j++) {
                FloatVector a0 = FloatVector.broadcast(F, p[w + j]), a1 = FloatVector.broadcast(F, p[w + pStride + j]);
                FloatVector a2 = FloatVector.broadcast(F, p[w + 2 * pStride + j]);
                FloatVector a3 = FloatVector.broadcast(F, p[w + 3 * pStride + j]);
                int row = offset + j * n;
                for (int d = 0; d < n; d += LANES) {
                    FloatVector u = FloatVector.fromArray(F, x, row + d);
                    u.fma(a0, FloatVector.fromArray(F, y, y0 + d)).intoArray(y, y0 + d);
                    u.fma(a1, FloatVector.fromArray(F, y, y1 + d)).intoArray(y, y1 + d);
                    u.fma(a2, FloatVector.fromArray(F, y, y2 + d)).intoArray(y, y2 + d);
                    u.fma(a3, FloatVector.fromArray(F, y, y3 + d)).intoArray(y, y3 + d);
                }
            }
        }
        for (; r < rows; r++) {
            int y0 = yOffset + r * n;
            int w = pOffset + r * pStride;
            int j = 0;
            for (; j + 2 <= cols; j += 2) {
                FloatVector a = FloatVector.broadcast(F, p[w + j]), b = FloatVector.broadcast(F, p[w + j + 1]);
                int row = offset + j * n;
                for (int d = 0; d < n; d += LANES) {
                    FloatVector u = FloatVector.fromArray(F, x, row + d);
                    FloatVector v = FloatVector.fromArray(F, x, row + n + d);
                    u.fma(a, v.fma(b, FloatVector.fromArray(F, y, y0 + d))).intoArray(y, y0 + d);
                }
            }
            for (; j < cols; j++) {
                FloatVector a = FloatVector.broadcast(F, p[w + j]);
                int row = offset + j * n;
                for (int d = 0; d < n; d += LANES) {
                    FloatVector.fromArray(F, x, row + d).fma(a, FloatVector.fromArray(F, y, y0 + d))
                            .intoArray(y, y0 + d);
                }
            }
        }
    }
    /**
     * {@link #axpyRows} of fp32 bits, read as they are stored (a copy of {@link #axpyRowsOfFloats}: see the class comment): four output rows at a time, stored rows two at a time, each read front to back
     * (what a CPU's prefetcher follows). Walking the columns across the stored rows instead, to keep the sums in
     * registers, was slower, and so is the same in C (117 against 154 ns per key and KV head, G = 4, D = 128).
     */
    private static void axpyRowsOfBits(float[] p, int pOffset, int pStride, int rows, int[] x, int offset, int cols,
                                       int n, float[] y, int yOffset) {
        int r = 0;
        for (; r + 4 <= rows; r += 4) {
            int y0 = yOffset + r * n, y1 = y0 + n, y2 = y1 + n, y3 = y2 + n;
            int w = pOffset + r * pStride;
            int j = 0;
            for (; j + 2 <= cols; j += 2) {
                FloatVector a0 = FloatVector.broadcast(F, p[w + j]), b0 = FloatVector.broadcast(F, p[w + j + 1]);
                FloatVector a1 = FloatVector.broadcast(F, p[w + pStride + j]);
                FloatVector b1 = FloatVector.broadcast(F, p[w + pStride + j + 1]);
                FloatVector a2 = FloatVector.broadcast(F, p[w + 2 * pStride + j]);
                FloatVector b2 = FloatVector.broadcast(F, p[w + 2 * pStride + j + 1]);
                FloatVector a3 = FloatVector.broadcast(F, p[w + 3 * pStride + j]);
                FloatVector b3 = FloatVector.broadcast(F, p[w + 3 * pStride + j + 1]);
                int row = offset + j * n;
                for (int d = 0; d < n; d += LANES) {
                    FloatVector u = IntVector.fromArray(I, x, row + d).reinterpretAsFloats();
                    FloatVector v = IntVector.fromArray(I, x, row + n + d).reinterpretAsFloats();
                    u.fma(a0, v.fma(b0, FloatVector.fromArray(F, y, y0 + d))).intoArray(y, y0 + d);
                    u.fma(a1, v.fma(b1, FloatVector.fromArray(F, y, y1 + d))).intoArray(y, y1 + d);
                    u.fma(a2, v.fma(b2, FloatVector.fromArray(F, y, y2 + d))).intoArray(y, y2 + d);
                    u.fma(a3, v.fma(b3, FloatVector.fromArray(F, y, y3 + d))).intoArray(y, y3 + d);
                }
            }
            for (; j < cols; j++) {
                FloatVector a0 = FloatVector.broadcast(F, p[w + j]), a1 = FloatVector.broadcast(F, p[w + pStride + j]);
                FloatVector a2 = FloatVector.broadcast(F, p[w + 2 * pStride + j]);
                FloatVector a3 = FloatVector.broadcast(F, p[w + 3 * pStride + j]);
                int row = offset + j * n;
                for (int d = 0; d < n; d += LANES) {
                    FloatVector u = IntVector.fromArray(I, x, row + d).reinterpretAsFloats();
                    u.fma(a0, FloatVector.fromArray(F, y, y0 + d)).intoArray(y, y0 + d);
                    u.fma(a1, FloatVector.fromArray(F, y, y1 + d)).intoArray(y, y1 + d);
                    u.fma(a2, FloatVector.fromArray(F, y, y2 + d)).intoArray(y, y2 + d);
                    u.fma(a3, FloatVector.fromArray(F, y, y3 + d)).intoArray(y, y3 + d);
                }
            }
        }
        for (; r < rows; r++) {
            int y0 = yOffset + r * n;
            int w = pOffset + r * pStride;
            int j = 0;
            for (; j + 2 <= cols; j += 2) {
                FloatVector a = FloatVector.broadcast(F, p[w + j]), b = FloatVector.broadcast(F, p[w + j + 1]);
                int row = offset + j * n;
                for (int d = 0; d < n; d += LANES) {
                    FloatVector u = IntVector.fromArray(I, x, row + d).reinterpretAsFloats();
                    FloatVector v = IntVector.fromArray(I, x, row + n + d).reinterpretAsFloats();
                    u.fma(a, v.fma(b, FloatVector.fromArray(F, y, y0 + d))).intoArray(y, y0 + d);
                }
            }
            for (; j < cols; j++) {
                FloatVector a = FloatVector.broadcast(F, p[w + j]);
                int row = offset + j * n;
                for (int d = 0; d < n; d += LANES) {
                    IntVector.fromArray(I, x, row + d).reinterpretAsFloats().fma(a, FloatVector.fromArray(F, y, y0 + d))
                            .intoArray(y, y0 + d);
                }
            }
        }
    }
}
