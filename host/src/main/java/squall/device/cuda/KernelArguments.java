package squall.device.cuda;

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
 * The {@code void** kernelParams} of {@code cuLaunchKernel}, in the kernel compiler's calling
 * convention (see {@code CFunctionPrinter}): the Java parameters without the context and without
 * {@code @Specialize} ones (arrays as device pointers, {@code boolean} as {@code int}); then
 * {@code int name_length} for each array whose length the kernel reads, in parameter order; then one
 * {@code int} byte offset into dynamic shared memory per local array.
 */
final class KernelArguments {

    /** One C argument: its name in the generated source, and its value as stored. */
    record Argument(String name, ParamType type, Object value) {
    }

    private KernelArguments() {
    }

    /**
     * The C arguments of one launch, in order.
     *
     * @param deviceArgs per kernel parameter: a device buffer, a boxed scalar, or {@code null} for the context
     * @param buffer     resolves a device buffer to its pointer and element count; fails for a foreign one
     */
    static List<Argument> of(KernelDescriptor kernel, Object[] deviceArgs, Function<Object, CudaBuffer> buffer,
                             int[] sharedOffsets) {
        List<KernelParam> params = kernel.params();
        if (deviceArgs.length != params.size()) {
            throw new IllegalArgumentException(kernel.qualifiedName() + " takes " + params.size() + " arguments, got "
                    + deviceArgs.length);
        }
        List<Argument> result = new ArrayList<>();
        List<Argument> lengths = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) {
            KernelParam p = params.get(i);
            if (p.type() == ParamType.KERNEL_CONTEXT || p.specialized()) {
                continue;
            }
            Object value = deviceArgs[i];
            if (p.type().isArray()) {
                CudaBuffer b = buffer.apply(value);
                if (b.elementType() != p.type()) {
                    throw new IllegalArgumentException(kernel.qualifiedName() + ": argument " + i + " '" + p.name()
                            + "' must be a " + p.type().javaName() + " buffer, got a " + b.elementType().javaName() + " buffer");
                }
                result.add(new Argument(p.name(), ParamType.LONG, b.pointer()));
                if (p.lengthUsed()) {
                    lengths.add(new Argument(p.name() + "_length", ParamType.INT, Math.toIntExact(b.length())));
                }
            } else {
                result.add(new Argument(p.name(), p.type(), scalar(kernel, i, p, value)));
            }
        }
        result.addAll(lengths);
        for (int i = 0; i < sharedOffsets.length; i++) {
            result.add(new Argument(kernel.localArrays().get(i).name() + "_offset", ParamType.INT, sharedOffsets[i]));
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
