package squall.device.cuda;

import squall.api.KernelContext;
import squall.runtime.KernelDescriptor;
import squall.runtime.Launch;
import squall.runtime.LocalArray;
import squall.runtime.WorkerGrid;

import java.util.Arrays;

/**
 * The CUDA grid, block and dynamic shared memory of one launch.
 *
 * <ul>
 *   <li>{@code @Parallel} kernels: the innermost loop is x (CUDA dimension 0), the outermost the
 *   last; the extent of dimension d is {@code hi - lo} of loop {@code n - 1 - d}. Blocks hold
 *   {@value #DEFAULT_BLOCK_THREADS} threads, spread over the dimensions from x on (a decode with one
 *   query row puts them on y), unless the task's {@link WorkerGrid} gives a local size. The grid is
 *   rounded up: the generated code adds the lower bound and skips indices past the upper one.
 *   <li>Context kernels: the task's {@link WorkerGrid}, global size / local size blocks; without a
 *   local size, the same choice as the {@code jvm} device (x: the largest divisor of the global size
 *   up to 64; y, z: 1), so a kernel sees the same {@code localGroupSize} everywhere.
 *   <li>Neither: one thread.
 * </ul>
 *
 * Local arrays live in dynamic shared memory, each at an offset aligned to 16 bytes.
 *
 * @param grid          blocks per dimension, x first
 * @param block         threads per block per dimension, x first
 * @param sharedOffsets byte offset of each local array in the dynamic shared memory
 * @param sharedBytes   dynamic shared memory per block
 * @param localLengths  each local array's length, in elements (the bounds-checked builds take them)
 */
record LaunchGeometry(int[] grid, int[] block, int[] sharedOffsets, int sharedBytes, int[] localLengths) {

    /** Threads per block for {@code @Parallel} kernels without a local size: four warps. */
    static final int DEFAULT_BLOCK_THREADS = 128;
    private static final int SHARED_ALIGNMENT = 16;

    /**
     * What the device and the compiled kernel allow.
     *
     * @param maxThreadsPerBlock the lesser of the device's and the kernel's limit (registers can lower it)
     * @param maxBlock           per dimension
     * @param maxGrid            per dimension
     */
    record Limits(int maxThreadsPerBlock, int[] maxBlock, int[] maxGrid) {

        /** An H100's limits with a kernel that allows 1024 threads; for tests. */
        static Limits typical() {
            return new Limits(1024, new int[] {1024, 1024, 64}, new int[] {Integer.MAX_VALUE, 65535, 65535});
        }
    }

    static LaunchGeometry of(KernelDescriptor kernel, Launch launch, Limits limits) {
        if (kernel.usesContext()) {
            return ofContext(kernel, launch, limits);
        }
        if (kernel.parallelDimensions() > 0) {
            return ofParallel(kernel, launch, limits);
        }
        return new LaunchGeometry(new int[] {1, 1, 1}, new int[] {1, 1, 1}, new int[0], 0, new int[0]);
    }

    private static LaunchGeometry ofParallel(KernelDescriptor kernel, Launch launch, Limits limits) {
        int n = kernel.parallelDimensions();
        long[] bounds = launch.bounds();
        if (bounds == null || bounds.length != 2 * n) {
            throw new IllegalArgumentException(kernel.qualifiedName() + " has " + n + " @Parallel loops: bounds must hold "
                    + 2 * n + " values {lo0, hi0, ...}, got " + Arrays.toString(bounds));
        }
        long[] extent = {1, 1, 1};
        for (int d = 0; d < n; d++) {
            int loop = n - 1 - d;
            extent[d] = Math.max(0, bounds[2 * loop + 1] - bounds[2 * loop]);
        }
        long[] local = launch.grid() == null ? null : launch.grid().localWork();
        int[] block = new int[] {1, 1, 1};
        if (local != null) {
            for (int d = 0; d < Math.min(n, local.length); d++) {
                block[d] = Math.toIntExact(local[d]);
            }
        } else {
            int budget = Math.min(DEFAULT_BLOCK_THREADS, limits.maxThreadsPerBlock());
            for (int d = 0; d < n; d++) {
                int fit = (int) Math.min(Math.min(budget, limits.maxBlock()[d]), nextPowerOfTwo(extent[d]));
                block[d] = Math.max(1, fit);
                budget = Math.max(1, budget / block[d]);
            }
        }
        int[] grid = new int[3];
        for (int d = 0; d < 3; d++) {
            grid[d] = blocks(kernel, d, Math.max(1, ceilDiv(extent[d], block[d])), limits);
        }
        checkBlock(kernel, block, limits);
        return new LaunchGeometry(grid, block, new int[0], 0, new int[0]);
    }

