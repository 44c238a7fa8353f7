package squall.device.opencl;

import squall.runtime.KernelDescriptor;
import squall.runtime.WorkerGrid;

import java.util.Arrays;

/**
 * The NDRange of one launch, dimension 0 first.
 *
 * <ul>
 *   <li>{@code @Parallel} kernels: the innermost loop is dimension 0, so dimension {@code d} spans
 *       loop {@code n-1-d}. The generated code adds each loop's lower bound and skips work-items past
 *       its upper bound, so a global size may be rounded up to a multiple of a local size the task's
 *       grid asks for. Without one the driver chooses ({@code local == null}), except for launches
 *       too small to fill the device: those get work-groups of one work-item, so each can go to its
 *       own compute unit. (Decode with 8 KV heads is 8 work-items; PoCL put them in one work-group,
 *       on one core: 146 ms per call on 16 cores, 19.5 ms with groups of one.)</li>
 *   <li>Context kernels: the task's grid, with {@link WorkerGrid#localWorkOrDefault(maxGroupSize)} when it names
 *       no local size (local arrays are sized from it, and every device must agree).</li>
 *   <li>A kernel with neither runs as one work-item.</li>
 * </ul>
 *
 * @param global work-items per dimension
 * @param local  work-group size per dimension, or {@code null} for the driver's choice
 */
record LaunchGeometry(long[] global, long[] local) {

    /** Fewer work-items than this many per compute unit is a launch too small to leave to the driver. */
    static final int SMALL_LAUNCH_PER_UNIT = 4;

    /**
     * @param maxGroupSize the kernel's {@code CL_KERNEL_WORK_GROUP_SIZE}
     * @param computeUnits the device's {@code CL_DEVICE_MAX_COMPUTE_UNITS}
     */
    static LaunchGeometry of(KernelDescriptor kernel, long[] bounds, WorkerGrid grid, long maxGroupSize, int computeUnits) {
        if (kernel.usesContext()) {
            if (grid == null) {
                throw new IllegalArgumentException(kernel.qualifiedName() + " takes a KernelContext and needs a WorkerGrid");
            }
            return new LaunchGeometry(grid.globalWork(), grid.localWorkOrDefault(maxGroupSize));
        }
        int n = kernel.parallelDimensions();
        if (n == 0) {
            return new LaunchGeometry(new long[] {1}, null);
        }
        if (bounds == null || bounds.length != 2 * n) {
            throw new IllegalArgumentException(kernel.qualifiedName() + " has " + n + " @Parallel loops; expected "
                    + 2 * n + " bounds, got " + (bounds == null ? "none" : Arrays.toString(bounds)));
        }
        long[] global = new long[n];
        for (int d = 0; d < n; d++) {
            int loop = n - 1 - d;
            global[d] = bounds[2 * loop + 1] - bounds[2 * loop];
        }
        long[] local = grid == null ? null : grid.localWork();
        if (local != null) {
            if (local.length != n) {
                throw new IllegalArgumentException(kernel.qualifiedName() + " has " + n + " @Parallel loops but its grid "
                        + grid + " has " + local.length + " dimensions");
            }
            for (int d = 0; d < n; d++) {
                global[d] = (global[d] + local[d] - 1) / local[d] * local[d];
            }
        } else {
            long total = 1;
            for (long g : global) {
                total *= g;
            }
            if (total < (long) SMALL_LAUNCH_PER_UNIT * computeUnits) {
                local = new long[n];
                Arrays.fill(local, 1);
            }
        }
        return new LaunchGeometry(global, local);
    }

    int dimensions() {
        return global.length;
    }

    /** Work-items per work-group, or 0 when the driver chooses. */
    long groupSize() {
        if (local == null) {
            return 0;
        }
        long size = 1;
        for (long l : local) {
            size *= l;
        }
        return size;
    }

    @Override
    public String toString() {
        return "global " + Arrays.toString(global) + ", local " + (local == null ? "driver's choice" : Arrays.toString(local));
    }
}
