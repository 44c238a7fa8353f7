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
 * ({@link PrivateArrays}).
 */
final class BoundsCheckPrinter {

    /** The error record parameter's name. */
    static final String ERROR = "squall_error";

    private final KernelTarget target;
    private final KernelModel kernel;
    private final List<PrivateArrays.Declared> privates;

    BoundsCheckPrinter(KernelTarget target, KernelModel kernel, KernelModel.HelperIndex helpers) {
        this.target = target;
        this.kernel = kernel;
        this.privates = PrivateArrays.of(kernel, helpers);
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

    private String errorParameter() {
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
        int index = PrivateArrays.indexOf(privates, method, declaration);
        if (index < 0) {
            throw new KernelPrinter.UnsupportedConstruct(declaration, "private array " + declaration.getName()
                    + " in the bounds-checked build (it is not among the kernel's private arrays)");
        }
        int arrays = (int) kernel.params.stream().filter(p -> p.type().isArray()).count() + kernel.localArrays.size();
        String name = declaration.getName().toString();
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

    /**
     * A call of {@code KernelMath.widenHalves} (the function {@code fast}, defined by {@link HalfPrecision}), checked:
     * the wrapper's name, after adding its definition to {@code functions} (after the fast one, which it calls).
     */
    String widenHalves(String fast, CSourcePrinter.Space packed, CSourcePrinter.Space out, java.util.Map<String, String> functions) {
        String name = "squall_checked_" + fast;
        functions.computeIfAbsent(name, n -> {
            String device = cuda() ? "__device__ " : "";
            String packedType = (cuda() ? "" : packed.qualifier + " ") + "const int*";
            String outType = (cuda() ? "" : out.qualifier + " ") + "float*";
            return device + "void " + name + "(" + packedType + " packed, const int squall_packed_length,"
                    + " const int squall_packed_id, int halfOffset, " + outType + " out, const int squall_out_length,"
                    + " const int squall_out_id, int outOffset, int n, " + errorParameter() + ") {\n"
                    + "    if (n <= 0) {\n        return;\n    }\n"
                    + "    int packedFits = squall_fits(halfOffset >> 1, (halfOffset + n - 1) >> 1, squall_packed_length,"
                    + " squall_packed_id, " + ERROR + ");\n"
                    + "    int outFits = squall_fits(outOffset, outOffset + n - 1, squall_out_length, squall_out_id, " + ERROR + ");\n"
                    + "    if (packedFits && outFits) {\n"
                    + "        " + fast + "(packed, halfOffset, out, outOffset, n);\n"
                    + "    }\n}\n";
        });
        return name;
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
