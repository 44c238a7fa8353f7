package squall.device.cuda;

import squall.runtime.KernelAbi;
import squall.runtime.KernelDescriptor;
import squall.runtime.KernelParam;
import squall.runtime.ParamType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

/**
 * The {@code void** kernelParams} of {@code cuLaunchKernel}, slot by slot in the kernel's {@link KernelAbi}:
 * arrays as device pointers, scalars by value ({@code boolean} as {@code int}), each read length as
 * {@code int name_length}, each local array as an {@code int} byte offset into dynamic shared memory.
 */
final class CudaArguments {

    /** One C argument: its name in the generated source, and its value as stored. */
    record Argument(String name, ParamType type, Object value) {
    }

    private CudaArguments() {
    }

    /**
     * The C arguments of one launch, in order.
     *
     * @param deviceArgs    per kernel parameter: a device buffer, a boxed scalar, or {@code null} for the context
     * @param buffer        resolves a device buffer to its pointer and element count; fails for a foreign one
     * @param sharedOffsets per local array, its byte offset in dynamic shared memory ({@link LaunchGeometry})
     */
    static List<Argument> of(KernelDescriptor kernel, Object[] deviceArgs, Function<Object, CudaBuffer> buffer,
                             int[] sharedOffsets) {
        List<KernelParam> params = kernel.params();
        if (deviceArgs.length != params.size()) {
            throw new IllegalArgumentException(kernel.qualifiedName() + " takes " + params.size() + " arguments, got "
                    + deviceArgs.length);
        }
        List<Argument> result = new ArrayList<>();
        CudaBuffer[] buffers = new CudaBuffer[params.size()];
        for (KernelAbi.Slot slot : kernel.abi().slots()) {
            switch (slot) {
                case KernelAbi.Buffer s -> {
                    KernelParam p = s.param();
                    CudaBuffer b = buffer.apply(deviceArgs[s.index()]);
                    if (b.elementType() != p.type()) {
                        throw new IllegalArgumentException(kernel.qualifiedName() + ": argument " + s.index() + " '" + p.name()
                                + "' must be a " + p.type().javaName() + " buffer, got a " + b.elementType().javaName() + " buffer");
                    }
                    buffers[s.index()] = b;
                    result.add(new Argument(p.name(), ParamType.LONG, b.pointer()));
                }
                case KernelAbi.Scalar s -> result.add(new Argument(s.param().name(), s.param().type(),
                        scalar(kernel, s.index(), s.param(), deviceArgs[s.index()])));
                case KernelAbi.Length s -> result.add(new Argument(s.param().name() + "_length", ParamType.INT,
                        Math.toIntExact(buffers[s.index()].length())));
                case KernelAbi.Local s -> result.add(new Argument(s.array().name() + "_offset", ParamType.INT,
                        sharedOffsets[s.index()]));
            }
        }
        return result;
    }

    /**
     * The arguments of a bounds-checked build: {@code arguments}, then the error record's pointer and the array
     * lengths {@link squall.runtime.BoundsChecks#lengths} gives.
     */
    static List<Argument> withBoundsChecks(List<Argument> arguments, long errorRecord, int[] lengths) {
        List<Argument> result = new ArrayList<>(arguments);
        result.add(new Argument("squall_error", ParamType.LONG, errorRecord));
        for (int length : lengths) {
            result.add(new Argument("array length", ParamType.INT, length));
        }
        return result;
    }

    private static Object scalar(KernelDescriptor kernel, int index, KernelParam p, Object value) {
        ParamType given = ParamType.of(value);
        if (given != p.type()) {
            throw new IllegalArgumentException(kernel.qualifiedName() + ": argument " + index + " '" + p.name() + "' must be "
                    + p.type().javaName() + ", got " + (value == null ? "null" : value.getClass().getSimpleName()));
        }
        return value instanceof Boolean b ? (b ? 1 : 0) : value;
    }

    /**
     * The arguments as {@code cuLaunchKernel} takes them: an array of pointers, each to its value.
     * Every value has its own 8-byte slot, so each is aligned for its type.
     */
    static MemorySegment pack(List<Argument> arguments, Arena arena) {
        int n = arguments.size();
        MemorySegment values = arena.allocate(8L * Math.max(1, n), 8);
        MemorySegment pointers = arena.allocate(ADDRESS, Math.max(1, n));
        for (int i = 0; i < n; i++) {
            MemorySegment slot = values.asSlice(8L * i, 8);
            Argument a = arguments.get(i);
            switch (a.type()) {
                case BOOLEAN, INT -> slot.set(JAVA_INT, 0, (Integer) a.value());
                case LONG -> slot.set(JAVA_LONG, 0, (Long) a.value());
                case FLOAT -> slot.set(JAVA_FLOAT, 0, (Float) a.value());
                case DOUBLE -> slot.set(JAVA_DOUBLE, 0, (Double) a.value());
                case SHORT -> slot.set(JAVA_SHORT, 0, (Short) a.value());
                case BYTE -> slot.set(JAVA_BYTE, 0, (Byte) a.value());
                default -> throw new IllegalArgumentException("cannot pass a " + a.type() + " to a CUDA kernel");
            }
            pointers.setAtIndex(ADDRESS, i, slot);
        }
        return pointers;
    }
}
