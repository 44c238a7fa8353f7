package squall.api;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The JVM's code for {@link KernelMath}'s order-free operations, on the JDK's Vector API at the machine's
 * preferred width. A run of {@code n} values goes {@link #LANES} at a time, then one at a time.
 *
 * <p>Every vector operation here is a call of the JDK's own, straight in the loop that uses it. C2 turns a vector
 * operation into an instruction only where it can see the vector's whole life; behind a call of ours that it does
 * not inline (a callee over 35 bytes at a call site it finds cold, or one "already compiled into a big method") the
 * vector is a heap object and the loop runs a hundred times slower, which happened here more than once depending
 * on what ran first. So stored 16-bit values are first widened, a stretch of rows at a time, into a per-thread scratch
 * run of floats (one loop per format; fp16 and int8 by plain loops that C2 turns into the hardware's vector
 * conversions), and the
 * products read floats; fp32 bits are read where they are stored, by a second copy of each product that loads ints
 * and reinterprets them (a float view of an int[] segment is not compiled to vector loads, and copying fp32 rows
 * first halved the speed of an fp32 decode). The widening is exact ({@link #widenHalves}).
 *
 * <p>The small matrix products block their loops so that values stay in registers across the loop that reuses them:
 * {@link #dotRows} four query rows against two stored rows, or one row against four (eight independent sums either
 * way); {@link #axpyRows} four output rows, updated in place, against two stored rows at a time, each read front to
 * back.
 */
final class VectorLoops {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    /** Ints holding one vector's worth of 16-bit values: half the preferred width. */
    private static final VectorSpecies<Integer> HALF_OF_I =
            VectorSpecies.of(int.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    static final int LANES = F.length();
    /** Stored rows widened at a time: a stretch that stays in the first-level cache with its query rows. */
    private static final int STRETCH_ROWS = 16;
    /** Per thread: the widened copy of a stretch of stored rows. */
    private static final ThreadLocal<float[][]> WIDENED = ThreadLocal.withInitial(() -> new float[][] {new float[0]});
    private static final ValueLayout.OfShort HALF_VALUE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private VectorLoops() {
    }

    // ---------------------------------------------------------------- the same bits in every tier

    /*
     * The JDK's reduceLanes(ADD) sums a vector's lanes in lane order in the interpreter and C1 but as a tree under
     * C2, and its lanewise EXP is Math.exp per lane in the former and SVML's in the latter: the same call gave
     * results one ulp apart before and after the JIT compiled it. squall promises the same bits for the same inputs
     * on a device, so lanes are summed by rotations (C2's own tree on AVX2, written out) and exp is a polynomial of
     * adds, multiplies and fused multiply-adds, which every tier computes alike.
     */
    private static final VectorShuffle<Float> ROTATE_8 = VectorShuffle.iota(F, LANES > 8 ? 8 : 0, 1, true);
    private static final VectorShuffle<Float> ROTATE_4 = VectorShuffle.iota(F, LANES > 4 ? 4 : 0, 1, true);
    private static final VectorShuffle<Float> ROTATE_2 = VectorShuffle.iota(F, 2, 1, true);
    private static final VectorShuffle<Float> ROTATE_1 = VectorShuffle.iota(F, 1, 1, true);

    /** The sum of {@code v}'s lanes: lane i plus lane i + LANES/2, then i + LANES/4, ... (up to 16 lanes). */
    private static float sumLanes(FloatVector v) {
        if (LANES > 8) {
            v = v.add(v.rearrange(ROTATE_8));
        }
        if (LANES > 4) {
            v = v.add(v.rearrange(ROTATE_4));
        }
        v = v.add(v.rearrange(ROTATE_2));
        return v.add(v.rearrange(ROTATE_1)).lane(0);
    }

    /** Cephes' expf: e^x = 2^n e^r with n = round(x log2 e) and |r| <= ln 2 / 2; within 2 ulp of e^x. */
    private static final float LOG2E = 1.44269504088896341f, LN2_HIGH = 0.693359375f, LN2_LOW = -2.12194440e-4f;
    /** Adding 1.5 * 2^23 rounds a float of magnitude below 2^22 to an integer, to nearest, even on ties. */
    private static final float ROUNDER = 12582912f;
    /** Below it e^x is under the smallest normal float (flushed to 0); above it e^x is past the largest. */
    private static final float EXP_LOWEST = -87.33654f, EXP_HIGHEST = 88.72283f;
    /** The largest argument the polynomial takes: its 2^n, n = round(88 log2 e) = 127, is still a normal float. */
    private static final float EXP_CLAMP = 88f;

    // ---------------------------------------------------------------- widening stored values

    /**
     * The {@code count} values of {@code format} from element {@code offset} of {@code packed} as floats, in this
     * thread's scratch run from index 0 (valid until its next call); {@code offset} even for 16-bit formats, a
     * multiple of 4 for int8.
     */
    private static float[] widened(int[] packed, int offset, int format, int count) {
        float[][] holder = WIDENED.get();
        if (holder[0].length < count) {
            holder[0] = new float[Math.max(count, 2 * holder[0].length)];
        }
        float[] scratch = holder[0];
        int i = 0;
        if (format == KernelMath.HALF) {
            widenHalves(MemorySegment.ofArray(packed), 2L * offset, scratch, count);
            return scratch;
        } else if (format == KernelMath.BFLOAT16) {
            for (; i + LANES <= count; i += LANES) {
                IntVector h = (IntVector) IntVector.fromArray(HALF_OF_I, packed, (offset + i) >> 1).reinterpretAsShorts()
                        .convertShape(VectorOperators.S2I, I, 0);
                h.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats().intoArray(scratch, i);
            }
        } else if (format == KernelMath.INT8) {
            widenBytes(MemorySegment.ofArray(packed), offset, scratch, count);
            return scratch;
        } else {
            for (; i + LANES <= count; i += LANES) {
                IntVector.fromArray(I, packed, offset + i).reinterpretAsFloats().intoArray(scratch, i);
            }
        }
        for (; i < count; i++) {
            scratch[i] = KernelMath.unpack(packed, offset + i, format);
        }
        return scratch;
    }

    /**
     * fp16 values (little-endian, from byte {@code from} of {@code halves}) into floats, exactly as
     * {@link Float#float16ToFloat}: a plain loop, which C2 compiles to the hardware's vector conversion (F16C's
     * {@code vcvtph2ps}), twice as fast here as converting with the Vector API's integer operations.
     */
    private static void widenHalves(MemorySegment halves, long from, float[] out, int count) {
        for (int i = 0; i < count; i++) {
            out[i] = Float.float16ToFloat(halves.get(HALF_VALUE, from + 2L * i));
        }
    }

    /**
     * Signed bytes (from byte {@code from} of {@code bytes}) into floats, exactly: a plain loop, which C2 compiles to
     * the hardware's widening and conversion; the Vector API's B2F from a 64-bit species ran int8 decode 25 % slower
     * than fp16 on the jvm device, though it reads half the bytes.
     */
    private static void widenBytes(MemorySegment bytes, long from, float[] out, int count) {
        for (int i = 0; i < count; i++) {
            out[i] = bytes.get(ValueLayout.JAVA_BYTE, from + i);
        }
    }

    private static boolean vectorisable(int n, int offset, int format) {
        return n >= LANES && n % LANES == 0
                && (format == KernelMath.FLOAT_BITS || (offset & (format == KernelMath.INT8 ? 3 : 1)) == 0);
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
        float sum = sumLanes(s0.add(s1));
        for (; i < n; i++) {
            sum = Math.fma(a[aOffset + i], b[bOffset + i], sum);
        }
        return sum;
    }

    static float dotPacked(float[] a, int aOffset, int[] packed, int offset, int format, int n) {
        if (!vectorisable(n, offset, format)) {
            float sum = 0.0f;
            for (int i = 0; i < n; i++) {
                sum = Math.fma(a[aOffset + i], KernelMath.unpack(packed, offset + i, format), sum);
            }
            return sum;
        }
        return dot(a, aOffset, widened(packed, offset, format, n), 0, n);
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
        if (!vectorisable(n, offset, format)) {
            for (int i = 0; i < n; i++) {
                y[yOffset + i] = Math.fma(alpha, KernelMath.unpack(packed, offset + i, format), y[yOffset + i]);
            }
            return;
        }
        axpy(alpha, widened(packed, offset, format, n), 0, y, yOffset, n);
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
        float sum = sumLanes(s0.add(s1));
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
            FloatVector t = FloatVector.fromArray(F, x, offset + i).sub(shift);
            FloatVector clamped = t.max(EXP_LOWEST).min(EXP_CLAMP);
            FloatVector k = clamped.fma(LOG2E, ROUNDER).sub(ROUNDER);
            FloatVector r = k.fma(FloatVector.broadcast(F, -LN2_HIGH), clamped);
            r = k.fma(FloatVector.broadcast(F, -LN2_LOW), r);
            FloatVector p = r.fma(1.9875691500e-4f, 1.3981999507e-3f);
            p = p.fma(r, FloatVector.broadcast(F, 8.3334519073e-3f));
            p = p.fma(r, FloatVector.broadcast(F, 4.1665795894e-2f));
            p = p.fma(r, FloatVector.broadcast(F, 1.6666665459e-1f));
            p = p.fma(r, FloatVector.broadcast(F, 5.0000001201e-1f));
            FloatVector e = p.fma(r.mul(r), r).add(1f);
            IntVector twoToK = ((IntVector) k.convert(VectorOperators.F2I, 0)).add(127).lanewise(VectorOperators.LSHL, 23);
            e = e.mul(twoToK.reinterpretAsFloats())
                    .blend(0f, t.compare(VectorOperators.LT, EXP_LOWEST))
                    .blend(Float.POSITIVE_INFINITY, t.compare(VectorOperators.GT, EXP_HIGHEST));
            e = e.blend(t, t.test(VectorOperators.IS_NAN));
            e.intoArray(x, offset + i);
            s = s.add(e);
        }
        float sum = sumLanes(s);
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
