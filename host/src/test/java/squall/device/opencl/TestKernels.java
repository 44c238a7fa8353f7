package squall.device.opencl;

import squall.api.KernelContext;
import squall.runtime.Access;
import squall.runtime.KernelDescriptor;
import squall.runtime.KernelParam;
import squall.runtime.KernelTarget;
import squall.runtime.LocalArray;
import squall.runtime.ParamType;

import java.util.List;
import java.util.function.Function;

/**
 * Small kernels with hand-written OpenCL C in the calling convention squall's compiler emits, so
 * the device is tested on its own (the attention kernels, compiled for real, are tested in tasks).
 */
final class TestKernels {

    private TestKernels() {
    }

    /** A kernel whose OpenCL source is given here rather than generated. */
    static final class HandWritten extends KernelDescriptor {
        private final String source;
        private final Function<Object[], long[]> bounds;
        private final Function<KernelContext, int[]> localLengths;

        HandWritten(String name, List<KernelParam> params, int parallelDimensions, List<LocalArray> locals,
                    Function<Object[], long[]> bounds, Function<KernelContext, int[]> localLengths, String source) {
            super(TestKernels.class, name, params, parallelDimensions, !locals.isEmpty(), locals);
            this.source = source;
            this.bounds = bounds;
            this.localLengths = localLengths;
        }

        @Override
        public String source(KernelTarget target) {
            if (target != KernelTarget.OPENCL) {
                throw new UnsupportedOperationException(target + " source of a hand-written test kernel");
            }
            return source;
        }

        @Override
        public long[] parallelBounds(Object[] args) {
            return bounds.apply(args);
        }

        @Override
        public int[] localArrayLengths(Object[] args, KernelContext launch) {
            return localLengths.apply(launch);
        }

        /** The same kernel with another source (a broken one, say). */
        HandWritten withSource(String other) {
            return new HandWritten(name(), params(), parallelDimensions(), localArrays(), bounds, localLengths, other);
        }
    }

    private static KernelParam array(String name, ParamType type, Access access, boolean lengthUsed) {
        return new KernelParam(name, type, access, false, lengthUsed);
    }

    private static KernelParam scalar(String name, ParamType type) {
        return new KernelParam(name, type, Access.NONE, false, false);
    }

    private static KernelParam specialized(String name) {
        return new KernelParam(name, ParamType.INT, Access.NONE, true, false);
    }

    /** {@code for (@Parallel int i = 0; i < x.length; i++) x[i] = x[i] * factor;}: writes a buffer in place. */
    static final HandWritten SCALE = new HandWritten("scale",
            List.of(array("x", ParamType.FLOAT_ARRAY, Access.READ_WRITE, true), scalar("factor", ParamType.FLOAT)),
            1, List.of(), args -> new long[] {0, ((float[]) args[0]).length}, ctx -> new int[0], """
            __kernel void scale(__global float* x, const float factor, const int x_length) {
                const int i = 0 + (int) get_global_id(0);
                if (!(i < x_length)) return;
                x[i] = x[i] * factor;
            }
            """);

    /**
     * {@code out[r * cols + c] = in[r * cols + c] + C + r} over a 2-D {@code @Parallel} nest (rows
     * outermost), with {@code C} a {@code @Specialize} constant.
     */
    static final HandWritten ADD_CONSTANT = new HandWritten("addConstant",
            List.of(array("in", ParamType.FLOAT_ARRAY, Access.READ, false), array("out", ParamType.FLOAT_ARRAY, Access.WRITE, false),
                    scalar("rows", ParamType.INT), scalar("cols", ParamType.INT), specialized("C")),
            2, List.of(), args -> new long[] {0, (int) args[2], 0, (int) args[3]}, ctx -> new int[0], """
            __kernel void addConstant(__global const float* in, __global float* out, const int rows, const int cols) {
                const int r = 0 + (int) get_global_id(1);
                if (!(r < rows)) return;
                const int c = 0 + (int) get_global_id(0);
                if (!(c < cols)) return;
                out[r * cols + c] = in[r * cols + c] + SQUALL_C + r;
            }
            """);

    /** Reverses each work-group's slice through local memory: needs the local array and the barrier. */
    static final HandWritten REVERSE_IN_GROUP = new HandWritten("reverseInGroup",
            List.of(new KernelParam("context", ParamType.KERNEL_CONTEXT, Access.NONE, false, false),
                    array("in", ParamType.FLOAT_ARRAY, Access.READ, false), array("out", ParamType.FLOAT_ARRAY, Access.WRITE, false)),
            0, List.of(new LocalArray("tile", ParamType.FLOAT)), args -> null, ctx -> new int[] {ctx.localGroupSizeX}, """
            __kernel void reverseInGroup(__global const float* in, __global float* out, __local float* tile) {
                const int g = (int) get_global_id(0);
                const int l = (int) get_local_id(0);
                const int n = (int) get_local_size(0);
                tile[l] = in[g];
                barrier(CLK_LOCAL_MEM_FENCE);
                out[g] = tile[n - 1 - l];
            }
            """);
}
