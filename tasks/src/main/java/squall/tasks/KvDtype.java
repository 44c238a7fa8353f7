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

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
