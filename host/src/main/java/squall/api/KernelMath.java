package squall.api;

/**
 * Single-precision math for kernels, in the spirit of TornadoVM's {@code TornadoMath}: each
 * function maps to the device's float built-in ({@code exp}, {@code sqrt}, {@code fmax}...) and,
 * on the JVM, to the double-precision {@link Math} function rounded to float. Device built-ins may
 * differ from the JVM result by a few ulp; {@link Math} calls on float arguments whose result is
 * immediately cast to {@code float} are mapped the same way.
 *
 * <h2>Order-free operations</h2>
 *
 * Kernel code keeps Java's floating-point semantics: sums in source order, no fused multiply-adds. That is
 * what makes a kernel's result the same on every device, and what keeps every compiler from vectorising a
 * dot product. The operations below give that up, and only they: a sum over a run of values may be taken in
 * any order (lanes of a vector, then a tree), and {@code a * b + c} may be fused. Each device runs code made
 * for it: the Vector API on the JVM, wide loads ({@code vload8}, {@code vload_half8}) with contraction allowed
 * on OpenCL, {@code fmaf} on CUDA. Results differ between devices, and from Java's ordered sum, within these
 * bounds, with {@code u = 2^-24} the unit roundoff and {@code gamma(n) = n u / (1 - n u)}:
 *
 * <ul>
 *   <li>a dot product or sum of {@code n} terms {@code t_i}: {@code |computed - exact| <= gamma(n) sum |t_i|};</li>
 *   <li>{@code y += alpha x}: each element within {@code 2u (|y| + |alpha x|)} (rounded once or twice);</li>
 *   <li>{@link #axpyRows}: each element of {@code y} within {@code gamma(cols + 1) (|y| + sum_j |p_j x_j|)};</li>
 *   <li>{@link #exponentiate}: each {@code exp} within a few ulp (the device's exponential), the sum as above;</li>
 *   <li>{@link #maxOf}: exact (a maximum does not depend on the order), NaNs aside.</li>
 * </ul>
 *
 * Runs of stored values ({@code packed}, in a {@code format}: {@link #FLOAT_BITS}, {@link #HALF},
 * {@link #BFLOAT16}, {@link #INT8}) are read as stored, two 16-bit values to an int, the even element in the low
 * 16 bits, or four signed bytes to an int, element {@code i} in byte {@code i % 4}: how squall's KV caches hold
 * them, so a kernel reads a cached row without widening it first. Offsets count elements; runs of 16-bit values
 * are fastest from even offsets, runs of bytes from multiples of four. An int8 value is read as the integer it
 * is: scaling it is the caller's (a row's scale multiplies a dot product once, not each of its terms).
 *
 * <pre>{@code
 * // scores of G query rows (q[qRow .. qRow + G * D)) against a tile of n cached fp16 key rows
 * KernelMath.dotRows(q, qRow, G, kCache, keyRow, KernelMath.HALF, n, D, scores, 0, TILE);
 * }</pre>
 */
public final class KernelMath {

    /** Float values stored as their bits ({@link Float#floatToRawIntBits}), one per int. */
    public static final int FLOAT_BITS = 0;
    /** IEEE 754 binary16 values, two per int, the even element in the low 16 bits. */
    public static final int HALF = 1;
    /** bfloat16 values (the upper 16 bits of a float), two per int, the even element in the low 16 bits. */
    public static final int BFLOAT16 = 2;
    /** Signed 8-bit integers, four per int, element {@code i} in byte {@code i % 4} (bits {@code 8 (i % 4)} up). */
    public static final int INT8 = 3;

    /**
     * How far ahead of the stored row being read, in rows, {@link #dotRows} and {@link #axpyRows} prefetch on a CPU,
     * and so how many rows of the next stretch a kernel asks for with {@link #prefetch} where that stretch does not
     * follow in memory: 16 rows (4 KiB of fp16 rows at D 128) took 15 % off PoCL's
     * Llama-3-8B decode at context 16384; 8 did as well, 32 less.
     */
    public static final int PREFETCH_ROWS = 16;