    private static LaunchGeometry ofContext(KernelDescriptor kernel, Launch launch, Limits limits) {
        WorkerGrid workerGrid = launch.grid();
        if (workerGrid == null) {
            throw new IllegalArgumentException(kernel.qualifiedName() + " takes a KernelContext: its launch needs a WorkerGrid");
        }
        long[] g = workerGrid.globalWork();
        long[] l = workerGrid.localWorkOrDefault(limits.maxThreadsPerBlock());
        long[] global = new long[3];
        long[] local = new long[3];
        for (int d = 0; d < 3; d++) {
            global[d] = d < g.length ? g[d] : 1;
            local[d] = d < l.length ? l[d] : 1;
        }
        int[] block = new int[3];
        int[] grid = new int[3];
        for (int d = 0; d < 3; d++) {
            block[d] = Math.toIntExact(local[d]);
            grid[d] = blocks(kernel, d, global[d] / local[d], limits);
        }
        checkBlock(kernel, block, limits);

        KernelContext sizes = new KernelContext();
        sizes.globalGroupSizeX = Math.toIntExact(global[0]);
        sizes.globalGroupSizeY = Math.toIntExact(global[1]);
        sizes.globalGroupSizeZ = Math.toIntExact(global[2]);
        sizes.localGroupSizeX = block[0];
        sizes.localGroupSizeY = block[1];
        sizes.localGroupSizeZ = block[2];
        int[] lengths = kernel.localArrays().isEmpty() ? new int[0] : kernel.localArrayLengths(launch.hostArgs(), sizes);
        int[] offsets = new int[lengths.length];
        long bytes = 0;
        for (int i = 0; i < lengths.length; i++) {
            LocalArray array = kernel.localArrays().get(i);
            if (lengths[i] < 0) {
                throw new IllegalArgumentException(kernel.qualifiedName() + ": local array '" + array.name()
                        + "' has a negative length " + lengths[i]);
            }
            bytes = ceilDiv(bytes, SHARED_ALIGNMENT) * SHARED_ALIGNMENT;
            offsets[i] = Math.toIntExact(bytes);
            bytes += (long) lengths[i] * array.element().elementBytes();
        }
        if (bytes > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(kernel.qualifiedName() + ": local arrays need " + bytes + " bytes of shared memory");
        }
        return new LaunchGeometry(grid, block, offsets, (int) bytes, lengths);
    }

    private static int blocks(KernelDescriptor kernel, int d, long count, Limits limits) {
        if (count > limits.maxGrid()[d]) {
            throw new IllegalArgumentException(kernel.qualifiedName() + ": the launch needs " + count + " blocks in dimension "
                    + "xyz".charAt(d) + ", the device allows " + limits.maxGrid()[d] + "; give the task a larger local size");
        }
        return (int) count;
    }

    private static void checkBlock(KernelDescriptor kernel, int[] block, Limits limits) {
        long threads = (long) block[0] * block[1] * block[2];
        for (int d = 0; d < 3; d++) {
            if (block[d] < 1 || block[d] > limits.maxBlock()[d]) {
                throw new IllegalArgumentException(kernel.qualifiedName() + ": local size " + block[d] + " in dimension "
                        + "xyz".charAt(d) + " is outside 1.." + limits.maxBlock()[d]);
            }
        }
        if (threads > limits.maxThreadsPerBlock()) {
            throw new IllegalArgumentException(kernel.qualifiedName() + ": a block of " + block[0] + " x " + block[1] + " x "
                    + block[2] + " = " + threads + " threads is more than the " + limits.maxThreadsPerBlock()
                    + " this kernel can run per block on this device");
        }
    }

    /** Threads per block. */
    int threads() {
        return block[0] * block[1] * block[2];
    }

    private static long nextPowerOfTwo(long x) {
        return x <= 1 ? 1 : Long.highestOneBit(x - 1) << 1;
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    @Override
    public String toString() {
        return "grid " + Arrays.toString(grid) + ", block " + Arrays.toString(block) + ", " + sharedBytes + " shared bytes";
    }
}
