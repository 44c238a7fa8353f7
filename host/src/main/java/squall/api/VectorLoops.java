package squall.api;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The JVM's code for {@link KernelMath}'s order-free operations, on the JDK's Vector API at the machine's
 * preferred width. A run of {@code n} values goes {@link #LANES} at a time, then one at a time; packed 16-bit and
 * 8-bit values are widened in registers (integer operations and conversions, exact) as they are used, except when a
 * small matrix product would widen each stored row more than {@value #WIDEN_FIRST_ROWS} times: then the rows are
 * widened once into a per-thread scratch run first (prefill's many query rows against a tile of keys).
 *
 * <p>The small matrix products block their loops so that values stay in registers across the loop that
 * reuses them: {@link #dotRows} four query rows against two cached rows (eight accumulators), {@link #axpyRows}
 * four output rows, updated in place, against two stored rows at a time.
 */
final class VectorLoops {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    /** Ints holding one vector's worth of 16-bit values: half the preferred width. */
    private static final VectorSpecies<Integer> HALF_OF_I =
            VectorSpecies.of(int.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    /**
     * Ints holding one vector's worth of int8 values: a quarter of the preferred width, or {@code null} where that is
     * under the smallest vector (128-bit machines read int8 runs one value at a time).
     */
    private static final VectorSpecies<Integer> QUARTER_OF_I = F.vectorBitSize() < 256 ? null
            : VectorSpecies.of(int.class, VectorShape.forBitSize(F.vectorBitSize() / 4));
    static final int LANES = F.length();
    /** More rows than this re-read each stored row often enough that widening the run once first pays. */
    private static final int WIDEN_FIRST_ROWS = 8;
    /** Per thread: the widened copy of a run of stored values. */
    private static final ThreadLocal<int[][]> WIDENED = ThreadLocal.withInitial(() -> new int[][] {new int[0]});

    private VectorLoops() {
    }

    // ---------------------------------------------------------------- loading a run of stored values

    // Each of these is small enough for the JIT to inline wherever it is called (35 bytes of bytecode): a vector
    // operation left behind a call that is not inlined allocates its vector and runs a hundred times slower.

    /** {@link #LANES} values of {@code format} from element {@code i} of {@code packed} (i even for 16-bit formats). */
    private static FloatVector load(int[] packed, int i, int format) {
        return format == KernelMath.FLOAT_BITS ? loadBits(packed, i)
                : format == KernelMath.INT8 ? bytesToFloats(packed, i) : loadHalves(packed, i, format);
    }

    /** {@link #load} of a 16-bit format: a method of its own, so that {@link #load} stays small enough to inline. */
    private static FloatVector loadHalves(int[] packed, int i, int format) {
        return format == KernelMath.HALF ? halvesToFloats(halves(packed, i)) : bf16ToFloats(halves(packed, i));
    }

    /** {@link #LANES} int8 values from element {@code i} (a multiple of 4), as the integers they are. */
    private static FloatVector bytesToFloats(int[] packed, int i) {
        return (FloatVector) IntVector.fromArray(QUARTER_OF_I, packed, i >> 2).reinterpretAsBytes()
                .convertShape(VectorOperators.B2F, F, 0);
    }

    private static FloatVector loadBits(int[] packed, int i) {
        return IntVector.fromArray(I, packed, i).reinterpretAsFloats();
    }

    /** {@link #LANES} 16-bit values from element {@code i}, sign-extended into int lanes in their natural order. */
    private static IntVector halves(int[] packed, int i) {
        return (IntVector) IntVector.fromArray(HALF_OF_I, packed, i >> 1).reinterpretAsShorts()
                .convertShape(VectorOperators.S2I, I, 0);
    }

    private static FloatVector bf16ToFloats(IntVector h) {
        return h.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    /**
     * fp16 bits (sign-extended into each lane) to floats, exactly as {@link Float#float16ToFloat}: sign and
     * magnitude moved into place and scaled by 2^112, which is exact for normal and subnormal halves (three
     * operations). Infinities and NaNs, which would come out as finite numbers, are fixed up when a vector holds
     * one: never needed for a finite cache, a test per vector otherwise.
     */
    private static FloatVector halvesToFloats(IntVector h) {
        IntVector inPlace = h.lanewise(VectorOperators.LSHL, 13).and(0x8fffe000);
        VectorMask<Integer> special = h.and(0x7c00).compare(VectorOperators.EQ, 0x7c00);
        return special.anyTrue() ? specialHalves(inPlace, special) : inPlace.reinterpretAsFloats().mul(0x1p112f);
    }

    /** {@link #halvesToFloats} for a vector holding an infinity or a NaN: the all-ones exponent, the payload kept. */
    private static FloatVector specialHalves(IntVector inPlace, VectorMask<Integer> special) {
        return inPlace.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts().blend(inPlace.or(0x7f800000), special)
                .reinterpretAsFloats();
    }

    /**
     * The {@code count} values of {@code format} from element {@code offset} of {@code packed} as fp32 bits, in this
     * thread's scratch array (valid until its next call).
     */
    private static int[] widened(int[] packed, int offset, int format, int count) {
        int[][] holder = WIDENED.get();
        if (holder[0].length < count) {
            holder[0] = new int[Math.max(count, 2 * holder[0].length)];
        }
        int[] scratch = holder[0];
        int i = 0;
        if (format == KernelMath.HALF) {
            for (; i + LANES <= count; i += LANES) {
                halvesToFloats(halves(packed, offset + i)).reinterpretAsInts().intoArray(scratch, i);
            }
        } else if (format == KernelMath.BFLOAT16) {
            for (; i + LANES <= count; i += LANES) {
                bf16ToFloats(halves(packed, offset + i)).reinterpretAsInts().intoArray(scratch, i);
            }
        } else {
            for (; i + LANES <= count; i += LANES) {
                bytesToFloats(packed, offset + i).reinterpretAsInts().intoArray(scratch, i);
            }
        }
        for (; i < count; i++) {
            scratch[i] = Float.floatToRawIntBits(KernelMath.unpack(packed, offset + i, format));
        }
        return scratch;
    }

    private static boolean vectorisable(int n, int offset, int format) {
        return n >= LANES && (format == KernelMath.FLOAT_BITS
                || (format == KernelMath.INT8 ? bytesVectorisable(offset) : (offset & 1) == 0));
    }

    private static boolean bytesVectorisable(int offset) {
        return QUARTER_OF_I != null && (offset & 3) == 0;
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
        } else if (rows > WIDEN_FIRST_ROWS && format != KernelMath.FLOAT_BITS) {
            // A method of its own for fp32 bits, so that its code is not profiled with the 16-bit formats'.
            dotRowsOfFloats(a, aOffset, rows, widened(packed, offset, format, cols * n), 0, cols, n, out, outOffset,
                    outStride);
        } else {
            dotRowsBlocked(a, aOffset, rows, packed, offset, format, cols, n, out, outOffset, outStride);
        }
    }

    private static void dotRowsOfFloats(float[] a, int aOffset, int rows, int[] bits, int offset, int cols, int n,
                                        float[] out, int outOffset, int outStride) {
        dotRowsBlocked(a, aOffset, rows, bits, offset, KernelMath.FLOAT_BITS, cols, n, out, outOffset, outStride);
    }

    /** Four rows against two stored rows at a time: eight accumulators, each stored row widened once per four rows. */
    private static void dotRowsBlocked(float[] a, int aOffset, int rows, int[] packed, int offset, int format, int cols,
                                       int n, float[] out, int outOffset, int outStride) {
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
        if (n % LANES != 0 || !vectorisable(n, offset, format)) {
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < cols; j++) {
                    axpyPacked(p[pOffset + r * pStride + j], packed, offset + j * n, format, y, yOffset + r * n, n);
                }
            }
        } else if (rows > WIDEN_FIRST_ROWS && format != KernelMath.FLOAT_BITS) {
            axpyRowsOfFloats(p, pOffset, pStride, rows, widened(packed, offset, format, cols * n), 0, cols, n, y, yOffset);
        } else {
            axpyRowsBlocked(p, pOffset, pStride, rows, packed, offset, format, cols, n, y, yOffset);
        }
    }

    private static void axpyRowsOfFloats(float[] p, int pOffset, int pStride, int rows, int[] bits, int offset, int cols,
                                         int n, float[] y, int yOffset) {
        axpyRowsBlocked(p, pOffset, pStride, rows, bits, offset, KernelMath.FLOAT_BITS, cols, n, y, yOffset);
    }

    /**
     * Four output rows at a time, stored rows two at a time, each read front to back (what a CPU's prefetcher
     * follows): walking the columns across the stored rows instead, to keep the sums in registers, was slower, and
     * so is the same in C (117 against 154 ns per key and KV head, G = 4, D = 128).
     */
    private static void axpyRowsBlocked(float[] p, int pOffset, int pStride, int rows, int[] packed, int offset,
                                        int format, int cols, int n, float[] y, int yOffset) {
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
                int x = offset + j * n;
                for (int d = 0; d < n; d += LANES) {
                    FloatVector u = load(packed, x + d, format), v = load(packed, x + n + d, format);
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
                int x = offset + j * n;
                for (int d = 0; d < n; d += LANES) {
                    FloatVector u = load(packed, x + d, format);
                    u.fma(a0, FloatVector.fromArray(F, y, y0 + d)).intoArray(y, y0 + d);
                    u.fma(a1, FloatVector.fromArray(F, y, y1 + d)).intoArray(y, y1 + d);
                    u.fma(a2, FloatVector.fromArray(F, y, y2 + d)).intoArray(y, y2 + d);
                    u.fma(a3, FloatVector.fromArray(F, y, y3 + d)).intoArray(y, y3 + d);
                }
            }
        }
        for (; r < rows; r++) {
            int y0 = yOffset + r * n;
            for (int j = 0; j < cols; j++) {
                FloatVector a = FloatVector.broadcast(F, p[pOffset + r * pStride + j]);
                int x = offset + j * n;
                for (int d = 0; d < n; d += LANES) {
                    load(packed, x + d, format).fma(a, FloatVector.fromArray(F, y, y0 + d)).intoArray(y, y0 + d);
                }
            }
        }
    }
}
