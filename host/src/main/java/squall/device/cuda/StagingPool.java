package squall.device.cuda;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Off-heap staging memory for transfers. A heap array handed to a native call would be copied
 * behind our back, and only page-locked memory lets the GPU copy asynchronously, so each transfer
 * copies its array into a staging block and queues the GPU copy from there. A block stays busy
 * until the stream has drained ({@link #recycle()} after the session's {@code finish()}); then it
 * is reused by later transfers of a size that fits. Idle blocks above {@link #idleLimit} bytes are
 * freed, so a large one-time copy (a KV cache moved in once) does not keep its staging forever.
 *
 * <p>Not thread-safe: a session is used from one thread at a time.
 */
final class StagingPool implements AutoCloseable {

    /** Allocates and frees the memory: page-locked ({@code cuMemHostAlloc}) on a GPU. */
    interface HostMemory {
        MemorySegment allocate(long bytes);

        void free(MemorySegment block);
    }

    /** Keep idle blocks up to this many bytes in all. */
    static final long DEFAULT_IDLE_LIMIT = 256L << 20;
    /** Smallest block: small transfers share sizes, so blocks get reused. */
    private static final long MIN_BLOCK = 64 << 10;

    private final HostMemory memory;
    private final long idleLimit;
    private final List<MemorySegment> idle = new ArrayList<>();
    private final List<MemorySegment> busy = new ArrayList<>();
    private long allocatedBytes;

    StagingPool(HostMemory memory, long idleLimit) {
        this.memory = memory;
        this.idleLimit = idleLimit;
    }

    /**
     * A block of at least {@code bytes}, busy until {@link #recycle()}: the smallest idle block that
     * fits and wastes at most half of itself, else a new one.
     */
    MemorySegment acquire(long bytes) {
        MemorySegment best = null;
        for (MemorySegment block : idle) {
            if (block.byteSize() >= bytes && block.byteSize() / 2 <= Math.max(bytes, MIN_BLOCK)
                    && (best == null || block.byteSize() < best.byteSize())) {
                best = block;
            }
        }
        if (best != null) {
            idle.remove(best);
        } else {
            best = memory.allocate(blockSize(bytes));
            allocatedBytes += best.byteSize();
        }
        busy.add(best);
        return best.asSlice(0, bytes);
    }

    private static long blockSize(long bytes) {
        if (bytes <= MIN_BLOCK) {
            return MIN_BLOCK;
        }
        long pages = (bytes + 4095) / 4096;
        return pages * 4096;
    }

    /** Every busy block is idle again (the stream has drained); idle blocks above the limit are freed, largest first. */
    void recycle() {
        idle.addAll(busy);
        busy.clear();
        idle.sort(Comparator.comparingLong(MemorySegment::byteSize));
        long idleBytes = idle.stream().mapToLong(MemorySegment::byteSize).sum();
        while (idleBytes > idleLimit && !idle.isEmpty()) {
            MemorySegment largest = idle.removeLast();
            idleBytes -= largest.byteSize();
            allocatedBytes -= largest.byteSize();
            memory.free(largest);
        }
    }

    /** Bytes of staging memory held now, busy and idle. */
    long allocatedBytes() {
        return allocatedBytes;
    }

    int busyBlocks() {
        return busy.size();
    }

    /** Frees every block; call only when the stream has drained. */
    @Override
    public void close() {
        RuntimeException failure = null;
        for (List<MemorySegment> list : List.of(busy, idle)) {
            for (MemorySegment block : list) {
                try {
                    memory.free(block);
                } catch (RuntimeException e) {
                    failure = failure == null ? e : failure;
                }
            }
            list.clear();
        }
        allocatedBytes = 0;
        if (failure != null) {
            throw failure;
        }
    }
}
