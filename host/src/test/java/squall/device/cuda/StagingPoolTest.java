package squall.device.cuda;

import org.junit.jupiter.api.Test;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StagingPoolTest {

    /** Off-heap memory from an arena, counting what is live: stands in for cuMemHostAlloc. */
    private static final class CountingMemory implements StagingPool.HostMemory, AutoCloseable {
        final Arena arena = Arena.ofShared();
        final List<Long> live = new ArrayList<>();

        @Override
        public MemorySegment allocate(long bytes) {
            MemorySegment s = arena.allocate(bytes, 4096);
            live.add(s.address());
            return s;
        }

        @Override
        public void free(MemorySegment block) {
            assertTrue(live.remove((Long) block.address()), "freed a block that is not live");
        }

        @Override
        public void close() {
            arena.close();
        }
    }

    @Test
    void blocksStayBusyUntilRecycledThenAreReused() {
        try (CountingMemory memory = new CountingMemory(); StagingPool pool = new StagingPool(memory, 1 << 30)) {
            MemorySegment a = pool.acquire(1000);
            MemorySegment b = pool.acquire(1000);
            assertNotEquals(a.address(), b.address(), "two transfers before finish() must not share staging");
            assertEquals(1000, a.byteSize());
            assertEquals(2, pool.busyBlocks());
            pool.recycle();
            assertEquals(0, pool.busyBlocks());
            MemorySegment c = pool.acquire(900);
            assertTrue(c.address() == a.address() || c.address() == b.address(), "an idle block that fits is reused");
            assertEquals(2, memory.live.size());
        }
    }

    @Test
    void aSmallTransferDoesNotTakeAHugeIdleBlock() {
        try (CountingMemory memory = new CountingMemory(); StagingPool pool = new StagingPool(memory, 1 << 30)) {
            MemorySegment big = pool.acquire(8 << 20);
            pool.recycle();
            MemorySegment small = pool.acquire(100);
            assertNotEquals(big.address(), small.address());
        }
    }

    @Test
    void idleBlocksAboveTheLimitAreFreedLargestFirst() {
        try (CountingMemory memory = new CountingMemory(); StagingPool pool = new StagingPool(memory, 1 << 20)) {
            pool.acquire(4 << 20);
            pool.acquire(100_000);
            pool.recycle();
            assertEquals(1, memory.live.size(), "the 4 MiB block is over the 1 MiB idle limit");
            assertTrue(pool.allocatedBytes() < 1 << 20);
        }
    }

    @Test
    void closeFreesBusyAndIdleBlocks() {
        CountingMemory memory = new CountingMemory();
        StagingPool pool = new StagingPool(memory, 1 << 30);
        pool.acquire(10);
        pool.recycle();
        pool.acquire(1 << 20);
        pool.close();
        assertEquals(List.of(), memory.live);
        assertEquals(0, pool.allocatedBytes());
        memory.close();
    }
}
