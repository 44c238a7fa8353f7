package squall.device.opencl;

import org.junit.jupiter.api.Test;
import squall.runtime.WorkerGrid1D;
import squall.runtime.WorkerGrid2D;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** How bounds and grids become NDRanges; needs no OpenCL. */
class LaunchGeometryTest {

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
}
