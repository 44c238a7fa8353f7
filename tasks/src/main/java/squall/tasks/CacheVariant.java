package squall.tasks;

import java.util.Arrays;
import java.util.Locale;

/** How a decode or prefill step reads the KV cache. */
public enum CacheVariant {
    /** One work-item per group of query heads reads each KV row once for all of them (the CPU default). */
    BROADCAST,
    /** One work-group per group stages KV tiles in local memory for all its heads; decode only (the GPU default). */
    WORKGROUP,
    /** One work-item per query head, each reading its KV head itself: G times the reads. */
    GATHER,
    /** Copy the cache to one head per query head first (repeat_kv), then MHA: the textbook baseline. */
    REPEAT;

    public static CacheVariant parse(String name) {
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown variant '" + name + "'; expected one of "
                    + Arrays.toString(values()).toLowerCase(Locale.ROOT));
        }
    }

    /** The variant that suits {@code device} for decode. */
    public static CacheVariant defaultFor(squall.runtime.Device device) {
        return switch (device.type()) {
            case GPU, ACCELERATOR -> WORKGROUP;
            case CPU, JVM -> BROADCAST;
        };
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