    private KernelMath() {
    }

    public static float exp(float x) {
        return (float) Math.exp(x);
    }

    public static float log(float x) {
        return (float) Math.log(x);
    }

    public static float sqrt(float x) {
        return (float) Math.sqrt(x);
    }

    public static float rsqrt(float x) {
        return (float) (1.0 / Math.sqrt(x));
    }

    public static float max(float a, float b) {
        return Math.max(a, b);
    }

    public static float min(float a, float b) {
        return Math.min(a, b);
    }

    public static float abs(float x) {
        return Math.abs(x);
    }

    /** {@code a * b + c} rounded once. */
    public static float fma(float a, float b, float c) {
        return Math.fma(a, b, c);
    }

    /**
     * Widens {@code n} fp16 values into {@code out[outOffset..outOffset+n)}, starting at half {@code halfOffset} of
     * {@code packed}, which holds two halves per int, the lower-numbered in the low 16 bits (how squall's KV caches
     * store fp16). Each value is {@link Float#float16ToFloat}'s. On OpenCL devices this is {@code vload_half8}, eight
     * values a time where the run starts on an eight-half boundary: far faster than widening one value at a time
     * with integer arithmetic on CPUs, which spent more on converting an fp16 cache than on reading it.
     *
     * <pre>{@code
     * KernelMath.widenHalves(kCache, row * D, keyRow, 0, D);  // one cached key row, as floats
     * }</pre>
     */
    public static void widenHalves(int[] packed, int halfOffset, float[] out, int outOffset, int n) {
        int i = 0;
        if ((halfOffset & 1) == 1 && n > 0) {
            out[outOffset] = Float.float16ToFloat((short) (packed[halfOffset >> 1] >>> 16));
            i = 1;
        }
        // Then a word, two halves, at a time: the JIT turns each conversion into one F16C instruction.
        int word = (halfOffset + i) >> 1;
        for (; i + 1 < n; i += 2, word++) {
            int bits = packed[word];
            out[outOffset + i] = Float.float16ToFloat((short) bits);
            out[outOffset + i + 1] = Float.float16ToFloat((short) (bits >>> 16));
        }
        if (i < n) {
            out[outOffset + i] = Float.float16ToFloat((short) packed[word]);
        }
    }

    public static int max(int a, int b) {
        return Math.max(a, b);
    }

    public static int min(int a, int b) {
        return Math.min(a, b);
    }
    // ---------------------------------------------------------------- order-free operations (see the class comment)

    /** {@code sum_i a[aOffset + i] * b[bOffset + i]}, {@code i < n}, in any order. */
    public static float dot(float[] a, int aOffset, float[] b, int bOffset, int n) {
        return VectorLoops.dot(a, aOffset, b, bOffset, n);
    }

    /** {@code sum_i a[aOffset + i] * x_i}, {@code x} the {@code n} values of {@code format} from element {@code offset} of {@code packed}. */
    public static float dotPacked(float[] a, int aOffset, int[] packed, int offset, int format, int n) {
        return VectorLoops.dotPacked(a, aOffset, packed, offset, format, n);
    }

    /** {@code y[yOffset + i] += alpha * x[xOffset + i]}, {@code i < n}. */
    public static void axpy(float alpha, float[] x, int xOffset, float[] y, int yOffset, int n) {
        VectorLoops.axpy(alpha, x, xOffset, y, yOffset, n);
    }

    /** {@code y[yOffset + i] += alpha * x_i}, {@code x} the {@code n} values of {@code format} from element {@code offset} of {@code packed}. */
    public static void axpyPacked(float alpha, int[] packed, int offset, int format, float[] y, int yOffset, int n) {
        VectorLoops.axpyPacked(alpha, packed, offset, format, y, yOffset, n);
    }

    /** {@code sum_i x[offset + i]}, {@code i < n}, in any order. */
    public static float sumOf(float[] x, int offset, int n) {
        return VectorLoops.sum(x, offset, n);
    }

    /** The largest of {@code x[offset .. offset + n)}; negative infinity for {@code n = 0}. */
    public static float maxOf(float[] x, int offset, int n) {
        return VectorLoops.max(x, offset, n);
    }

