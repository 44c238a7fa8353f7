package squall.runtime;

import java.util.ArrayList;
import java.util.List;

/**
 * A kernel's calling convention: the arguments its generated C function takes, in order. The kernel
 * compiler prints the function's parameter list from it and every device passes a launch's arguments
 * by it, so the order is decided here and nowhere else.
 *
 * <ol>
 *   <li>every Java parameter but the {@link squall.api.KernelContext} and the {@code @Specialize} ones (those
 *       are {@link KernelDescriptor#define} constants): an array as a {@link Buffer}, anything else as a
 *       {@link Scalar}, in parameter order;</li>
 *   <li>a {@link Length} ({@code int name_length}) per array whose length the kernel reads, in parameter order;</li>
 *   <li>a {@link Local} per local array, in allocation order: a {@code __local} pointer in OpenCL, an
 *       {@code int name_offset} into dynamic shared memory in CUDA.</li>
 * </ol>
 * A bounds-checked build takes its error record and array lengths after these ({@link BoundsChecks}).
 *
 * <pre>{@code
 * for (KernelAbi.Slot slot : kernel.abi().slots()) {
 *     switch (slot) {
 *         case KernelAbi.Buffer b -> passBuffer(deviceArgs[b.index()]);
 *         case KernelAbi.Scalar s -> passScalar(deviceArgs[s.index()]);
 *         case KernelAbi.Length l -> passInt(ParamType.length(hostArgs[l.index()]));
 *         case KernelAbi.Local l -> passLocal(localLengths[l.index()]);
 *     }
 * }
 * }</pre>
 *
 * @param slots the arguments, in the order the C function takes them
 */
public record KernelAbi(List<Slot> slots) {

    /** One argument of the C function. */
    public sealed interface Slot permits Buffer, Scalar, Length, Local {
    }

    /** An array parameter, passed as device memory; {@code index} is its position among the kernel's parameters. */
    public record Buffer(int index, KernelParam param) implements Slot {
    }

    /** A scalar parameter, passed by value ({@code boolean} as {@code int}); {@code index} as for {@link Buffer}. */
    public record Scalar(int index, KernelParam param) implements Slot {
    }

    /** The element count of the array parameter at {@code index}, an {@code int}: the kernel reads its length. */
    public record Length(int index, KernelParam param) implements Slot {
    }

    /** The local array at {@code index} of the kernel's local arrays, sized at launch. */
    public record Local(int index, LocalArray array) implements Slot {
    }

    public KernelAbi {
        slots = List.copyOf(slots);
    }

    /** The convention of a kernel with these parameters and local arrays. */
    public static KernelAbi of(List<KernelParam> params, List<LocalArray> localArrays) {
        List<Slot> slots = new ArrayList<>();
        for (int i = 0; i < params.size(); i++) {
            KernelParam p = params.get(i);
            if (p.type() == ParamType.KERNEL_CONTEXT || p.specialized()) {
                continue;
            }
            slots.add(p.type().isArray() ? new Buffer(i, p) : new Scalar(i, p));
        }
        for (int i = 0; i < params.size(); i++) {
            KernelParam p = params.get(i);
            if (p.type().isArray() && p.lengthUsed()) {
                slots.add(new Length(i, p));
            }
        }
        for (int i = 0; i < localArrays.size(); i++) {
            slots.add(new Local(i, localArrays.get(i)));
        }
        return new KernelAbi(slots);
    }
}
