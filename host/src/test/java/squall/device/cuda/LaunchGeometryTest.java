package squall.device.cuda;

import org.junit.jupiter.api.Test;
import squall.api.KernelContext;
import squall.runtime.KernelDescriptor;
import squall.runtime.KernelLibraries;
import squall.runtime.Launch;
import squall.runtime.WorkerGrid;
import squall.runtime.WorkerGrid1D;
import squall.runtime.WorkerGrid2D;
import squall.testkernels.TestKernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Grids, blocks and shared memory layouts of launches, computed from the real kernels' descriptors. */
class LaunchGeometryTest {

    private static final LaunchGeometry.Limits H100 = LaunchGeometry.Limits.typical();

    private static LaunchGeometry parallel(Class<?> owner, String kernel, Object[] args, WorkerGrid grid, LaunchGeometry.Limits limits) {
        KernelDescriptor k = KernelLibraries.find(owner, kernel);
        return LaunchGeometry.of(k, new Launch("t", null, args, args, k.parallelBounds(args), grid), limits);
    }

    private static LaunchGeometry context(Class<?> owner, String kernel, Object[] args, WorkerGrid grid) {
        KernelDescriptor k = KernelLibraries.find(owner, kernel);
        return LaunchGeometry.of(k, new Launch("t", null, args, args, null, grid), H100);
    }

    /** Arguments of {@code attendGather} (here {@link CudaTestKernels#gatherLoops}), whose loops are (B * Hq) outside and Tq inside. */
    private static Object[] gatherArgs(int B, int Hq, int Tq, int S, int D) {
        return new Object[] {new float[B * Hq * Tq * D], new int[B * S * D], new int[B * S * D], new int[B], new int[Hq],
                new float[B * Hq * Tq * D], B, Hq, 1, Tq, S, D, 0.1f, true, 64};
    }

    @Test
    void decodeSpreadsTheBlockOverTheOuterLoop() {
        // Loops: bh (outer, y) over B * Hq = 8, i (inner, x) over Tq = 1.
        LaunchGeometry g = parallel(CudaTestKernels.class, "gatherLoops", gatherArgs(1, 8, 1, 100, 64), null, H100);
        assertArrayEquals(new int[] {1, 8, 1}, g.block());
        assertArrayEquals(new int[] {1, 1, 1}, g.grid());
        assertEquals(0, g.sharedBytes());
    }

    @Test
    void prefillPutsTheQueryRowsOnXAndRoundsTheGridUp() {
        LaunchGeometry g = parallel(CudaTestKernels.class, "gatherLoops", gatherArgs(2, 1, 129, 129, 64), null, H100);
        assertArrayEquals(new int[] {128, 1, 1}, g.block());
        assertArrayEquals(new int[] {2, 2, 1}, g.grid(), "129 rows need two blocks of 128 on x; 2 (b, kv head) on y");
    }

    @Test
    void threeLoopsMapInnermostToX() {
        Object[] args = {new int[3 * 5 * 300], 3, 5, 300};
        LaunchGeometry g = parallel(CudaTestKernels.class, "indices3d", args, null, H100);
        assertArrayEquals(new int[] {128, 1, 1}, g.block());
        assertArrayEquals(new int[] {3, 5, 3}, g.grid());
        LaunchGeometry small = parallel(CudaTestKernels.class, "indices3d", new Object[] {new int[60], 3, 5, 4}, null, H100);
        assertArrayEquals(new int[] {4, 8, 4}, small.block());
        assertArrayEquals(new int[] {1, 1, 1}, small.grid());
    }

    @Test
    void theExtentIsHighMinusLow() {
        LaunchGeometry g = parallel(CudaTestKernels.class, "offsetFill", new Object[] {new float[300], 5, 300, 1.0f}, null, H100);
        assertArrayEquals(new int[] {128, 1, 1}, g.block());
        assertArrayEquals(new int[] {3, 1, 1}, g.grid(), "295 iterations");
    }

