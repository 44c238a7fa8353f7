package squall.compiler;

import squall.compiler.CSourcePrinter.Space;
import squall.runtime.Access;
import squall.runtime.KernelTarget;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * C for {@code KernelMath}'s order-free operations (see its class comment for what they compute and their error
 * bounds). OpenCL ({@link OrderFreeOpenCl}) gets vector loads ({@code vload8}, {@code vload_half8}, bf16 as shifted
 * shorts, int8 as {@code convert_float8} of chars; sixteen wide where the device compiler targets AVX-512) with
 * contraction allowed inside these functions only ({@code #pragma OPENCL FP_CONTRACT ON} in their bodies, so the
 * device compiler fuses {@code a * b + c} where it has an FMA), and sums reduced as a tree. CUDA
 * ({@link OrderFreeCuda}) gets plain loops on {@code fmaf}. A program defines only the
 * operations it calls, once per combination of address spaces of their arrays (OpenCL 1.2 has no generic address
 * space), each after what it calls.
 */
final class OrderFreeMath {

    /**
     * One operation: which of its arguments are arrays and what it does to each, in argument order, and which of
     * those arrays (counted among the arrays) holds packed stored values, -1 for none.
     */
    private record Operation(Map<Integer, Access> arrays, String cName, int packedArray) {
    }

    private static final Map<String, Operation> OPERATIONS = new LinkedHashMap<>();

    static {
        add("dot", "squall_dot", -1, 0, Access.READ, 2, Access.READ);
        add("dotPacked", "squall_dot_packed", 1, 0, Access.READ, 2, Access.READ);
        add("axpy", "squall_axpy", -1, 1, Access.READ, 3, Access.READ_WRITE);
        add("axpyPacked", "squall_axpy_packed", 0, 1, Access.READ, 4, Access.READ_WRITE);
        add("sumOf", "squall_sum_of", -1, 0, Access.READ);
        add("maxOf", "squall_max_of", -1, 0, Access.READ);
        add("exponentiate", "squall_exponentiate", -1, 0, Access.READ_WRITE);
        add("dotRows", "squall_dot_rows", 1, 0, Access.READ, 3, Access.READ, 8, Access.WRITE);
        add("axpyRows", "squall_axpy_rows", 1, 0, Access.READ, 4, Access.READ, 9, Access.READ_WRITE);
        add("prefetch", "squall_prefetch_rows", 0, 0, Access.READ);
    }

    /** {@code arrays}: pairs of (argument position, access). */
    private static void add(String name, String cName, int packedArray, Object... arrays) {
        Map<Integer, Access> m = new LinkedHashMap<>();
        for (int i = 0; i < arrays.length; i += 2) {
            m.put((Integer) arrays[i], (Access) arrays[i + 1]);
        }
        OPERATIONS.put(name, new Operation(m, cName, packedArray));
    }

    private OrderFreeMath() {
    }

    static boolean isOperation(String name) {
        return OPERATIONS.containsKey(name);
    }

    /** Whether {@code name} reads stored values (and so, on CUDA, needs {@link HalfPrecision#TO_FLOAT}). */
    static boolean readsPacked(String name) {
        return OPERATIONS.get(name).packedArray() >= 0;
    }

    /** What {@code KernelMath.name} does to its {@code index}-th argument, an array. */
    static Access arrayAccess(String name, int index) {
        Operation op = OPERATIONS.get(name);
        return op == null ? null : op.arrays().getOrDefault(index, Access.NONE);
    }

    /** The argument positions of {@code name}'s arrays, in order. */
    static List<Integer> arrayPositions(String name) {
        return List.copyOf(OPERATIONS.get(name).arrays().keySet());
    }

    /** The C name of {@code name} for arrays in {@code spaces} (ignored on CUDA). */
    static String cName(String name, KernelTarget target, List<Space> spaces) {
        String base = OPERATIONS.get(name).cName();
        return target == KernelTarget.CUDA ? base : base + "_" + letters(spaces);
    }

    private static String letters(List<Space> spaces) {
        StringBuilder b = new StringBuilder();
        spaces.forEach(s -> b.append(s.letter));
        return b.toString();
    }

    /**
     * Adds to {@code functions} (C name to definition, in definition order) {@code name}'s definition for arrays in
     * {@code spaces} and everything it calls, each once. On CUDA the caller also defines
     * {@link HalfPrecision#TO_FLOAT}.
     */
    static void define(String name, KernelTarget target, List<Space> spaces, Map<String, String> functions) {
        boolean cuda = target == KernelTarget.CUDA;
        List<String> qualifiers = spaces.stream().map(s -> cuda ? "" : s.qualifier + " ").toList();
        if (!cuda) {
            functions.computeIfAbsent("squall_vectors", f -> OrderFreeOpenCl.VECTORS);
        }
        int packed = OPERATIONS.get(name).packedArray();
        if (packed >= 0) {
            // The loads of stored values, for the packed array's address space.
            String suffix = cuda ? "" : "_" + spaces.get(packed).letter;
            String q = qualifiers.get(packed);
            functions.computeIfAbsent("squall_load1" + suffix,
                    f -> cuda ? OrderFreeCuda.load1() : OrderFreeOpenCl.load1(suffix, q));
            if (!cuda) {
                functions.computeIfAbsent("squall_loadv" + suffix, f -> OrderFreeOpenCl.loadVector(suffix, q));
                functions.computeIfAbsent("squall_prefetch" + suffix, f -> OrderFreeOpenCl.prefetch(suffix, q));
            }
        }
        String c = cName(name, target, spaces);
        functions.computeIfAbsent(c,
                f -> cuda ? OrderFreeCuda.definition(name, c, spaces) : OrderFreeOpenCl.definition(name, c, spaces));
    }

    // ---------------------------------------------------------------- the bounds-checked build

    /**
     * One operation's checked wrapper: its result type (and what it gives back when an array does not fit), its C
     * parameters ({@code $i}: the i-th array's qualifier), and for each array the first and last element it touches
     * (as C over the parameters; {@code W(i)} is the int holding stored element {@code i}) and when it touches any.
     */
    private record Checked(String result, String failed, List<String> params, List<String[]> spans) {
    }

    private static final Map<String, Checked> CHECKED = new LinkedHashMap<>();

    static {
        checked("dot", "float", "0.0f", List.of("$0const float* a", "int aOffset", "$1const float* b", "int bOffset", "int n"),
                span("n > 0", "aOffset", "aOffset + n - 1"), span("n > 0", "bOffset", "bOffset + n - 1"));
        checked("dotPacked", "float", "0.0f",
                List.of("$0const float* a", "int aOffset", "$1const int* packed", "int offset", "int format", "int n"),
                span("n > 0", "aOffset", "aOffset + n - 1"), span("n > 0", "W(offset)", "W(offset + n - 1)"));
        checked("axpy", "void", "", List.of("float alpha", "$0const float* x", "int xOffset", "$1float* y", "int yOffset", "int n"),
                span("n > 0", "xOffset", "xOffset + n - 1"), span("n > 0", "yOffset", "yOffset + n - 1"));
        checked("axpyPacked", "void", "",
                List.of("float alpha", "$0const int* packed", "int offset", "int format", "$1float* y", "int yOffset", "int n"),
                span("n > 0", "W(offset)", "W(offset + n - 1)"), span("n > 0", "yOffset", "yOffset + n - 1"));
        checked("sumOf", "float", "0.0f", List.of("$0const float* x", "int offset", "int n"),
                span("n > 0", "offset", "offset + n - 1"));
        checked("maxOf", "float", "0.0f", List.of("$0const float* x", "int offset", "int n"),
                span("n > 0", "offset", "offset + n - 1"));
        checked("exponentiate", "float", "0.0f", List.of("$0float* x", "int offset", "int n", "float shift"),
                span("n > 0", "offset", "offset + n - 1"));
        checked("dotRows", "void", "", List.of("$0const float* a", "int aOffset", "int rows", "$1const int* packed",
                        "int offset", "int format", "int cols", "int n", "$2float* out", "int outOffset", "int outStride"),
                span("rows > 0 && n > 0", "aOffset", "aOffset + rows * n - 1"),
                span("cols > 0 && n > 0", "W(offset)", "W(offset + cols * n - 1)"),
                span("rows > 0 && cols > 0", "outOffset", "outOffset + (rows - 1) * outStride + cols - 1"));
        checked("axpyRows", "void", "", List.of("$0const float* p", "int pOffset", "int pStride", "int rows",
                        "$1const int* packed", "int offset", "int format", "int cols", "int n", "$2float* y", "int yOffset"),
                span("rows > 0 && cols > 0", "pOffset", "pOffset + (rows - 1) * pStride + cols - 1"),
                span("cols > 0 && n > 0", "W(offset)", "W(offset + cols * n - 1)"),
                span("rows > 0 && n > 0", "yOffset", "yOffset + rows * n - 1"));
        // a prefetch never faults and reads nothing: its stretch is never checked ("0"), the wrapper takes the
        // array's length and number as every checked call passes them
        checked("prefetch", "void", "", List.of("$0const int* packed", "int offset", "int format", "int n"),
                span("0", "W(offset)", "W(offset + n - 1)"));
        checked(HalfPrecision.WIDEN_HALVES, "void", "",
                List.of("$0const int* packed", "int halfOffset", "$1float* out", "int outOffset", "int n"),
                span("n > 0", "halfOffset >> 1", "(halfOffset + n - 1) >> 1"), span("n > 0", "outOffset", "outOffset + n - 1"));
    }

    private static String[] span(String when, String first, String last) {
        return new String[] {when, first, last};
    }

    private static void checked(String name, String result, String failed, List<String> params, String[]... spans) {
        CHECKED.put(name, new Checked(result, failed, params, List.of(spans)));
    }

    /**
     * The bounds-checked build's wrapper of library function {@code name} (an operation here, or
     * {@code widenHalves}), whose plain version is {@code fast}: it takes the plain arguments, then each array's
     * length and number, then the error record; checks the whole stretch of each array the call would touch
     * ({@code squall_fits}, which records the first that does not fit) and calls {@code fast} only if all fit.
     */
    static String checkedDefinition(String name, KernelTarget target, List<Space> spaces, String fast, String wrapper,
                                    String errorParameter) {
        boolean cuda = target == KernelTarget.CUDA;
        Checked c = CHECKED.get(name);
        List<String> params = new java.util.ArrayList<>();
        List<String> args = new java.util.ArrayList<>();
        for (String p : c.params()) {
            String declared = p;
            for (int i = 0; i < spaces.size(); i++) {
                declared = declared.replace("$" + i, cuda ? "" : spaces.get(i).qualifier + " ");
            }
            params.add(declared);
            args.add(declared.substring(declared.lastIndexOf(' ') + 1).replace("*", ""));
        }
        StringBuilder checks = new StringBuilder();
        for (int i = 0; i < c.spans().size(); i++) {
            String[] span = c.spans().get(i);
            params.add("const int squall_array" + i + "_length");
            params.add("const int squall_array" + i + "_id");
            checks.append(i == 0 ? "" : "\n            && ").append("(!(").append(span[0]).append(") || squall_fits(")
                    .append(words(span[1])).append(", ").append(words(span[2])).append(", squall_array").append(i)
                    .append("_length, squall_array").append(i).append("_id, ").append(BoundsCheckPrinter.ERROR).append("))");
        }
        params.add(errorParameter);
        String call = fast + "(" + String.join(", ", args) + ")";
        boolean returns = !c.result().equals("void");
        return (cuda ? "__device__ " : "") + "inline " + c.result() + " " + wrapper + "(" + String.join(", ", params) + ") {\n"
                + "    if (" + checks + ") {\n"
                + "        " + (returns ? "return " : "") + call + ";\n"
                + "    }\n"
                + (returns ? "    return " + c.failed() + ";\n" : "")
                + "}\n";
    }

    /** {@code W(i)}, the int that holds stored element {@code i}, written out. */
    private static String words(String expression) {
        return expression.replaceAll("W\\((.*)\\)", "(format == 0 ? ($1) : format == 3 ? ($1) >> 2 : ($1) >> 1)");
    }

}
