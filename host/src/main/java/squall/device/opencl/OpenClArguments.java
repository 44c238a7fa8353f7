package squall.device.opencl;

import org.lwjgl.opencl.CL10;
import squall.api.KernelContext;
import squall.runtime.BoundsChecks;
import squall.runtime.KernelAbi;
import squall.runtime.KernelDescriptor;
import squall.runtime.KernelParam;
import squall.runtime.Launch;
import squall.runtime.LocalArray;
import squall.runtime.ParamType;

import java.util.List;
import java.util.function.LongSupplier;

/**
 * Sets a launch's arguments on its {@code cl_kernel}, slot by slot in the kernel's {@link KernelAbi}:
 * buffers as their {@code cl_mem}, scalars by value, array lengths as {@code int}, local arrays as a size
 * in bytes; a bounds-checked build then takes the error record and the arrays' lengths.
 */
final class OpenClArguments {

    private final OpenClSession owner;
    private final OpenClDevice device;

    OpenClArguments(OpenClSession owner, OpenClDevice device) {
        this.owner = owner;
        this.device = device;
    }

    /**
     * @param errorRecord the session's error record ({@code cl_mem}), asked for by a bounds-checked build only
     * @throws IllegalArgumentException for an argument that is not this session's buffer or a scalar of its type,
     *                                  and for local arrays larger than a work-group's local memory
     */
    void set(OpenClKernel k, Launch launch, LaunchGeometry geometry, LongSupplier errorRecord) {
        KernelDescriptor kernel = k.descriptor();
        long handle = k.handle();
        List<KernelAbi.Slot> slots = kernel.abi().slots();
        int[] localLengths = null;
        int index = 0;
        for (KernelAbi.Slot slot : slots) {
            switch (slot) {
                case KernelAbi.Buffer b -> {
                    KernelParam p = b.param();
                    if (!(launch.deviceArgs()[b.index()] instanceof OpenClBuffer buffer) || buffer.session() != owner) {
                        throw new IllegalArgumentException("argument '" + p.name() + "' is not a buffer of this session");
                    }
                    ClErrors.check(CL10.clSetKernelArg1p(handle, index, buffer.mem()),
                            "clSetKernelArg(" + index + ", '" + p.name() + "')");
                }
                case KernelAbi.Scalar s -> ClErrors.check(setScalar(handle, index, s.param(), launch.deviceArgs()[s.index()]),
                        "clSetKernelArg(" + index + ", '" + s.param().name() + "')");
                case KernelAbi.Length l -> ClErrors.check(
                        CL10.clSetKernelArg1i(handle, index, ParamType.length(launch.hostArgs()[l.index()])),
                        "clSetKernelArg(" + index + ", '" + l.param().name() + "_length')");
                case KernelAbi.Local l -> {
                    if (localLengths == null) {
                        localLengths = localLengths(kernel, launch, geometry);
                    }
                    LocalArray local = l.array();
                    long bytes = (long) Math.max(localLengths[l.index()], 1) * local.element().elementBytes();
                    ClErrors.check(CL10.clSetKernelArg(handle, index, bytes),
                            "clSetKernelArg(" + index + ", local '" + local.name() + "', " + bytes + " bytes)");
                }
            }
            index++;
        }
        if (k.checked()) {
            if (localLengths == null) {
                localLengths = localLengths(kernel, launch, geometry);
            }
            ClErrors.check(CL10.clSetKernelArg1p(handle, index, errorRecord.getAsLong()), "clSetKernelArg(" + index + ", error record)");
            index++;
            for (int length : BoundsChecks.lengths(kernel, launch.hostArgs(), localLengths)) {
                ClErrors.check(CL10.clSetKernelArg1i(handle, index, length), "clSetKernelArg(" + index + ", array length)");
                index++;
            }
        }
    }

    /** The local arrays' lengths in this launch, checked to fit a work-group's local memory together. */
    private int[] localLengths(KernelDescriptor kernel, Launch launch, LaunchGeometry geometry) {
        List<LocalArray> locals = kernel.localArrays();
        int[] localLengths = locals.isEmpty() ? new int[0] : kernel.localArrayLengths(launch.hostArgs(), sizes(geometry));
        long localBytes = 0;
        for (int a = 0; a < locals.size(); a++) {
            localBytes += (long) Math.max(localLengths[a], 1) * locals.get(a).element().elementBytes();
        }
        if (localBytes > device.localMemoryBytes()) {
            throw new IllegalArgumentException("its local arrays need " + localBytes + " bytes per work-group with " + geometry
                    + ", and a work-group on " + device.id() + " has " + device.localMemoryBytes() + " (CL_DEVICE_LOCAL_MEM_SIZE)");
        }
        return localLengths;
    }

    private static int setScalar(long kernel, int index, KernelParam p, Object value) {
        if (value == null) {
            throw new IllegalArgumentException("scalar argument '" + p.name() + "' is null");
        }
        return switch (p.type()) {
            case BOOLEAN -> CL10.clSetKernelArg1i(kernel, index, (Boolean) value ? 1 : 0);
            case BYTE -> CL10.clSetKernelArg1b(kernel, index, ((Number) value).byteValue());
            case SHORT -> CL10.clSetKernelArg1s(kernel, index, ((Number) value).shortValue());
            case INT -> CL10.clSetKernelArg1i(kernel, index, ((Number) value).intValue());
            case LONG -> CL10.clSetKernelArg1l(kernel, index, ((Number) value).longValue());
            case FLOAT -> CL10.clSetKernelArg1f(kernel, index, ((Number) value).floatValue());
            case DOUBLE -> CL10.clSetKernelArg1d(kernel, index, ((Number) value).doubleValue());
            default -> throw new IllegalArgumentException("parameter '" + p.name() + "' of type " + p.type()
                    + " is not a scalar");
        };
    }

    /** The sizes a kernel's {@code localArrayLengths} reads. */
    private static KernelContext sizes(LaunchGeometry geometry) {
        KernelContext c = new KernelContext();
        long[] g = geometry.global();
        long[] l = geometry.local();
        c.globalGroupSizeX = (int) g[0];
        c.globalGroupSizeY = g.length > 1 ? (int) g[1] : 1;
        c.globalGroupSizeZ = g.length > 2 ? (int) g[2] : 1;
        c.localGroupSizeX = (int) l[0];
        c.localGroupSizeY = l.length > 1 ? (int) l[1] : 1;
        c.localGroupSizeZ = l.length > 2 ? (int) l[2] : 1;
        return c;
    }
}
