package squall.tasks;

import squall.api.Kernel;
import squall.api.KernelContext;
import squall.api.Parallel;

/**
 * Kernels that use what the attention kernels do not (yet): a context with local memory and
 * barriers, and an array's {@code length}; compiled by squall's kernel compiler like any other.
 */
public final class DeviceTestKernels {

    private DeviceTestKernels() {
    }

    /** One sum per work-group, by a tree reduction in local memory (power-of-two work-groups). */
    @Kernel
    public static void groupSums(KernelContext ctx, float[] in, float[] sums) {
        float[] partial = ctx.allocateFloatLocalArray(ctx.localGroupSizeX);
        int l = ctx.localIdx;
        partial[l] = in[ctx.globalIdx];
        ctx.localBarrier();
        for (int stride = ctx.localGroupSizeX / 2; stride > 0; stride /= 2) {
            if (l < stride) {
                partial[l] += partial[l + stride];
            }
            ctx.localBarrier();
        }
        if (l == 0) {
            sums[ctx.groupIdx] = partial[0];
        }
    }

    /** {@code y[i] = a * x[i] + y[i]} over the whole array, its bound read from {@code x.length}. */
    @Kernel
    public static void axpy(float a, float[] x, float[] y) {
        for (@Parallel int i = 0; i < x.length; i++) {
            y[i] = a * x[i] + y[i];
        }
    }

    /** {@code out[g] = 1} through a local array of {@code n} floats, as long as the caller asks. */
    @Kernel
    public static void localOfLength(KernelContext ctx, float[] out, int n) {
        float[] scratch = ctx.allocateFloatLocalArray(n);
        scratch[ctx.localIdx] = 1.0f;
        ctx.localBarrier();
        out[ctx.globalIdx] = scratch[ctx.localIdx];
    }
}
