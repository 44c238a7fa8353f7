package squall.api;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The JVM's code for {@link KernelMath}'s order-free operations, on the JDK's Vector API at the machine's
 * preferred width. A run of {@code n} values goes {@link #LANES} at a time, then one at a time; packed 16-bit
 * values are widened in registers (integer operations, exact), never into a scratch array.
 *
 * <p>The small matrix products block their loops so that values stay in registers across the loop that
 * reuses them: {@link #dotRows} four query rows against two cached rows (eight accumulators), {@link #axpyRows}
 * four output rows by two vectors of columns.
 */
final class VectorLoops {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    /** Ints holding one vector's worth of 16-bit values: half the preferred width. */
    private static final VectorSpecies<Integer> HALF_OF_I =
            VectorSpecies.of(int.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    static final int LANES = F.length();

    private VectorLoops() {
    }

    // ---------------------------------------------------------------- loading a run of stored values

    /** {@link #LANES} values of {@code format} from element {@code i} of {@code packed} (i even for 16-bit formats). */
    private static FloatVector load(int[] packed, int i, int format) {
        if (format == KernelMath.FLOAT_BITS) {
            return IntVector.fromArray(I, packed, i).reinterpretAsFloats();
        }
        // LANES 16-bit values, sign-extended into int lanes in their natural order.
        IntVector h = (IntVector) IntVector.fromArray(HALF_OF_I, packed, i >> 1).reinterpretAsShorts()
                .convertShape(VectorOperators.S2I, I, 0);
        if (format == KernelMath.BFLOAT16) {
            return h.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
        }
        return halvesToFloats(h);
    }

    /**
     * fp16 bits (sign-extended into each lane) to floats, exactly as {@link Float#float16ToFloat}: sign and
     * magnitude moved into place and scaled by 2^112, which is exact for normal and subnormal halves (three
     * operations). Infinities and NaNs, which would come out as finite numbers, are fixed up when a vector holds
     * one: the fix-up is never needed for a finite cache and costs a test per vector otherwise.
     */
    private static FloatVector halvesToFloats(IntVector h) {
        IntVector inPlace = h.lanewise(VectorOperators.LSHL, 13).and(0x8fffe000);
        FloatVector f = inPlace.reinterpretAsFloats().mul(0x1p112f);
        VectorMask<Integer> special = h.and(0x7c00).compare(VectorOperators.EQ, 0x7c00);
        if (special.anyTrue()) {
            f = f.reinterpretAsInts().blend(inPlace.or(0x7f800000), special).reinterpretAsFloats();
        }
        return f;
    }

    private static boolean vectorisable(int n, int offset, int format) {
        return n >= LANES && (format == KernelMath.FLOAT_BITS || (offset & 1) == 0);
    }

    // ---------------------------------------------------------------- runs

    static float dot(float[] a, int aOffset, float[] b, int bOffset, int n) {
        FloatVector s0 = FloatVector.zero(F), s1 = FloatVector.zero(F);
        int i = 0;
        for (; i + 2 * LANES <= n; i += 2 * LANES) {
            s0 = FloatVector.fromArray(F, a, aOffset + i).fma(FloatVector.fromArray(F, b, bOffset + i), s0);
            s1 = FloatVector.fromArray(F, a, aOffset + i + LANES).fma(FloatVector.fromArray(F, b, bOffset + i + LANES), s1);
        }
        for (; i + LANES <= n; i += LANES) {
            s0 = FloatVector.fromArray(F, a, aOffset + i).fma(FloatVector.fromArray(F, b, bOffset + i), s0);
        }
        float sum = s0.add(s1).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            sum = Math.fma(a[aOffset + i], b[bOffset + i], sum);
        }
        return sum;
    }

    static float dotPacked(float[] a, int aOffset, int[] packed, int offset, int format, int n) {
        int i = 0;
        float sum = 0.0f;
        if (vectorisable(n, offset, format)) {
            FloatVector s0 = FloatVector.zero(F), s1 = FloatVector.zero(F);
            for (; i + 2 * LANES <= n; i += 2 * LANES) {
                s0 = FloatVector.fromArray(F, a, aOffset + i).fma(load(packed, offset + i, format), s0);
                s1 = FloatVector.fromArray(F, a, aOffset + i + LANES).fma(load(packed, offset + i + LANES, format), s1);
            }
            for (; i + LANES <= n; i += LANES) {
                s0 = FloatVector.fromArray(F, a, aOffset + i).fma(load(packed, offset + i, format), s0);
            }
            sum = s0.add(s1).reduceLanes(VectorOperators.ADD);
        }
        for (; i < n; i++) {
            sum = Math.fma(a[aOffset + i], KernelMath.unpack(packed, offset + i, format), sum);
        }
        return sum;
    }

    static void axpy(float alpha, float[] x, int xOffset, float[] y, int yOffset, int n) {
        int i = 0;
        FloatVector va = FloatVector.broadcast(F, alpha);
        for (; i + LANES <= n; i += LANES) {
            FloatVector.fromArray(F, x, xOffset + i).fma(va, FloatVector.fromArray(F, y, yOffset + i))
                    .intoArray(y, yOffset + i);
        }
        for (; i < n; i++) {
            y[yOffset + i] = Math.fma(alpha, x[xOffset + i], y[yOffset + i]);
        }
    }

    static void axpyPacked(float alpha, int[] packed, int offset, int format, float[] y, int yOffset, int n) {
        int i = 0;
        if (vectorisable(n, offset, format)) {
            FloatVector va = FloatVector.broadcast(F, alpha);
            for (; i + LANES <= n; i += LANES) {
                load(packed, offset + i, format).fma(va, FloatVector.fromArray(F, y, yOffset + i)).intoArray(y, yOffset + i);
            }
        }
        for (; i < n; i++) {
            y[yOffset + i] = Math.fma(alpha, KernelMath.unpack(packed, offset + i, format), y[yOffset + i]);
        }
    }

    static float sum(float[] x, int offset, int n) {
        FloatVector s0 = FloatVector.zero(F), s1 = FloatVector.zero(F);
        int i = 0;
        for (; i + 2 * LANES <= n; i += 2 * LANES) {
            s0 = s0.add(FloatVector.fromArray(F, x, offset + i));
            s1 = s1.add(FloatVector.fromArray(F, x, offset + i + LANES));
        }
        for (; i + LANES <= n; i += LANES) {
            s0 = s0.add(FloatVector.fromArray(F, x, offset + i));
        }
        float sum = s0.add(s1).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            sum += x[offset + i];
        }
        return sum;
    }

    static float max(float[] x, int offset, int n) {
        float max = Float.NEGATIVE_INFINITY;
        int i = 0;
        if (n >= LANES) {
            FloatVector m = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
            for (; i + LANES <= n; i += LANES) {
                m = m.max(FloatVector.fromArray(F, x, offset + i));
            }
            max = m.reduceLanes(VectorOperators.MAX);
        }
        for (; i < n; i++) {
            max = Math.max(max, x[offset + i]);
        }
        return max;
    }

    static float exponentiate(float[] x, int offset, int n, float shift) {
        FloatVector s = FloatVector.zero(F);
        int i = 0;
        for (; i + LANES <= n; i += LANES) {
            FloatVector e = FloatVector.fromArray(F, x, offset + i).sub(shift).lanewise(VectorOperators.EXP);
            e.intoArray(x, offset + i);
            s = s.add(e);
        }
        float sum = s.reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) {
            float e = (float) Math.exp(x[offset + i] - shift);
            x[offset + i] = e;
            sum += e;
        }
        return sum;
    }

    // ---------------------------------------------------------------- small matrix products

    /** See {@link KernelMath#dotRows}. */
    static void dotRows(float[] a, int aOffset, int rows, int[] packed, int offset, int format, int cols, int n,
                        float[] out, int outOffset, int outStride) {
        if (n % LANES != 0 || !vectorisable(n, offset, format)) {
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < cols; j++) {
                    out[outOffset + r * outStride + j] = dotPacked(a, aOffset + r * n, packed, offset + j * n, format, n);
                }
            }
            return;
        }
        int j = 0;
        for (; j + 2 <= cols; j += 2) {
            int x0 = offset + j * n, x1 = x0 + n;
            int r = 0;
            for (; r + 4 <= rows; r += 4) {
                FloatVector s00 = FloatVector.zero(F), s01 = FloatVector.zero(F), s10 = FloatVector.zero(F),
                        s11 = FloatVector.zero(F), s20 = FloatVector.zero(F), s21 = FloatVector.zero(F),
                        s30 = FloatVector.zero(F), s31 = FloatVector.zero(F);
                int a0 = aOffset + r * n;
                for (int d = 0; d < n; d += LANES) {
                    FloatVector k0 = load(packed, x0 + d, format), k1 = load(packed, x1 + d, format);
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
                out[o] = s00.reduceLanes(VectorOperators.ADD);
                out[o + 1] = s01.reduceLanes(VectorOperators.ADD);
                out[o + outStride] = s10.reduceLanes(VectorOperators.ADD);
                out[o + outStride + 1] = s11.reduceLanes(VectorOperators.ADD);
                out[o + 2 * outStride] = s20.reduceLanes(VectorOperators.ADD);
                out[o + 2 * outStride + 1] = s21.reduceLanes(VectorOperators.ADD);
                out[o + 3 * outStride] = s30.reduceLanes(VectorOperators.ADD);
                out[o + 3 * outStride + 1] = s31.reduceLanes(VectorOperators.ADD);
            }
            for (; r < rows; r++) {
                FloatVector s0 = FloatVector.zero(F), s1 = FloatVector.zero(F);
                int a0 = aOffset + r * n;
                for (int d = 0; d < n; d += LANES) {
                    FloatVector q = FloatVector.fromArray(F, a, a0 + d);
                    s0 = q.fma(load(packed, x0 + d, format), s0);
                    s1 = q.fma(load(packed, x1 + d, format), s1);
                }
                out[outOffset + r * outStride + j] = s0.reduceLanes(VectorOperators.ADD);
                out[outOffset + r * outStride + j + 1] = s1.reduceLanes(VectorOperators.ADD);
            }
        }
        for (; j < cols; j++) {
            for (int r = 0; r < rows; r++) {
                out[outOffset + r * outStride + j] = dotPacked(a, aOffset + r * n, packed, offset + j * n, format, n);
            }
        }
    }

    /** See {@link KernelMath#axpyRows}. */
    static void axpyRows(float[] p, int pOffset, int pStride, int rows, int[] packed, int offset, int format, int cols,
                         int n, float[] y, int yOffset) {
        if (n % (2 * LANES) != 0 || !vectorisable(n, offset, format)) {
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < cols; j++) {
                    axpyPacked(p[pOffset + r * pStride + j], packed, offset + j * n, format, y, yOffset + r * n, n);
                }
            }
            return;
        }
        for (int d = 0; d < n; d += 2 * LANES) {
            int r = 0;
            for (; r + 4 <= rows; r += 4) {
                int y0 = yOffset + r * n + d;
                FloatVector t00 = FloatVector.fromArray(F, y, y0), t01 = FloatVector.fromArray(F, y, y0 + LANES);
                FloatVector t10 = FloatVector.fromArray(F, y, y0 + n), t11 = FloatVector.fromArray(F, y, y0 + n + LANES);
                FloatVector t20 = FloatVector.fromArray(F, y, y0 + 2 * n),
                        t21 = FloatVector.fromArray(F, y, y0 + 2 * n + LANES);
                FloatVector t30 = FloatVector.fromArray(F, y, y0 + 3 * n),
                        t31 = FloatVector.fromArray(F, y, y0 + 3 * n + LANES);
                int w = pOffset + r * pStride;
                for (int j = 0; j < cols; j++) {
                    int x = offset + j * n + d;
                    FloatVector v0 = load(packed, x, format), v1 = load(packed, x + LANES, format);
                    FloatVector weight = FloatVector.broadcast(F, p[w + j]);
                    t00 = v0.fma(weight, t00);
                    t01 = v1.fma(weight, t01);
                    weight = FloatVector.broadcast(F, p[w + pStride + j]);
                    t10 = v0.fma(weight, t10);
                    t11 = v1.fma(weight, t11);
                    weight = FloatVector.broadcast(F, p[w + 2 * pStride + j]);
                    t20 = v0.fma(weight, t20);
                    t21 = v1.fma(weight, t21);
                    weight = FloatVector.broadcast(F, p[w + 3 * pStride + j]);
                    t30 = v0.fma(weight, t30);
                    t31 = v1.fma(weight, t31);
                }
                t00.intoArray(y, y0);
                t01.intoArray(y, y0 + LANES);
                t10.intoArray(y, y0 + n);
                t11.intoArray(y, y0 + n + LANES);
                t20.intoArray(y, y0 + 2 * n);
                t21.intoArray(y, y0 + 2 * n + LANES);
                t30.intoArray(y, y0 + 3 * n);
                t31.intoArray(y, y0 + 3 * n + LANES);
            }
            for (; r < rows; r++) {
                int y0 = yOffset + r * n + d;
                FloatVector t0 = FloatVector.fromArray(F, y, y0), t1 = FloatVector.fromArray(F, y, y0 + LANES);
                for (int j = 0; j < cols; j++) {
                    int x = offset + j * n + d;
                    FloatVector weight = FloatVector.broadcast(F, p[pOffset + r * pStride + j]);
                    t0 = load(packed, x, format).fma(weight, t0);
                    t1 = load(packed, x + LANES, format).fma(weight, t1);
                }
                t0.intoArray(y, y0);
                t1.intoArray(y, y0 + LANES);
            }
        }
    }
}
