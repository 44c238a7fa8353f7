package squall.api;

/**
 * The work-item's view of an explicit launch, as in TornadoVM: a kernel that takes a
 * {@code KernelContext} first reads its global, local and group indices from it, allocates local
 * (work-group shared) arrays and synchronises its work-group with {@link #localBarrier()}.
 *
 * <pre>{@code
 * @Kernel
 * public static void reverseInGroup(KernelContext ctx, float[] in, float[] out) {
 *     float[] tile = ctx.allocateFloatLocalArray(ctx.localGroupSizeX);
 *     tile[ctx.localIdx] = in[ctx.globalIdx];
 *     ctx.localBarrier();
 *     out[ctx.globalIdx] = tile[ctx.localGroupSizeX - 1 - ctx.localIdx];
 * }
 * }</pre>
 *
 * The grid comes from a {@link squall.runtime.WorkerGrid} registered for the task. Kernel code
 * reads the fields and never writes them; the compiler rejects writes. On the host, pass
 * {@code new KernelContext()} where the kernel's first argument goes.
 */
public final class KernelContext {

    /** Index of this work-item in the whole launch, per dimension. */
    public int globalIdx, globalIdy, globalIdz;
    /** Index of this work-item within its work-group, per dimension. */
    public int localIdx, localIdy, localIdz;
    /** Index of this work-item's work-group, per dimension. */
    public int groupIdx, groupIdy, groupIdz;
    /** Number of work-items in the whole launch, per dimension. */
    public int globalGroupSizeX = 1, globalGroupSizeY = 1, globalGroupSizeZ = 1;
    /** Number of work-items in one work-group, per dimension. */
    public int localGroupSizeX = 1, localGroupSizeY = 1, localGroupSizeZ = 1;

    private final WorkGroup group;
    private int nextLocalArray;

    /** A placeholder context for building task graphs, or for calling a kernel as plain Java. */
    public KernelContext() {
        this(null);
    }

    /**
     * A work-item of {@code group}; for device implementations. The device sets the index and
     * size fields before running the kernel and calls {@link #resetLocalArrays()} per group.
     */
    public KernelContext(WorkGroup group) {
        this.group = group;
    }

    /**
     * Local memory shared by the work-group. Every work-item of a group must make the same
     * allocations in the same order; the n-th call returns the group's n-th array.
     */
    public float[] allocateFloatLocalArray(int size) {
        int slot = nextLocalArray++;
        return group == null ? new float[size] : group.localFloats(slot, size);
    }

    /** Like {@link #allocateFloatLocalArray(int)}, for {@code int} elements. */
    public int[] allocateIntLocalArray(int size) {
        int slot = nextLocalArray++;
        return group == null ? new int[size] : group.localInts(slot, size);
    }

    /** Waits until every work-item of the work-group has reached this barrier. */
    public void localBarrier() {
        if (group != null) {
            group.barrier();
        }
    }

    /** Restarts local-array numbering for the next work-group; for device implementations. */
    public void resetLocalArrays() {
        nextLocalArray = 0;
    }

    /** What a device provides to the work-items of one work-group. */
    public interface WorkGroup {
        /** Blocks until all work-items of the group have called it. */
        void barrier();

        /** The group's {@code slot}-th local float array, allocated by the first caller. */
        float[] localFloats(int slot, int size);

        /** The group's {@code slot}-th local int array, allocated by the first caller. */
        int[] localInts(int slot, int size);
    }
}
