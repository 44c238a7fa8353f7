package squall.device.opencl;

import org.junit.jupiter.api.Test;
import squall.runtime.WorkerGrid1D;
import squall.runtime.WorkerGrid2D;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How bounds and grids become NDRanges; needs no OpenCL. */
class LaunchGeometryTest {

    /** Three nested @Parallel loops, as attendPaged has: (sequence, KV head), query row, slice. */
    private static final TestKernels.HandWritten THREE_LOOPS = new TestKernels.HandWritten("three", java.util.List.of(), 3,
            java.util.List.of(), args -> null, ctx -> new int[0], "");

    @Test
    void theInnermostParallelLoopIsDimensionZero() {
        LaunchGeometry g = LaunchGeometry.of(TestKernels.ADD_CONSTANT, new long[] {2, 9, 0, 30}, null, 1024, 2);
        assertArrayEquals(new long[] {30, 7}, g.global());
        assertNull(g.local(), "without a grid the driver chooses");
    }

    @Test
    void aLaunchTooSmallToFillTheDeviceGetsGroupsOfOneWorkItem() {
        LaunchGeometry small = LaunchGeometry.of(TestKernels.ADD_CONSTANT, new long[] {0, 8, 0, 1}, null, 1024, 16);
        assertArrayEquals(new long[] {1, 8}, small.global());
        assertArrayEquals(new long[] {1, 1}, small.local(), "8 work-items on 16 compute units");
        assertNull(LaunchGeometry.of(TestKernels.ADD_CONSTANT, new long[] {0, 8, 0, 8}, null, 1024, 16).local(),
                "64 work-items on 16 compute units: the driver's choice");
    }

    @Test
    void aCpuLaunchGetsGroupsEnoughForEveryThread() {
        // a decode step's 8 (sequence, KV head) work-items on 2 cores: PoCL made them one group, run by one thread
        LaunchGeometry decode = LaunchGeometry.of(TestKernels.ADD_CONSTANT, new long[] {0, 1, 0, 8}, null, 4096, 2,
                Long.MAX_VALUE, true);
        assertArrayEquals(new long[] {1, 1}, decode.local(), "8 work-items, 2 cores: 8 groups");
        LaunchGeometry wide = LaunchGeometry.of(TestKernels.ADD_CONSTANT, new long[] {0, 1, 0, 32}, null, 4096, 2,
                Long.MAX_VALUE, true);
        assertArrayEquals(new long[] {4, 1}, wide.local(), "32 work-items, 2 cores: 8 groups of 4");
        LaunchGeometry stack = LaunchGeometry.of(TestKernels.ADD_CONSTANT, new long[] {0, 1, 0, 6144}, null, 4096, 2,
                500, true);
        assertTrue(stack.groupSize() <= 500, "private arrays still bound a group: " + stack);
        LaunchGeometry large = LaunchGeometry.of(TestKernels.ADD_CONSTANT, new long[] {0, 1, 0, 65536}, null, 4096, 2,
                Long.MAX_VALUE, true);
        assertTrue(large.groupSize() <= 4096, "never past the kernel's largest group: " + large);
        assertNull(LaunchGeometry.of(TestKernels.ADD_CONSTANT, new long[] {0, 1, 0, 32}, null, 4096, 2,
                Long.MAX_VALUE, false).local(), "a GPU's driver still chooses");
    }

    @Test
    void aGridsLocalSizeRoundsTheGlobalSizeUp() {
        WorkerGrid2D grid = new WorkerGrid2D(64, 4);
        grid.setLocalWork(16, 2, 1);
        LaunchGeometry g = LaunchGeometry.of(TestKernels.ADD_CONSTANT, new long[] {0, 7, 0, 30}, grid, 1024, 2);
        assertArrayEquals(new long[] {32, 8}, g.global());
        assertArrayEquals(new long[] {16, 2}, g.local());
    }

