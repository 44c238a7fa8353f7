package squall.compiler;

import com.sun.source.tree.MethodTree;
import com.sun.source.tree.VariableTree;
import squall.runtime.KernelTarget;

import java.util.ArrayList;
import java.util.List;

/**
 * What the bounds-checked build of a kernel adds to its C: every array index goes through {@code squall_at}, which
 * passes an index inside its array and otherwise records the first bad access (array, index, length) in an error
 * record and gives 0 instead, so the access stays inside the array. The host reads the record after the launch and
 * reports it ({@link squall.runtime.BoundsChecks} holds the calling convention and decodes the record).
 *
 * <p>Every array {@code a} in scope has two C ints beside it, {@code squall_a_length} and {@code squall_a_id}: the
 * kernel takes the lengths of its array parameters and local arrays as arguments after its usual ones (after the
 * error record), a private array's are its declared size, and helpers take both for each array parameter. Arrays
 * are numbered as the descriptor lists them: array parameters, local arrays, then private arrays
 * ({@link PrivateArrays}). A helper is printed once for every kernel that reaches it, so the number of a private
 * array it declares is a placeholder ({@link #privateIdToken}) until {@link CSourcePrinter} puts a kernel's program
 * together. KernelMath's operations on arrays are called through wrappers that check the whole stretch each array
 * argument spans first ({@link OrderFreeMath#checkedDefinition}).
 */
final class BoundsCheckPrinter {

    /** The error record parameter's name. */
    static final String ERROR = "squall_error";

    private final KernelTarget target;
    /** The kernel being printed, or {@code null} when printing a helper. */
    private final KernelModel kernel;
    private final List<PrivateArrays.Declared> privates;

    /** For printing {@code kernel}, or a helper when {@code kernel} is {@code null}. */
    BoundsCheckPrinter(KernelTarget target, KernelModel kernel, HelperIndex helpers) {
        this.target = target;
        this.kernel = kernel;
        this.privates = kernel == null ? List.of() : PrivateArrays.of(kernel, helpers);
    }

    /** Where the number of private array {@code name} ({@link PrivateArrays.Declared#name}) goes in a helper. */
    static String privateIdToken(String name) {
        return CFragment.MARK + "i" + name + CFragment.MARK;
    }

    /** The number of each private array of {@code kernel}, by {@link #privateIdToken}. */
    static java.util.Map<String, String> privateIds(KernelModel kernel, HelperIndex helpers) {
        java.util.Map<String, String> ids = new java.util.LinkedHashMap<>();
        int arrays = (int) kernel.params.stream().filter(p -> p.type().isArray()).count() + kernel.localArrays.size();
        List<PrivateArrays.Declared> all = PrivateArrays.of(kernel, helpers);
        for (int i = 0; i < all.size(); i++) {
            ids.putIfAbsent(privateIdToken(all.get(i).name()), Integer.toString(arrays + i));
        }
        return ids;
    }

    private boolean cuda() {
        return target == KernelTarget.CUDA;
    }

    static String length(String array) {
        return "squall_" + CNames.safe(array) + "_length";
    }

    static String id(String array) {
        return "squall_" + CNames.safe(array) + "_id";
    }

    String errorParameter() {
        return (cuda() ? "int* " : "__global int* ") + ERROR;
    }

    /** The kernel's parameters after its usual ones: the error record, then each array's length. */
    List<String> kernelParameters() {
        List<String> params = new ArrayList<>(List.of(errorParameter()));
        for (KernelModel.Param p : kernel.params) {
            if (p.type().isArray()) {
                params.add("const int " + length(p.name()));
            }
        }
        for (KernelModel.LocalAlloc local : kernel.localArrays) {
            params.add("const int " + length(local.name()));
        }
        return params;
    }

    /** The numbers of the kernel's array parameters and local arrays, at the top of its body. */
    List<String> kernelPrologue() {
        List<String> lines = new ArrayList<>();
        int id = 0;
        for (KernelModel.Param p : kernel.params) {
            if (p.type().isArray()) {
                lines.add("const int " + id(p.name()) + " = " + id++ + ";");
            }
        }
        for (KernelModel.LocalAlloc local : kernel.localArrays) {
            lines.add("const int " + id(local.name()) + " = " + id++ + ";");
        }
        return lines;
    }

    /** After a private array's declaration: its length and number. */
    List<String> privateArray(MethodTree method, VariableTree declaration, String size) {
        String name = declaration.getName().toString();
        if (kernel == null) {
            return List.of("const int " + length(name) + " = " + size + ";",
                    "const int " + id(name) + " = " + privateIdToken(method.getName() + "." + name) + ";");
        }
        int index = PrivateArrays.indexOf(privates, method, declaration);
        if (index < 0) {
            throw new KernelPrinter.UnsupportedConstruct(declaration, "private array " + declaration.getName()
                    + " in the bounds-checked build (it is not among the kernel's private arrays)");
        }
        int arrays = (int) kernel.params.stream().filter(p -> p.type().isArray()).count() + kernel.localArrays.size();
        return List.of("const int " + length(name) + " = " + size + ";", "const int " + id(name) + " = " + (arrays + index) + ";");
    }

    /** A helper's parameters for its array parameter {@code array}. */
    List<String> helperArrayParameters(String array) {
        return List.of("const int " + length(array), "const int " + id(array));
    }

    /** A helper's last parameter. */
    String helperErrorParameter() {
        return errorParameter();
    }

    /** The arguments that go with array argument {@code array} of a helper call. */
    List<String> arrayArguments(String array) {
        return List.of(length(array), id(array));
    }

    /** {@code a[i]}, checked. */
    String access(String array, String printedArray, String index) {
        return printedArray + "[squall_at(" + index + ", " + length(array) + ", " + id(array) + ", " + ERROR + ")]";
    }

    /** The functions every checked program starts with. */
    String definitions() {
        String device = cuda() ? "__device__ " : "";
        String claim = cuda() ? "atomicCAS(&" + ERROR + "[0], 0, 1)" : "atomic_cmpxchg(&" + ERROR + "[0], 0, 1)";
        return "// Bounds-checked build: an index outside its array is recorded (the first one; array, index, length)\n"
                + "// in " + ERROR + " for the host to report, and replaced by 0 so that the access stays inside.\n"
                + device + "void squall_record(int index, int length, int array, " + errorParameter() + ") {\n"
                + "    if (" + claim + " == 0) {\n"
                + "        " + ERROR + "[1] = array;\n        " + ERROR + "[2] = index;\n        " + ERROR + "[3] = length;\n"
                + "    }\n}\n\n"
                + device + "int squall_at(int index, int length, int array, " + errorParameter() + ") {\n"
                + "    if (index >= 0 && index < length) {\n        return index;\n    }\n"
                + "    squall_record(index, length, array, " + ERROR + ");\n    return 0;\n}\n\n"
                + "// 1 if elements first..last are inside the array; else records the first that is not.\n"
                + device + "int squall_fits(int first, int last, int length, int array, " + errorParameter() + ") {\n"
                + "    if (first >= 0 && last < length) {\n        return 1;\n    }\n"
                + "    squall_record(first < 0 ? first : last, length, array, " + ERROR + ");\n    return 0;\n}\n";
    }
}