    @Test
    void aGivenLocalSizeIsTheBlock() {
        Object[] args = gatherArgs(1, 64, 100, 100, 32);
        LaunchGeometry g = parallel(CudaTestKernels.class, "gatherLoops", args, new WorkerGrid2D(100, 64).setLocalWork(4, 32, 1), H100);
        assertArrayEquals(new int[] {4, 32, 1}, g.block());
        assertArrayEquals(new int[] {25, 2, 1}, g.grid());
    }

    @Test
    void aKernelWithFewerThreadsPerBlockGetsSmallerBlocks() {
        LaunchGeometry.Limits tight = new LaunchGeometry.Limits(32, H100.maxBlock(), H100.maxGrid());
        LaunchGeometry g = parallel(CudaTestKernels.class, "offsetFill", new Object[] {new float[300], 0, 300, 1.0f}, null, tight);
        assertArrayEquals(new int[] {32, 1, 1}, g.block());
        assertArrayEquals(new int[] {10, 1, 1}, g.grid());
    }

    @Test
    void tooManyBlocksIsAClearError() {
        Object[] args = {new int[0], 1, 10_000_000, 1};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> parallel(CudaTestKernels.class, "indices3d", args, null, H100));
        assertTrue(e.getMessage().contains("indices3d") && e.getMessage().contains("dimension y") && e.getMessage().contains("65535"),
                e.getMessage());
    }

    @Test
    void aLoopFreeKernelRunsOneThread() {
        KernelDescriptor k = KernelLibraries.find(CudaTestKernels.class, "prefixSum");
        LaunchGeometry g = LaunchGeometry.of(k, new Launch("t", null, new Object[] {null}, new Object[] {new float[5]}, null, null), H100);
        assertArrayEquals(new int[] {1, 1, 1}, g.grid());
        assertArrayEquals(new int[] {1, 1, 1}, g.block());
    }

    @Test
    void contextKernelsWithoutALocalSizeChooseAsTheJvmDoes() {
        Object[] args = {new KernelContext(), new float[1000], new float[1000]};
        LaunchGeometry g = context(TestKernels.class, "reverseInGroup", args, new WorkerGrid1D(1000));
        assertArrayEquals(new int[] {50, 1, 1}, g.block(), "the largest divisor of 1000 up to 64");
        assertArrayEquals(new int[] {20, 1, 1}, g.grid());
        assertArrayEquals(new int[] {0}, g.sharedOffsets());
        assertEquals(50 * 4, g.sharedBytes());
    }

    @Test
    void localArraysAreLaidOutOn16ByteBoundaries() {
        Object[] args = {new KernelContext(), new float[100], new float[10], new int[10]};
        LaunchGeometry g = context(CudaTestKernels.class, "groupSums", args, new WorkerGrid1D(100).setLocalWork(10, 1, 1));
        assertArrayEquals(new int[] {0, 48}, g.sharedOffsets(), "10 floats take 40 bytes; the int array starts at 48");
        assertEquals(48 + 40, g.sharedBytes());
    }

    @Test
    void twoDimensionalContextGrids() {
        Object[] args = {new KernelContext(), new float[64 * 48], new float[64 * 48], 64, 48, 16};
        LaunchGeometry g = context(CudaTestKernels.class, "tileTranspose", args, new WorkerGrid2D(48, 64).setLocalWork(16, 16, 1));
        assertArrayEquals(new int[] {16, 16, 1}, g.block());
        assertArrayEquals(new int[] {3, 4, 1}, g.grid());
        assertEquals(16 * 16 * 4, g.sharedBytes());
    }

    @Test
    void aBlockAboveTheLimitIsAClearError() {
        Object[] args = {new KernelContext(), new float[4096], new float[4096]};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> context(TestKernels.class, "reverseInGroup", args, new WorkerGrid1D(4096).setLocalWork(2048, 1, 1)));
        assertTrue(e.getMessage().contains("reverseInGroup") && e.getMessage().contains("2048"), e.getMessage());
    }
}
