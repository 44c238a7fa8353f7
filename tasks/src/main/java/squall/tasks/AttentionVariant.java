package squall.tasks;

import squall.runtime.Device;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * How the query heads of a group reach their shared KV head: the kernel an attention call ({@link Attention}) or a
 * decode or prefill step ({@link DecodeGraph}, {@link PrefillGraph}) runs.
 *
 * <pre>{@code
 * AttentionVariant.parse("gather");                    // GATHER
 * AttentionVariant.defaultFor(Devices.get("jvm"));     // BROADCAST
 * }</pre>
 */
public enum AttentionVariant {
    /** One work-item per group of query heads reads each KV row once for all of them (the CPU default). */
    BROADCAST,
    /** One work-group per group stages KV tiles in local memory for all its heads; decode only (the GPU default). */
    WORKGROUP,
    /** One work-item per query head, each reading its KV head itself (through {@code kvMap}: any mapping). */
    GATHER,
    /** Copy the cache to one head per query head first (repeat_kv), then MHA: the textbook baseline. */
    REPEAT;

    /** The variants an {@link Attention.Call} runs: the work-group kernel is a decode step's, over a paged cache. */
    private static final List<AttentionVariant> CALLS = List.of(BROADCAST, GATHER, REPEAT);

    public static AttentionVariant parse(String name) {
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown variant '" + name + "'; expected one of "
                    + Arrays.toString(values()).toLowerCase(Locale.ROOT));
        }
    }

    /** The variant that suits {@code device} for decode. */
    public static AttentionVariant defaultFor(Device device) {
        return switch (device.type()) {
            case GPU, ACCELERATOR -> WORKGROUP;
            case CPU, JVM -> BROADCAST;
        };
    }

    /** The variants of an attention call: broadcast, gather and repeat. */
    public static List<AttentionVariant> forCalls() {
        return CALLS;
    }

    /** Whether the variant can split each sequence's keys in slices (split-KV). */
    public boolean splitsKv() {
        return this == BROADCAST || this == WORKGROUP;
    }

    /** Whether the variant runs decode steps only (one token per sequence). */
    public boolean decodeOnly() {
        return this == WORKGROUP;
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
