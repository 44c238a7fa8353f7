package squall.kernels;

import squall.api.KernelMath;

/**
 * How a KV cache stores its values, and the kernel code that reads and writes them. A cache is an
 * {@code int[]}: fp32 values as their bits, or fp16/bf16 values two to an int, the even element in the low
 * 16 bits, which is what {@link KernelMath}'s packed runs read ({@link #FP32} is {@link KernelMath#FLOAT_BITS},
 * and so on). Kernels take the type as a {@code @Specialize int DTYPE}, so device compilers fold the choice
 * away. fp16 converts with the JDK's {@link Float#float16ToFloat} and {@link Float#floatToFloat16} (bit-exact C
 * on devices); bf16 rounds to nearest even here.
 *
 * <p>One layer's cache is {@code [numBlocks, Hkv, BS, D]}: a physical block ("page") holds {@code BS}
 * consecutive tokens of every KV head, each head's rows contiguous. Sequence {@code b}'s token {@code j} is in
 * page {@code blockTable[b * maxBlocks + j / BS]}, row {@code j % BS}.
 */
public final class KvStorage {

    public static final int FP32 = KernelMath.FLOAT_BITS;
    public static final int FP16 = KernelMath.HALF;
    public static final int BF16 = KernelMath.BFLOAT16;

    private KvStorage() {
    }

    /** Bytes per stored element. */
    public static int bytes(int dtype) {
        return dtype == FP32 ? 4 : 2;
    }

    /** Ints needed for {@code elements} values of {@code dtype} ({@code elements} even for 16-bit types). */
    public static int ints(long elements, int dtype) {
        if (dtype != FP32 && elements % 2 != 0) {
            throw new IllegalArgumentException("16-bit caches pack pairs: need an even element count, got " + elements);
        }
        return Math.toIntExact(dtype == FP32 ? elements : elements / 2);
    }

    /** Element {@code i} of {@code cache}, as a float. */
    public static float read(int[] cache, int i, int dtype) {
        return load(cache, i, dtype);
    }

    /** {@code value} rounded to {@code dtype} and back: what the cache will hold. */
    public static float round(float value, int dtype) {
        return switch (dtype) {
            case FP32 -> value;
            case FP16 -> Float.float16ToFloat(Float.floatToFloat16(value));
            case BF16 -> Float.intBitsToFloat(floatToBf16(value) << 16);
            default -> throw new IllegalArgumentException("unknown KV dtype " + dtype);
        };
    }

    /**
     * Writes {@code value} as element {@code i} of {@code cache}, rounded to {@code dtype}; a 16-bit value goes in its
     * half of the int, the other half kept. Host side (filling a cache before it goes to a device).
     */
    public static void write(int[] cache, int i, float value, int dtype) {
        if (dtype == FP32) {
            cache[i] = Float.floatToRawIntBits(value);
        } else {
            int bits = dtype == FP16 ? Float.floatToFloat16(value) & 0xffff : floatToBf16(value);
            int shift = 16 * (i & 1);
            cache[i >> 1] = (cache[i >> 1] & ~(0xffff << shift)) | (bits << shift);
        }
    }

    // ---------------------------------------------------------------- kernel code (also called on the host)

    /**
     * Element offset in the cache of the row of token {@code position}, KV head {@code kvHead}, of the sequence whose
     * pages are listed from {@code blockTable[tableBase]} (sequence {@code b}: {@code tableBase = b * maxBlocks}).
     */
    public static int cacheRow(int[] blockTable, int tableBase, int position, int Hkv, int kvHead, int BS, int D) {
        int page = blockTable[tableBase + position / BS];
        return ((page * Hkv + kvHead) * BS + position % BS) * D;
    }

    /** Element {@code i} of a cache stored as {@code DTYPE}. */
    static float load(int[] cache, int i, int DTYPE) {
        if (DTYPE == FP32) {
            return Float.intBitsToFloat(cache[i]);
        }
        int word = cache[i >> 1];
        return widen((i & 1) == 0 ? word & 0xffff : word >>> 16, DTYPE);
    }

    /**
     * Copies the word of the cache holding element {@code i} to {@code tile[t..]}: one fp32 value, or the two
     * 16-bit values of the word ({@code i} even, as rows of an even head dim start).
     */
    static void stage(int[] cache, int i, float[] tile, int t, int DTYPE) {
        if (DTYPE == FP32) {
            tile[t] = Float.intBitsToFloat(cache[i]);
        } else {
            int word = cache[i >> 1];
            tile[t] = widen(word & 0xffff, DTYPE);
            tile[t + 1] = widen(word >>> 16, DTYPE);
        }
    }

    /** The float a 16-bit value of {@code DTYPE} stands for. */
    static float widen(int bits, int DTYPE) {
        return DTYPE == BF16 ? Float.intBitsToFloat(bits << 16) : Float.float16ToFloat((short) bits);
    }

    /** Writes {@code D} floats from {@code from[offset..]} as row {@code row} (an element offset) of {@code cache}. */
    static void storeRow(float[] from, int offset, int[] cache, int row, int D, int DTYPE) {
        if (DTYPE == FP32) {
            for (int d = 0; d < D; d++) {
                cache[row + d] = Float.floatToRawIntBits(from[offset + d]);
            }
        } else {
            for (int d = 0; d < D; d += 2) {
                cache[(row + d) / 2] = packPair(from[offset + d], from[offset + d + 1], DTYPE);
            }
        }
    }

    /** {@code a} and {@code b} rounded to a 16-bit {@code DTYPE} and packed, {@code a} in the low half. */
    static int packPair(float a, float b, int DTYPE) {
        int low = DTYPE == BF16 ? floatToBf16(a) : Float.floatToFloat16(a) & 0xffff;
        int high = DTYPE == BF16 ? floatToBf16(b) : Float.floatToFloat16(b) & 0xffff;
        return low | (high << 16);
    }

    /** The bf16 bits nearest to {@code f}, ties to even; NaNs stay NaN (quiet). */
    static int floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            return ((bits >>> 16) | 0x40) & 0xffff;
        }
        return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
    }
}
