package squall.kernels;

import squall.api.KernelMath;

/**
 * How a KV cache stores its values, and the kernel code that reads and writes them. A cache is an
 * {@code int[]}: fp32 values as their bits, fp16/bf16 values two to an int, the even element in the low
 * 16 bits, or int8 values four to an int, element {@code i} in byte {@code i % 4}, which is what
 * {@link KernelMath}'s packed runs read ({@link #FP32} is {@link KernelMath#FLOAT_BITS}, and so on). Kernels take the type as a {@code @Specialize int DTYPE}, so device compilers fold the choice
 * away. fp16 converts with the JDK's {@link Float#float16ToFloat} and {@link Float#floatToFloat16} (bit-exact C
 * on devices); bf16 rounds to nearest even here.
 *
 * <p>One layer's cache is {@code [numBlocks, Hkv, BS, D]}: a block holds {@code BS}
 * consecutive tokens of every KV head, each head's rows contiguous. Sequence {@code b}'s token {@code j} is in
 * block {@code blockTable[b * maxBlocks + j / BS]}, row {@code j % BS}.
 *
 * <p>int8 is symmetric per row: a row of {@code D} values {@code x} is stored as {@code round(x / s)} in
 * {@code [-127, 127]} with {@code s = max|x| / 127}, and {@code s} (fp32 bits) beside it: a block holds its
 * {@code Hkv * BS} rows of bytes, then their {@code Hkv * BS} scales in the same order, so the rows of a block stay
 * contiguous for {@link KernelMath}'s runs and a row's scale is found from its block. Kernels multiply a dot product
 * with a key row by the row's scale, and a value row's weight by its scale, so the products read bytes as they are.
 */
public final class KvStorage {

    public static final int FP32 = KernelMath.FLOAT_BITS;
    public static final int FP16 = KernelMath.HALF;
    public static final int BF16 = KernelMath.BFLOAT16;
    public static final int INT8 = KernelMath.INT8;
    /** The largest magnitude of an int8 element: symmetric, so -128 is never stored. */
    static final float INT8_LIMIT = 127.0f;

    private KvStorage() {
    }

    /** Bytes per stored element (int8: the byte; its row's scale adds {@link #scaleBytes} per row). */
    public static int bytes(int dtype) {
        return dtype == FP32 ? 4 : dtype == INT8 ? 1 : 2;
    }

    /** Bytes stored per row of {@code D} values besides the values themselves: int8's fp32 scale. */
    public static int scaleBytes(int dtype) {
        return dtype == INT8 ? 4 : 0;
    }

    /** Elements stored per int: 1, 2 or 4. */
    public static int perWord(int dtype) {
        return dtype == FP32 ? 1 : dtype == INT8 ? 4 : 2;
    }

    /**
     * The head dims a cache of {@code dtype} can store: fp32 any, 16-bit types even ones (pairs share an int), int8
     * multiples of four; empty if {@code D} is one, else what is wrong with it.
     */
    public static String headDimProblem(int D, int dtype) {
        int word = perWord(dtype);
        return D % word == 0 ? "" : "a " + (dtype == INT8 ? "int8" : "16-bit") + " cache packs " + word
                + " values per int, so the head dim must be a multiple of " + word + ", got " + D;
    }

    /** Ints needed for {@code elements} values of {@code dtype} ({@code elements} a multiple of {@link #perWord}). */
    public static int ints(long elements, int dtype) {
        if (elements % perWord(dtype) != 0) {
            throw new IllegalArgumentException("a cache of this type packs " + perWord(dtype) + " values per int: need"
                    + " a multiple of " + perWord(dtype) + " elements, got " + elements);
        }
        return Math.toIntExact(elements / perWord(dtype));
    }

    /**
     * Elements one block of {@code Hkv * BS} rows of {@code D} takes: its values, and for int8 the room of four bytes
     * per row for its scale. Element offsets in the cache count these: a cache holds fewer than 2^31 of them.
     */
    public static long blockElements(int Hkv, int BS, int D, int dtype) {
        return (long) Hkv * BS * (D + scaleBytes(dtype));
    }

    /** The fp32 scale an int8 row with largest magnitude {@code largest} is stored with. */
    static float int8Scale(float largest) {
        return largest / INT8_LIMIT;
    }

    /** {@code value} as the int8 element a row with largest magnitude {@code largest} stores it as: the nearest of {@code [-127, 127]}. */
    static int quantise(float value, float largest) {
        float inverse = largest == 0.0f ? 0.0f : INT8_LIMIT / largest;
        return toInt8(value * inverse);
    }

