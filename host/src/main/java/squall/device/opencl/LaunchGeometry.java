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

    /** A launch with no private arrays, or on a device whose work-items each have their own private memory. */
    static LaunchGeometry of(KernelDescriptor kernel, long[] bounds, WorkerGrid grid, long maxGroupSize, int computeUnits) {
        return of(kernel, bounds, grid, maxGroupSize, computeUnits, Long.MAX_VALUE, false);
    }

    /** A launch whose groups' private arrays are bounded, on a device that spreads a driver's groups over its units. */
    static LaunchGeometry of(KernelDescriptor kernel, long[] bounds, WorkerGrid grid, long maxGroupSize, int computeUnits,
                             long privateLimit) {
        return of(kernel, bounds, grid, maxGroupSize, computeUnits, privateLimit, false);
    }

    /**
     * @param maxGroupSize  the kernel's {@code CL_KERNEL_WORK_GROUP_SIZE}
     * @param computeUnits  the device's {@code CL_DEVICE_MAX_COMPUTE_UNITS}
     * @param privateLimit  the most work-items a group may have for their private arrays to fit what the device
     *                      gives a group (a CPU thread's stack, see {@link WorkerStack}); {@code Long.MAX_VALUE}: any
     * @param cpu           a CPU device, whose driver runs each work-group on one thread
     */
    static LaunchGeometry of(KernelDescriptor kernel, long[] bounds, WorkerGrid grid, long maxGroupSize, int computeUnits,
                             long privateLimit, boolean cpu) {
        if (kernel.usesContext()) {
            if (grid == null) {
                throw new IllegalArgumentException(kernel.qualifiedName() + " takes a KernelContext and needs a WorkerGrid");
            }
            LaunchGeometry g = new LaunchGeometry(grid.globalWork(), grid.localWorkOrDefault(Math.min(maxGroupSize, privateLimit)));
            g.requireWithin(privateLimit, kernel);
            return g;
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
            new LaunchGeometry(global, local).requireWithin(privateLimit, kernel);
        } else {
            long total = 1;
            for (long g : global) {
                total *= g;
            }
            long fill = (long) SMALL_LAUNCH_PER_UNIT * computeUnits;
            if (total < fill) {
                local = new long[n];
                Arrays.fill(local, 1);
            } else if (cpu) {
                // PoCL runs a work-group on one thread and, left to choose, makes the fewest groups it can: a decode
                // step's 8 (sequence, KV head) work-items became one group, on one of two cores (GQA fp16 decode,
                // S 16384: 1.0 core busy). SMALL_LAUNCH_PER_UNIT groups per core balance the threads.
                local = groupWithin(global, Math.min(Math.min(privateLimit, maxGroupSize), Math.max(1, total / fill)));
            } else if (privateLimit < maxGroupSize) {
                // The driver would choose groups as large as it likes (PoCL: 3072 work-items for a 768-token prefill),
                // and every work-item's private arrays of a group share one thread's stack.
                local = groupWithin(global, privateLimit);
            }
        }
        if (local != null) {
            for (int d = 0; d < n; d++) {
                global[d] = (global[d] + local[d] - 1) / local[d] * local[d];
            }
        }
        return new LaunchGeometry(global, local);
    }

    /**
     * A group of at most {@code limit} work-items, filled from dimension 0 (adjacent work-items) outwards; in each
     * dimension the fewest groups that fit, evenly sized, so that rounding the global size up wastes little.
     */
    static long[] groupWithin(long[] global, long limit) {
        long[] local = new long[global.length];
        long room = Math.max(1, limit);
        for (int d = 0; d < global.length; d++) {
            long groups = (global[d] + room - 1) / room;
            local[d] = Math.max(1, (global[d] + groups - 1) / groups);
            room = Math.max(1, room / local[d]);
        }
        return local;
    }

    private void requireWithin(long privateLimit, KernelDescriptor kernel) {
        if (groupSize() > privateLimit) {
            throw new IllegalArgumentException(kernel.qualifiedName() + ": work-groups of " + groupSize() + " work-items"
                    + " (" + this + ") hold more private arrays than a group may on this device: at most " + privateLimit
                    + " work-items per group for this kernel's arrays");
        }
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
