package squall.api;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
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
 * <p>The small matrix products, on the same pieces, are {@link VectorProducts}.
 */
final class VectorLoops {

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    /** Ints holding one vector's worth of 16-bit values: half the preferred width. */
    private static final VectorSpecies<Integer> HALF_OF_I =
            VectorSpecies.of(int.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    static final int LANES = F.length();
    /** Stored rows widened at a time: a stretch that stays in the first-level cache with its query rows. */
    static final int STRETCH_ROWS = 16;
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
    static float sumLanes(FloatVector v) {
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
    static float[] widened(int[] packed, int offset, int format, int count) {
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

    static boolean vectorisable(int n, int offset, int format) {
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
}
