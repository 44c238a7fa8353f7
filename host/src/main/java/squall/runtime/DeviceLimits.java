package squall.runtime;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;

/**
 * What a plan checks against its device before it allocates a buffer or builds a kernel, so that a size a driver
 * would reject late, or not reject at all (a private array past a CPU thread's stack is a SIGSEGV), fails at once
 * with the array, the task and the limit named: every array within the device's largest buffer, all of them
 * within its memory, and each kernel's private arrays within what a work-item may hold.
 *
 * <pre>{@code
 * long bytes = DeviceLimits.privateBytes(kernel, args);   // one work-item's private arrays for these arguments
 * }</pre>
 */
public final class DeviceLimits {

    /** The longest array a kernel can index with an int, with the headroom some JVMs keep. */
    public static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    private DeviceLimits() {
    }

    /** Checks the arrays and the private arrays of {@code graphs} against {@code device}; throws {@link IllegalArgumentException}. */
    static void check(List<TaskGraph> graphs, Device device) {
        Map<Object, String> arrays = new IdentityHashMap<>();
        for (TaskGraph g : graphs) {
            for (TaskGraph.Step step : g.steps()) {
                if (step instanceof TaskGraph.Task t) {
                    for (int i = 0; i < t.args().size(); i++) {
                        if (t.kernel().params().get(i).type().isArray()) {
                            arrays.putIfAbsent(t.args().get(i), "task '" + g.name() + "." + t.name() + "' argument '"
                                    + t.kernel().params().get(i).name() + "'");
                        }
                    }
                }
            }
        }
        for (TaskGraph g : graphs) {
            for (TaskGraph.Step step : g.steps()) {
                List<Object> named = switch (step) {
                    case TaskGraph.ToDevice t -> t.arrays();
                    case TaskGraph.ToHost t -> t.arrays();
                    case TaskGraph.Task t -> List.of();
                };
                named.forEach(a -> arrays.putIfAbsent(a, "an array transferred by graph '" + g.name() + "'"));
            }
        }
        long total = 0;
        for (Map.Entry<Object, String> e : arrays.entrySet()) {
            long bytes = bytes(e.getKey());
            if (bytes > device.maxAllocationBytes()) {
                throw new IllegalArgumentException(e.getValue() + ": " + describe(e.getKey()) + " needs " + bytes
                        + " bytes in one buffer, and the largest buffer " + where(device) + " allocates is "
                        + device.maxAllocationBytes() + " bytes");
            }
            total = total > Long.MAX_VALUE - bytes ? Long.MAX_VALUE : total + bytes;
        }
        if (total > device.globalMemoryBytes()) {
            throw new IllegalArgumentException("the plan's " + arrays.size() + " arrays need " + total + " bytes on "
                    + where(device) + ", which has " + device.globalMemoryBytes() + " bytes of memory");
        }
        for (TaskGraph g : graphs) {
            for (TaskGraph.Step step : g.steps()) {
                if (step instanceof TaskGraph.Task t) {
                    checkPrivate(t.kernel(), t.argArray(), g.name() + "." + t.name(), device);
                }
            }
        }
    }

    /** Bytes of one work-item's private arrays in a launch of {@code kernel} with {@code args} (0 if it has none). */
    public static long privateBytes(KernelDescriptor kernel, Object[] args) {
        long total = 0;
        for (PrivateArray a : kernel.privateArrays(args)) {
            total = total > Long.MAX_VALUE - a.bytes() ? Long.MAX_VALUE : total + a.bytes();
        }
        return total;
    }

    /**
     * Fails with an {@link IllegalArgumentException} naming the task, the kernel, its arrays and the arguments that
     * sized them if a private array is longer than an int index reaches or they need more than a work-item of
     * {@code device} may hold.
     */
    public static void checkPrivate(KernelDescriptor kernel, Object[] args, String task, Device device) {
        List<PrivateArray> arrays = kernel.privateArrays(args);
        if (arrays.isEmpty()) {
            return;
        }
        String what = "task '" + task + "' (" + kernel.qualifiedName() + (sizedBy(kernel, args).isEmpty() ? ""
                : " with " + sizedBy(kernel, args)) + ")";
        for (PrivateArray a : arrays) {
            if (a.length() < 0 || a.length() > MAX_ELEMENTS) {
                throw new IllegalArgumentException(what + ": private array '" + a.name() + "' would have " + a.length()
                        + " elements; an array holds 0 to " + MAX_ELEMENTS);
            }
        }
        long bytes = privateBytes(kernel, args);
        if (bytes > device.privateMemoryBytes()) {
            StringJoiner list = new StringJoiner(", ");
            for (PrivateArray a : arrays) {
                list.add(a.name() + "[" + a.length() + "] " + a.element().javaName().replace("[]", ""));
            }
            throw new IllegalArgumentException(String.format(Locale.ROOT, "%s: each work-item's private arrays (%s)"
                            + " need %d bytes, and a work-item on %s holds at most %d%s", what, list, bytes, where(device),
                    device.privateMemoryBytes(), device.groupPrivateMemoryBytes() == Long.MAX_VALUE ? ""
                            : " (its work-groups run on one thread, whose stack holds every work-item's arrays)"));
        }
    }

    /** {@code G = 4, TILE = 1000000}: the {@code @Specialize} arguments, which alone size private arrays. */
    private static String sizedBy(KernelDescriptor kernel, Object[] args) {
        List<String> values = new ArrayList<>();
        for (int i = 0; i < kernel.params().size(); i++) {
            if (kernel.params().get(i).specialized()) {
                values.add(kernel.params().get(i).name() + " = " + args[i]);
            }
        }
        return String.join(", ", values);
    }

    private static long bytes(Object array) {
        return (long) ParamType.length(array) * ParamType.of(array).elementBytes();
    }

    private static String describe(Object array) {
        return ParamType.of(array).javaName().replace("[]", "[" + ParamType.length(array) + "]");
    }

    private static String where(Device device) {
        return device.id() + " (" + device.name() + ")";
    }
}
