package squall.runtime;

import java.util.Arrays;

/**
 * The launch geometry of one task: global work size per dimension and, optionally, the work-group
 * (local) size. Context kernels need one; {@code @Parallel} kernels take their global size from
 * their loop bounds and may use one to choose the local size. Named as in TornadoVM.
 */
public abstract sealed class WorkerGrid permits WorkerGrid1D, WorkerGrid2D, WorkerGrid3D {

    /** The most work-items per group a device picks when the grid names no local size. */
    public static final int DEFAULT_LOCAL_SIZE = 64;

    private final long[] global;
    private long[] local;

    WorkerGrid(long... global) {
        for (int d = 0; d < global.length; d++) {
            if (global[d] < 1) {
                throw new IllegalArgumentException("global work size in dimension " + d + " must be >= 1, got " + global[d]);
            }
        }
        this.global = global.clone();
    }

    public int dimensions() {
        return global.length;
    }

    /** Global work size per dimension, dimension 0 first. */
    public long[] globalWork() {
        return global.clone();
    }

    public void setGlobalWork(long x, long y, long z) {
        long[] values = {x, y, z};
        System.arraycopy(values, 0, global, 0, global.length);
    }

    /** Work-group size per dimension, or {@code null} to let the device choose. */
    public long[] localWork() {
        return local == null ? null : local.clone();
    }

    /**
     * The work-group size to launch with: the one set, or else the largest divisor of the dimension-0
     * global size up to {@value #DEFAULT_LOCAL_SIZE} (or up to {@code largest}, the most the device
     * takes, if smaller), and 1 in other dimensions. Every device uses this rule, because local arrays
     * are sized from the group size and devices should agree on results.
     */
    public long[] localWorkOrDefault(long largest) {
        if (local != null) {
            return local.clone();
        }
        long[] chosen = new long[global.length];
        Arrays.fill(chosen, 1);
        long size = Math.min(global[0], Math.min(DEFAULT_LOCAL_SIZE, largest));
        while (global[0] % size != 0) {
            size--;
        }
        chosen[0] = size;
        return chosen;
    }

    /** Sets the work-group size; each global size must be a multiple of it. */
    public WorkerGrid setLocalWork(long x, long y, long z) {
        long[] values = Arrays.copyOf(new long[] {x, y, z}, global.length);
        for (int d = 0; d < global.length; d++) {
            if (values[d] < 1 || global[d] % values[d] != 0) {
                throw new IllegalArgumentException("local work size " + values[d] + " in dimension " + d
                        + " must be >= 1 and divide the global work size " + global[d]);
            }
        }
        this.local = values;
        return this;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "(global=" + Arrays.toString(global)
                + ", local=" + (local == null ? "device's choice" : Arrays.toString(local)) + ")";
    }
}
