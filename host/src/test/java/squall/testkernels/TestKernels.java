package squall.testkernels;

import squall.api.Kernel;
import squall.api.KernelContext;
import squall.api.Parallel;
import squall.api.Specialize;

/** Small kernels for runtime and device tests. */
public final class TestKernels {

    private TestKernels() {
    }

    /** {@code out[i] = i} for {@code i} in {@code [lo, hi)}: tests bounds that do not start at 0. */
    @Kernel
    public static void writeIndex(int[] out, int lo, int hi) {
        for (@Parallel int i = lo; i < hi; i++) {
            out[i] = i;
        }
    }

    /** Adds one to each element: every index must be visited exactly once. */
    @Kernel
    public static void increment(int[] a) {
        for (@Parallel int i = 0; i < a.length; i++) {
            a[i] += 1;
        }
    }

    /** Each element of a 3-D grid records its own coordinates. */
    @Kernel
    public static void coordinates3d(int[] out, int nx, int ny, int nz) {
        for (@Parallel int z = 0; z < nz; z++) {
            for (@Parallel int y = 0; y < ny; y++) {
                for (@Parallel int x = 0; x < nx; x++) {
                    out[(z * ny + y) * nx + x] = x + 1000 * y + 1000000 * z;
                }
            }
        }
    }

    @Kernel
    public static void scale(float[] a, float factor) {
        for (@Parallel int i = 0; i < a.length; i++) {
            a[i] = a[i] * factor;
        }
    }

    /** Reverses each work-group's slice through local memory: wrong unless barriers hold. */
    @Kernel
    public static void reverseInGroup(KernelContext ctx, float[] in, float[] out) {
        float[] tile = ctx.allocateFloatLocalArray(ctx.localGroupSizeX);
        tile[ctx.localIdx] = in[ctx.globalIdx];
        ctx.localBarrier();
        out[ctx.globalIdx] = tile[ctx.localGroupSizeX - 1 - ctx.localIdx];
    }

    /** A context kernel without barriers: group, local and global indices. */
    @Kernel
    public static void indices(KernelContext ctx, int[] global, int[] local, int[] group) {
        global[ctx.globalIdx] = ctx.globalIdx;
        local[ctx.globalIdx] = ctx.localIdx;
        group[ctx.globalIdx] = ctx.groupIdx;
    }

    /** No parallel loop: one work-item runs the body. */
    @Kernel
    public static void single(int[] out, int value) {
        out[0] = value;
    }

    /**
     * {@code out[i] = sum of i + j for j < N}, through a private array of {@code N} values sized by a specialised
     * argument, and a helper's own private array of four.
     */
    @Kernel
    public static void privateSum(float[] out, int n, @Specialize int N) {
        for (@Parallel int i = 0; i < n; i++) {
            float[] scratch = new float[N * 2];
            for (int j = 0; j < N; j++) {
                scratch[j] = i + j;
            }
            float sum = 0.0f;
            for (int j = 0; j < N; j++) {
                sum = sum + scratch[j];
            }
            out[i] = sum + fourZeros(i);
        }
    }

    /** 0, through a private array of a helper. */
    static float fourZeros(int i) {
        float[] zeros = new float[4];
        zeros[i & 3] = 0.0f;
        return zeros[0] + zeros[1] + zeros[2] + zeros[3];
    }

    /** {@code out[i + 1] = i}: the last work-item writes one past the end of {@code out}. */
    @Kernel
    public static void writePastTheEnd(float[] out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            out[i + 1] = i;
        }
    }

    /** A helper fills one more value than the private array holds. */
    @Kernel
    public static void privatePastTheEnd(float[] out, @Specialize int N) {
        for (@Parallel int i = 0; i < out.length; i++) {
            float[] scratch = new float[N];
            fillUpTo(scratch, N + 1);
            out[i] = scratch[0];
        }
    }

    /** {@code a[0..n) = 0, 1, 2, ...}. */
    static void fillUpTo(float[] a, int n) {
        for (int j = 0; j < n; j++) {
            a[j] = j;
        }
    }

    /** Each work-item writes the next one's slot of the local array: the last writes past its end. */
    @Kernel
    public static void localPastTheEnd(KernelContext ctx, float[] out) {
        float[] tile = ctx.allocateFloatLocalArray(ctx.localGroupSizeX);
        tile[ctx.localIdx + 1] = 1.0f;
        ctx.localBarrier();
        out[ctx.globalIdx] = tile[ctx.localIdx];
    }
}
