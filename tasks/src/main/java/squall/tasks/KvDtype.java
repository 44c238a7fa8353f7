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
    /** One byte per element, and one fp32 scale per row of D elements ({@link #scaleBytes}). */
    INT8(1);

    private final int bytes;

    KvDtype(int bytes) {
        this.bytes = bytes;
    }

    /** Bytes per element. */
    public int bytes() {
        return bytes;
    }

    /** Bytes stored per row of D elements besides the elements: int8's scale. */
    public int scaleBytes() {
        return squall.kernels.KvStorage.scaleBytes(storage());
    }

    /**
     * The largest relative L2 error {@code decode --check} and {@code prefill --check} accept between the kernels'
     * output and the float64 reference over the values this cache holds: 1e-5 for every type, since the reference
     * reads the stored (rounded, or int8 times its scale) values, so what is left is the kernels' float32 arithmetic
     * (measured: below 1e-6). The storage's own rounding, against the unrounded K and V, is far larger and is not
     * what this judges: about 3e-4 for fp16, 2.4e-3 for bf16 and 9e-3 for int8 on Gaussian K and V (int8 up to
     * 1.5e-2 on the soft-capped NumPy cases; {@code KvDtypeErrorTest}).
     */
    public double checkLimit() {
        return 1e-5;
    }

    /**
     * Bytes of K and V for {@code tokens} cached tokens of {@code kvHeads} heads of dimension {@code headDim}:
     * {@code 2 x tokens x kvHeads x (headDim x bytes() + scaleBytes())} (int8: with its rows' scales).
     *
     * @throws ArithmeticException if that does not fit a long
     */
    public long kvBytes(long tokens, int kvHeads, int headDim) {
        return Math.multiplyExact(2, Math.multiplyExact(Math.multiplyExact(tokens, kvHeads), (long) headDim * bytes + scaleBytes()));
    }

    /** The {@link squall.kernels.KvStorage} code kernels take. */
    public int storage() {
        return switch (this) {
            case FP32 -> squall.kernels.KvStorage.FP32;
            case FP16 -> squall.kernels.KvStorage.FP16;
            case BF16 -> squall.kernels.KvStorage.BF16;
            case INT8 -> squall.kernels.KvStorage.INT8;
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