    /** {@code x} (in {@code [-127, 127]} up to rounding) to the nearest integer, halves away from zero, clamped. */
    static int toInt8(float x) {
        int rounded = (int) (x + (x >= 0.0f ? 0.5f : -0.5f));
        return Math.max(-127, Math.min(127, rounded));
    }

    /** Element {@code i} of {@code cache}, as a float. */
    public static float read(int[] cache, int i, int dtype) {
        return load(cache, i, dtype);
    }

    /**
     * {@code value} rounded to {@code dtype} and back: what the cache will hold. int8 rounds a whole row at once
     * ({@link #roundRow}).
     */
    public static float round(float value, int dtype) {
        return switch (dtype) {
            case FP32 -> value;
            case FP16 -> Float.float16ToFloat(Float.floatToFloat16(value));
            case BF16 -> Float.intBitsToFloat(floatToBf16(value) << 16);
            case INT8 -> throw new IllegalArgumentException("int8 rounds a row at a time (its scale is the row's): use roundRow");
            default -> throw new IllegalArgumentException("unknown KV dtype " + dtype);
        };
    }

    /**
     * Rounds {@code row[offset .. offset + D)} in place to what a cache of {@code dtype} holds for it, as
     * {@link PagedAttentionKernels#appendKv} stores it: int8 to {@code scale * round(x / scale)} with the row's scale.
     */
    public static void roundRow(float[] row, int offset, int D, int dtype) {
        if (dtype != INT8) {
            for (int d = 0; d < D; d++) {
                row[offset + d] = round(row[offset + d], dtype);
            }
            return;
        }
        float largest = largestMagnitude(row, offset, D);
        float scale = int8Scale(largest);
        for (int d = 0; d < D; d++) {
            row[offset + d] = scale * quantise(row[offset + d], largest);
        }
    }

    /**
     * Writes row {@code from[offset .. offset + D)} as the row of token {@code position}, KV head {@code kvHead}, of
     * the sequence whose blocks are listed from {@code blockTable[tableBase]}, as {@link PagedAttentionKernels#appendKv}
     * writes it on a device (int8: quantised, with its scale): the host's way to fill a cache.
     */
    public static void writeRow(float[] from, int offset, int[] cache, int[] blockTable, int tableBase, int position,
                                int Hkv, int kvHead, int BS, int D, int dtype) {
        int rowOffset = rowOffset(blockTable, tableBase, position, Hkv, kvHead, BS, D, dtype);
        int word = dtype == INT8 ? scaleWord(blockTable, tableBase, position, Hkv, kvHead, BS, D) : 0;
        storeRow(from, offset, cache, rowOffset, word, D, dtype);
    }

    /** Value {@code d} of the row {@link #writeRow} addresses, as the cache holds it (int8: times its row's scale). */
    public static float readValue(int[] cache, int[] blockTable, int tableBase, int position, int Hkv, int kvHead,
                                  int BS, int D, int dtype, int d) {
        float value = load(cache, rowOffset(blockTable, tableBase, position, Hkv, kvHead, BS, D, dtype) + d, dtype);
        return dtype == INT8 ? scale(cache, scaleWord(blockTable, tableBase, position, Hkv, kvHead, BS, D)) * value : value;
    }

    // ---------------------------------------------------------------- kernel code (also called on the host)

    /**
     * Element offset in the cache of the row of token {@code position}, KV head {@code kvHead}, of the sequence whose
     * blocks are listed from {@code blockTable[tableBase]} (sequence {@code b}: {@code tableBase = b * maxBlocks}).
     */
    public static int rowOffset(int[] blockTable, int tableBase, int position, int Hkv, int kvHead, int BS, int D, int DTYPE) {
        int block = blockTable[tableBase + position / BS];
        return block * Hkv * BS * (D + scaleBytes(DTYPE)) + (kvHead * BS + position % BS) * D;
    }

    /**
     * The int of an int8 cache holding the scale of the row {@link #rowOffset} finds (the scales of a block's rows
     * follow its rows, in the same order, so those of consecutive tokens of a block are consecutive).
     */
    static int scaleWord(int[] blockTable, int tableBase, int position, int Hkv, int kvHead, int BS, int D) {
        int block = blockTable[tableBase + position / BS];
        return block * Hkv * BS * (D / 4 + 1) + Hkv * BS * (D / 4) + kvHead * BS + position % BS;
    }

