package squall.runtime;

import java.lang.foreign.MemorySegment;

/**
 * Copies between primitive Java arrays and native memory, by byte offset (arrays of GiBs have offsets
 * past 2^31): how devices stage transfers, since a heap array handed to a native call is copied
 * behind your back.
 */
public final class HostArrays {

    private HostArrays() {
    }

    /** Copies {@code bytes} of {@code array}, from byte {@code offset}, to the start of {@code target}. */
    public static void toNative(Object array, long offset, MemorySegment target, long bytes) {
        MemorySegment.copy(segment(array), offset, target, 0, bytes);
    }

    /** Copies {@code bytes} from the start of {@code source} into {@code array} at byte {@code offset}. */
    public static void fromNative(MemorySegment source, Object array, long offset, long bytes) {
        MemorySegment.copy(source, 0, segment(array), offset, bytes);
    }

    private static MemorySegment segment(Object array) {
        return switch (array) {
            case float[] a -> MemorySegment.ofArray(a);
            case int[] a -> MemorySegment.ofArray(a);
            case short[] a -> MemorySegment.ofArray(a);
            case byte[] a -> MemorySegment.ofArray(a);
            case long[] a -> MemorySegment.ofArray(a);
            case double[] a -> MemorySegment.ofArray(a);
            case char[] a -> MemorySegment.ofArray(a);
            default -> throw new IllegalArgumentException("not a primitive array: " + array.getClass().getName());
        };
    }
}
