package squall.tasks;

import java.util.Locale;

/**
 * Element types a KV cache is stored in, with their size.
 *
 * <pre>{@code
 * long bytes = KvCacheSize.of(ModelPreset.byId("mistral-7b"), 4096, 1, KvDtype.BF16).totalBytes();
 * }</pre>
 */
public enum KvDtype {
    FP32(4),
    FP16(2),
    BF16(2),
    /** One byte per element; the per-block scales an int8 cache also needs are not counted. */
    INT8(1);

    private final int bytes;

    KvDtype(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /**
     * Bytes of K and V for {@code tokens} cached tokens of {@code kvHeads} heads of dimension {@code headDim}:
     * {@code 2 x tokens x kvHeads x headDim x bytes()}.
     *
     * @throws ArithmeticException if that does not fit a long
     */
    public long kvBytes(long tokens, int kvHeads, int headDim) {
        return Math.multiplyExact(2, Math.multiplyExact(Math.multiplyExact(tokens, kvHeads), (long) headDim * bytes));
    }

    /** The {@link squall.kernels.KvStorage} code kernels take; int8 caches exist only as size estimates. */
    public int storage() {
        return switch (this) {
            case FP32 -> squall.kernels.KvStorage.FP32;
            case FP16 -> squall.kernels.KvStorage.FP16;
            case BF16 -> squall.kernels.KvStorage.BF16;
            case INT8 -> throw new IllegalArgumentException("int8 KV caches are not implemented; kv-size estimates them,"
                    + " decode and prefill store fp32, fp16 or bf16");
        };
    }

    public static KvDtype parse(String name) {
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown KV dtype '" + name + "'; expected fp32, fp16, bf16 or int8");
        }
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