    /**
     * Element {@code i} of a cache stored as {@code DTYPE}; an int8 element as the integer it is, without its row's
     * scale.
     */
    static float load(int[] cache, int i, int DTYPE) {
        if (DTYPE == FP32) {
            return Float.intBitsToFloat(cache[i]);
        }
        if (DTYPE == INT8) {
            return byteOf(cache[i >> 2], i & 3);
        }
        int word = cache[i >> 1];
        return widen((i & 1) == 0 ? word & 0xffff : word >>> 16, DTYPE);
    }

    /**
     * Copies the word of the cache holding element {@code i} to {@code tile[t..]}: one fp32 value, the two 16-bit
     * values of the word, or its four int8 values times {@code scale} ({@code i} the first element of its word, as
     * rows of a head dim that is a multiple of the word's elements start).
     */
    static void stage(int[] cache, int i, float[] tile, int t, float scale, int DTYPE) {
        if (DTYPE == FP32) {
            tile[t] = Float.intBitsToFloat(cache[i]);
        } else if (DTYPE == INT8) {
            int word = cache[i >> 2];
            for (int e = 0; e < 4; e++) {
                tile[t + e] = scale * byteOf(word, e);
            }
        } else {
            int word = cache[i >> 1];
            tile[t] = widen(word & 0xffff, DTYPE);
            tile[t + 1] = widen(word >>> 16, DTYPE);
        }
    }

    /**
     * Byte {@code e} of {@code word} as a signed value; sign-extended with a mask and a subtraction, not with shifts
     * into the sign bit, which C leaves undefined.
     */
    static int byteOf(int word, int e) {
        return (((word >> (8 * e)) & 0xff) ^ 0x80) - 0x80;
    }

    /** The scale of the int8 row whose scale is in {@code cache[word]} (see {@link #scaleWord}). */
    static float scale(int[] cache, int word) {
        return Float.intBitsToFloat(cache[word]);
    }

    /**
     * Multiplies columns {@code column .. column + n - 1} of {@code rows} rows of {@code values} ({@code stride}
     * apart) by the scales of {@code n} consecutive int8 rows, the first in {@code cache[word]}: a tile's dot products
     * with its key rows become those with the values the rows stand for, or its weights those of the value rows.
     */
    static void scaleColumns(float[] values, int column, int stride, int rows, int n, int[] cache, int word) {
        // Row by row, the scales read as a run: a loop a device compiler vectorises, whose first pass brings the
        // scales' lines in together (column by column, a CPU waited on each scale's miss in turn).
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < n; j++) {
                values[r * stride + column + j] = values[r * stride + column + j] * Float.intBitsToFloat(cache[word + j]);
            }
        }
    }

    /** The largest {@code |x|} of {@code row[offset .. offset + D)}. */
    static float largestMagnitude(float[] row, int offset, int D) {
        float largest = 0.0f;
        for (int d = 0; d < D; d++) {
            largest = Math.max(largest, Math.abs(row[offset + d]));
        }
        return largest;
    }

    /** The float a 16-bit value of {@code DTYPE} stands for. */
    static float widen(int bits, int DTYPE) {
        return DTYPE == BF16 ? Float.intBitsToFloat(bits << 16) : Float.float16ToFloat((short) bits);
    }

    /**
     * Writes {@code D} floats from {@code from[offset..]} as the row at element offset {@code rowOffset} of {@code cache};
     * int8 also writes the row's scale to {@code cache[scaleWord]} (ignored for the other types).
     */
    static void storeRow(float[] from, int offset, int[] cache, int rowOffset, int scaleWord, int D, int DTYPE) {
        if (DTYPE == FP32) {
            for (int d = 0; d < D; d++) {
                cache[rowOffset + d] = Float.floatToRawIntBits(from[offset + d]);
            }
        } else if (DTYPE == INT8) {
            float largest = largestMagnitude(from, offset, D);
            for (int d = 0; d < D; d += 4) {
                int word = 0;
                for (int e = 0; e < 4; e++) {
                    word = word | ((quantise(from[offset + d + e], largest) & 0xff) << (8 * e));
                }
                cache[(rowOffset + d) >> 2] = word;
            }
            cache[scaleWord] = Float.floatToRawIntBits(int8Scale(largest));
        } else {
            for (int d = 0; d < D; d += 2) {
                cache[(rowOffset + d) / 2] = packPair(from[offset + d], from[offset + d + 1], DTYPE);
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
