package squall.device.cuda;

import squall.api.Kernel;
import squall.api.KernelContext;
import squall.api.Parallel;
import squall.api.Specialize;

/**
 * Kernels that exercise what the attention kernels do not: local (shared) arrays and barriers,
 * every scalar and array type, array lengths, three parallel dimensions, a kernel without a loop.
 * The CUDA tests run each on the GPU and on the {@code jvm} device and compare (with
 * {@link squall.testkernels.TestKernels#reverseInGroup}, which every device's tests share).
 */
public final class CudaTestKernels {

    private CudaTestKernels() {
    }

    /**
     * Per work-group: the sum of its elements and how many are positive, by tree reduction in two
     * local arrays (a float and an int one); reads the lengths of two arrays.
     */
    @Kernel
    public static void groupSums(KernelContext ctx, float[] in, float[] sums, int[] positives) {
        float[] partial = ctx.allocateFloatLocalArray(ctx.localGroupSizeX);
        int[] counts = ctx.allocateIntLocalArray(ctx.localGroupSizeX);
        int i = ctx.globalIdx;
        int lid = ctx.localIdx;
        float x = i < in.length ? in[i] : 0.0f;
        partial[lid] = x;
        counts[lid] = x > 0.0f ? 1 : 0;
        ctx.localBarrier();
        for (int stride = ctx.localGroupSizeX / 2; stride > 0; stride = stride / 2) {
            if (lid < stride) {
                partial[lid] = partial[lid] + partial[lid + stride];
                counts[lid] = counts[lid] + counts[lid + stride];
            }
            ctx.localBarrier();
        }
        if (lid == 0 && ctx.groupIdx < sums.length) {
            sums[ctx.groupIdx] = partial[0];
            positives[ctx.groupIdx] = counts[0];
        }
    }

    /** A two-dimensional work-group with a local array sized from a specialised parameter. */
    @Kernel
    public static void tileTranspose(KernelContext ctx, float[] in, float[] out, int rows, int cols, @Specialize int TILE) {
        float[] tile = ctx.allocateFloatLocalArray(TILE * TILE);
        int c = ctx.globalIdx;
        int r = ctx.globalIdy;
        if (r < rows && c < cols) {
            tile[ctx.localIdy * TILE + ctx.localIdx] = in[r * cols + c];
        }
        ctx.localBarrier();
        int outRow = ctx.groupIdx * TILE + ctx.localIdy;
        int outCol = ctx.groupIdy * TILE + ctx.localIdx;
        if (outRow < cols && outCol < rows) {
            out[outRow * rows + outCol] = tile[ctx.localIdx * TILE + ctx.localIdy];
        }
    }

    /** Every scalar and array type through one launch. */
    @Kernel
    public static void allTypes(float[] f, double[] d, long[] l, int[] i, short[] s, byte[] b,
                                float fs, double ds, long ls, int is, short ss, byte bs, boolean flag) {
        for (@Parallel int x = 0; x < f.length; x++) {
            f[x] = flag ? f[x] * fs + x : f[x] - fs;
            d[x] = d[x] * ds + x;
            l[x] = l[x] * ls + x;
            i[x] = i[x] * is + x;
            s[x] = (short) (s[x] * ss + x);
            b[x] = (byte) (b[x] * bs + x);
        }
    }

    /** Three parallel loops: out[z][y][x] = a value that names its indices. */
    @Kernel
    public static void indices3d(int[] out, int nz, int ny, int nx) {
        for (@Parallel int z = 0; z < nz; z++) {
            for (@Parallel int y = 0; y < ny; y++) {
                for (@Parallel int x = 0; x < nx; x++) {
                    out[(z * ny + y) * nx + x] = z * 1000000 + y * 1000 + x;
                }
            }
        }
    }

    /** A loop that starts past zero: the generated code adds the lower bound. */
    @Kernel
    public static void offsetFill(float[] out, int from, int to, float value) {
        for (@Parallel int x = from; x < to; x++) {
            out[x] = value + x;
        }
    }

    /** No loop and no context: one thread does it all. */
    @Kernel
    public static void prefixSum(float[] data) {
        float running = 0.0f;
        for (int x = 0; x < data.length; x++) {
            running = running + data[x];
            data[x] = running;
        }
    }

    /**
     * Copies each group's {@code n} elements through one local array of {@code n} floats, rotated by
     * one: with n above 12288 the array needs more than the 48 KiB of shared memory a block gets
     * without opting in.
     */
    @Kernel
    public static void rotateThroughShared(KernelContext ctx, float[] in, float[] out, int n) {
        float[] buffer = ctx.allocateFloatLocalArray(n);
        int base = ctx.groupIdx * n;
        for (int j = ctx.localIdx; j < n; j += ctx.localGroupSizeX) {
            buffer[j] = in[base + j];
        }
        ctx.localBarrier();
        for (int j = ctx.localIdx; j < n; j += ctx.localGroupSizeX) {
            out[base + j] = buffer[(j + 1) % n];
        }
    }

    /**
     * The parameters and the two parallel loops of {@code AttentionKernels.attendGather} ((batch, query head)
     * outside, query rows inside), without its attention: what a launch of an attention kernel is sized from, for
     * tests of launch geometry that cannot see the kernels module.
     */
    @Kernel
    public static void gatherLoops(float[] q, int[] k, int[] v, int[] blockTable, int[] kvMap, float[] out, int B, int Hq,
                                   int Hkv, int Tq, int S, @Specialize int D, float scale, boolean causal,
                                   @Specialize int TILE) {
        for (@Parallel int bh = 0; bh < B * Hq; bh++) {
            for (@Parallel int i = 0; i < Tq; i++) {
                out[(bh * Tq + i) * D] = q[(bh * Tq + i) * D] * scale;
            }
        }
    }

    /** A kernel named as C names a type ({@code half}): the compiler calls its entry point {@code half_}. */
    @Kernel
    public static void half(float[] a) {
        for (@Parallel int i = 0; i < a.length; i++) {
            a[i] = a[i] * 0.5f;
        }
    }
}
