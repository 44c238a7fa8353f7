package squall.kernels;

/**
 * How a KV cache stores its values. A cache is an {@code int[]}: fp32 values as their bits, or
 * fp16/bf16 values two to an int, the even element in the low 16 bits. Kernels take the type as a
 * {@code @Specialize int DTYPE}, so device compilers fold the choice away. fp16 converts with the JDK's
 * {@link Float#float16ToFloat} and {@link Float#floatToFloat16} (bit-exact C on devices); bf16 rounds
 * to nearest even in {@link PagedAttentionKernels}.
 */
public final class KvStorage {

    public static final int FP32 = 0;
    public static final int FP16 = 1;
    public static final int BF16 = 2;

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
        return PagedAttentionKernels.load(cache, i, dtype);
    }

    /** {@code value} rounded to {@code dtype} and back: what the cache will hold. */
    public static float round(float value, int dtype) {
        return switch (dtype) {
            case FP32 -> value;
            case FP16 -> Float.float16ToFloat(Float.floatToFloat16(value));
            case BF16 -> Float.intBitsToFloat(PagedAttentionKernels.floatToBf16(value) << 16);
            default -> throw new IllegalArgumentException("unknown KV dtype " + dtype);
        };
    }
}