    /**
     * Replaces each {@code x[offset + i]}, {@code i < n}, by {@code exp(x[offset + i] - shift)} and returns their
     * sum: the weights of a softmax whose scores are {@code x} and whose maximum is {@code shift}.
     */
    public static float exponentiate(float[] x, int offset, int n, float shift) {
        return VectorLoops.exponentiate(x, offset, n, shift);
    }

    /**
     * A small matrix product {@code out = A X^T}: {@code out[outOffset + r * outStride + j] = sum_d a[aOffset + r * n + d] * x_j[d]}
     * for {@code r < rows}, {@code j < cols}, where {@code A} is {@code rows} contiguous rows of {@code n} floats and
     * {@code x_j} is the {@code j}-th of {@code cols} contiguous rows of {@code n} values of {@code format} from
     * element {@code offset} of {@code packed}. Each row of {@code X} is read once for all rows of {@code A}: the
     * scores of a group of query heads against a tile of cached keys.
     */
    public static void dotRows(float[] a, int aOffset, int rows, int[] packed, int offset, int format, int cols, int n,
                               float[] out, int outOffset, int outStride) {
        VectorProducts.dotRows(a, aOffset, rows, packed, offset, format, cols, n, out, outOffset, outStride);
    }

    /**
     * A small matrix product accumulated, {@code Y += P X}: {@code y[yOffset + r * n + d] += sum_j p[pOffset + r * pStride + j] * x_j[d]}
     * for {@code r < rows}, {@code d < n}, where {@code x_j} is the {@code j}-th of {@code cols} contiguous rows of
     * {@code n} values of {@code format} from element {@code offset} of {@code packed}, and {@code Y} is {@code rows}
     * contiguous rows of {@code n} floats. Each row of {@code X} is read once for all rows of {@code Y}: the
     * softmax-weighted values of a tile of cached keys, for a group of query heads.
     */
    public static void axpyRows(float[] p, int pOffset, int pStride, int rows, int[] packed, int offset, int format,
                                int cols, int n, float[] y, int yOffset) {
        VectorProducts.axpyRows(p, pOffset, pStride, rows, packed, offset, format, cols, n, y, yOffset);
    }

    /**
     * Asks the device to bring stored elements {@code offset .. offset + n - 1} of {@code packed} (values of
     * {@code format}) into its caches, because they are read soon; changes nothing. {@link #dotRows} and
     * {@link #axpyRows} prefetch {@link #PREFETCH_ROWS} rows ahead of the row they read, on past their last row,
     * which helps where the next rows follow in memory: where they do not (the next block of a paged cache), the
     * caller asks for them here, before it reads the rows ahead of them. A CPU's OpenCL prefetches (a prefetch never
     * faults, so the stretch may pass the array's end); the JVM and CUDA do nothing.
     *
     * <pre>{@code
     * // this tile's keys end a block: ask for the next block's first rows, then score this tile
     * KernelMath.prefetch(kCache, nextKeyRow, KernelMath.HALF, KernelMath.PREFETCH_ROWS * D);
     * KernelMath.dotRows(q, qRow, G, kCache, keyRow, KernelMath.HALF, n, D, scores, 0, TILE);
     * }</pre>
     */
    public static void prefetch(int[] packed, int offset, int format, int n) {
        // The JVM has no prefetch to ask for, and a bounds check here would cost what the hint saves.
    }

    /** Element {@code i} of a run stored as {@code format}, one value at a time. */
    static float unpack(int[] packed, int i, int format) {
        if (format == FLOAT_BITS) {
            return Float.intBitsToFloat(packed[i]);
        }
        if (format == INT8) {
            return packed[i >> 2] << (24 - 8 * (i & 3)) >> 24;
        }
        int word = packed[i >> 1];
        int bits = (i & 1) == 0 ? word & 0xffff : word >>> 16;
        return format == BFLOAT16 ? Float.intBitsToFloat(bits << 16) : Float.float16ToFloat((short) bits);
    }
}