    @Test
    void aGridOfTheWrongRankIsRejected() {
        WorkerGrid1D grid = new WorkerGrid1D(64);
        grid.setLocalWork(16, 1, 1);
        assertThrows(IllegalArgumentException.class,
                () -> LaunchGeometry.of(TestKernels.ADD_CONSTANT, new long[] {0, 7, 0, 30}, grid, 1024, 2));
    }

    @Test
    void contextKernelsWithoutALocalSizeGetTheJvmDevicesChoice() {
        assertArrayEquals(new long[] {64}, LaunchGeometry.of(TestKernels.REVERSE_IN_GROUP, null, new WorkerGrid1D(384), 1024, 2).local());
        assertArrayEquals(new long[] {50}, LaunchGeometry.of(TestKernels.REVERSE_IN_GROUP, null, new WorkerGrid1D(100), 1024, 2).local());
        assertArrayEquals(new long[] {7}, LaunchGeometry.of(TestKernels.REVERSE_IN_GROUP, null, new WorkerGrid1D(7), 1024, 2).local());
        assertArrayEquals(new long[] {16}, LaunchGeometry.of(TestKernels.REVERSE_IN_GROUP, null, new WorkerGrid1D(384), 16, 2).local());
    }

    @Test
    void aKernelWithoutParallelLoopsOrContextIsOneWorkItem() {
        TestKernels.HandWritten single = new TestKernels.HandWritten("single", java.util.List.of(), 0, java.util.List.of(),
                args -> null, ctx -> new int[0], "__kernel void single() {}");
        assertArrayEquals(new long[] {1}, LaunchGeometry.of(single, null, null, 1024, 2).global());
    }

    @Test
    void privateArraysBoundTheGroupTheDriverWouldChoose() {
        // A 768-token prefill of Llama-3-8B: the driver chose 1 x 384 x 8 = 3072 work-items of 3,104 bytes each,
        // 9.5 MB of private arrays on one 8 MiB thread stack; half that stack holds 1351 of them.
        long limit = (8L << 20) / 2 / 3104;
        LaunchGeometry g = LaunchGeometry.of(THREE_LOOPS, new long[] {0, 8, 0, 768, 0, 1}, null, 4096, 2, limit);
        assertArrayEquals(new long[] {1, 768, 1}, g.local());
        assertArrayEquals(new long[] {1, 768, 8}, g.global());
        assertTrue(g.groupSize() <= limit);
        assertNull(LaunchGeometry.of(THREE_LOOPS, new long[] {0, 8, 0, 768, 0, 1}, null, 1024, 2, 4096).local(),
                "a limit above the kernel's largest group leaves the choice to the driver");
    }

    @Test
    void groupsWithinALimitAreEvenSoLittleIsPadded() {
        assertArrayEquals(new long[] {1000}, LaunchGeometry.groupWithin(new long[] {3000}, 1351));
        assertArrayEquals(new long[] {7, 3}, LaunchGeometry.groupWithin(new long[] {7, 100}, 21));
        assertArrayEquals(new long[] {1, 1}, LaunchGeometry.groupWithin(new long[] {5, 5}, 1));
        LaunchGeometry g = LaunchGeometry.of(TestKernels.ADD_CONSTANT, new long[] {0, 100, 0, 7}, null, 4096, 2, 21);
        assertArrayEquals(new long[] {7, 102}, g.global(), "100 rows in groups of 3: 34 groups, 102 work-items");
    }

    @Test
    void aGridWhoseGroupsHoldTooMuchPrivateMemoryIsRefused() {
        WorkerGrid1D grid = new WorkerGrid1D(256);
        grid.setLocalWork(128, 1, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LaunchGeometry.of(TestKernels.REVERSE_IN_GROUP, null, grid, 1024, 2, 64));
        assertTrue(e.getMessage().contains("work-groups of 128 work-items"), e.getMessage());
        assertArrayEquals(new long[] {64}, LaunchGeometry.of(TestKernels.REVERSE_IN_GROUP, null, new WorkerGrid1D(384), 1024, 2, 64)
                .local(), "without a local size, the default is chosen within the limit");
    }
}
