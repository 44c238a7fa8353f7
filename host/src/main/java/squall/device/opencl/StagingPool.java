package squall.device.opencl;

import org.lwjgl.system.MemoryUtil;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * Native (off-heap) memory that transfers pass through. A heap array handed to a native call is
 * copied behind the caller's back (see TOOLCHAIN.md), so every copy goes heap array → block →
 * device, or back, with the block's address given to OpenCL. Blocks are reused across executions,
 * since a fresh block pays page faults on first touch; at most {@code keepBytes} of idle blocks are
 * kept.
 */
final class StagingPool implements AutoCloseable {

    /** A block of native memory, allocated with {@code malloc} (not zeroed: it is always overwritten). */
    record Block(long address, long capacity) {
        MemorySegment segment() {
            return MemorySegment.ofAddress(address).reinterpret(capacity);
        }
    }

    private final long keepBytes;
    private final List<Block> idle = new ArrayList<>();
    private final Map<Block, Boolean> all = new IdentityHashMap<>();
    private long idleBytes;

    StagingPool(long keepBytes) {
        this.keepBytes = keepBytes;
    }

    /** A block of at least {@code bytes}: the smallest idle one that fits, or a new one. */
    Block acquire(long bytes) {
        Block best = null;
        for (Block b : idle) {
            if (b.capacity() >= bytes && (best == null || b.capacity() < best.capacity())) {
                best = b;
            }
        }
        if (best != null) {
            idle.remove(best);
            idleBytes -= best.capacity();
            return best;
        }
        long capacity = Math.max(bytes, 4096);
        long address = MemoryUtil.nmemAllocChecked(capacity);
        Block block = new Block(address, capacity);
        all.put(block, Boolean.TRUE);
        return block;
    }

    /** Returns a block no transfer uses any more; frees the largest idle blocks past the limit. */
    void recycle(Block block) {
        idle.add(block);
        idleBytes += block.capacity();
        while (idleBytes > keepBytes && !idle.isEmpty()) {
            Block largest = idle.getFirst();
            for (Block b : idle) {
                if (b.capacity() > largest.capacity()) {
                    largest = b;
                }
            }
            idle.remove(largest);
            idleBytes -= largest.capacity();
            free(largest);
        }
    }

    private void free(Block block) {
        all.remove(block);
        MemoryUtil.nmemFree(block.address());
    }

    /** Frees every block, idle or not; call only when no transfer is in flight. */
    @Override
    public void close() {
        for (Block b : List.copyOf(all.keySet())) {
            free(b);
        }
        idle.clear();
        idleBytes = 0;
    }
}
