package squall.runtime;

import java.util.ArrayList;
import java.util.List;

/**
 * The bounds-checked build of a kernel, as the host sees it: its calling convention and its error record, derived
 * from the kernel's descriptor alone. The kernel compiler writes, beside each kernel's OpenCL C and CUDA C, a build
 * in which every array index is checked; it takes, after its usual arguments, an {@code int[4]} error record and
 * then the length of each array parameter and each local array. The first index outside its array is recorded as
 * {@code {1, array, index, length}} (arrays numbered as {@link #arrayNames} lists them) and replaced by 0, so the
 * access stays inside; the device reads the record after the launch and throws {@link #failure}.
 *
 * <pre>{@code
 * try (ExecutionPlan plan = new ExecutionPlan(graph).withBoundsChecks()) {   // or SQUALL_BOUNDS_CHECKS=1
 *     plan.execute();   // KernelLaunchException: ... index 4096 is outside array 'kCache' (length 4096) ...
 * }
 * }</pre>
 *
 * On the {@code jvm} device every access is checked by Java itself, whatever the mode.
 */
public final class BoundsChecks {

    /** Ints of the error record: set, array, index, length. */
    public static final int RECORD_INTS = 4;
    /** The environment variable that turns bounds checks on for every plan (the CLI's and the tests'). */
    public static final String ENVIRONMENT = "SQUALL_BOUNDS_CHECKS";

    private BoundsChecks() {
    }

    /** {@code true} when {@code SQUALL_BOUNDS_CHECKS=1}: plans check bounds unless told otherwise. */
    public static boolean requested() {
        return "1".equals(System.getenv(ENVIRONMENT));
    }

    /** The arrays of a launch by their number in the error record: array parameters, local arrays, private arrays. */
    public static List<String> arrayNames(KernelDescriptor kernel, Object[] hostArgs) {
        List<String> names = new ArrayList<>();
        for (KernelParam p : kernel.params()) {
            if (p.type().isArray()) {
                names.add(p.name());
            }
        }
        kernel.localArrays().forEach(a -> names.add(a.name()));
        kernel.privateArrays(hostArgs).forEach(a -> names.add(a.name()));
        return names;
    }

    /**
     * The ints the checked build takes after its error record: each array parameter's length, in parameter order,
     * then each local array's, as {@code localLengths} gives them.
     */
    public static int[] lengths(KernelDescriptor kernel, Object[] hostArgs, int[] localLengths) {
        List<Integer> lengths = new ArrayList<>();
        for (int i = 0; i < kernel.params().size(); i++) {
            if (kernel.params().get(i).type().isArray()) {
                lengths.add(ParamType.length(hostArgs[i]));
            }
        }
        for (int length : localLengths) {
            lengths.add(Math.max(length, 1));
        }
        return lengths.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Buffers of a checked session are at least this long, so that the index 0 a bad access is replaced by exists. */
    public static long bufferBytes(long bytes) {
        return Math.max(bytes, 16);
    }

    /**
     * The error a record reports, or {@code null} if it records nothing: names the kernel, the task, the device,
     * the array, the index and the length.
     */
    public static KernelLaunchException failure(KernelDescriptor kernel, Object[] hostArgs, String task, String device,
                                                int[] record) {
        if (record[0] == 0) {
            return null;
        }
        List<String> names = arrayNames(kernel, hostArgs);
        int array = record[1];
        String name = array >= 0 && array < names.size() ? "'" + names.get(array) + "'" : "number " + array;
        return new KernelLaunchException("kernel " + kernel.qualifiedName() + " (task '" + task + "') on " + device
                + ": index " + record[2] + " is outside array " + name + " (length " + record[3] + "); the first bad"
                + " access the bounds-checked build found (the access read or wrote index 0 instead)");
    }
}
