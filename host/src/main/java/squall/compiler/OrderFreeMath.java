package squall.compiler;

import squall.compiler.CSourcePrinter.Space;
import squall.runtime.Access;
import squall.runtime.KernelTarget;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * C for {@code KernelMath}'s order-free operations (see its class comment for what they compute and their error
 * bounds). OpenCL gets eight-wide loads ({@code vload8}, {@code vload_half8}, bf16 as shifted shorts) with
 * contraction allowed inside these functions only ({@code #pragma OPENCL FP_CONTRACT ON} in their bodies, so
 * the device compiler fuses {@code a * b + c} where it has an FMA), and sums reduced as a tree. CUDA gets plain
 * loops on {@code fmaf}. A program defines only the operations it calls, once per combination of address spaces
 * of their arrays (OpenCL 1.2 has no generic address space), each after what it calls.
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
            functions.computeIfAbsent("squall_sum8", f -> SUM8);
        }
        int packed = OPERATIONS.get(name).packedArray();
        if (packed >= 0) {
            // The loads of stored values, for the packed array's address space.
            String suffix = cuda ? "" : "_" + spaces.get(packed).letter;
            String q = qualifiers.get(packed);
            functions.computeIfAbsent("squall_load1" + suffix, f -> load1(cuda, suffix, q));
            if (!cuda) {
                functions.computeIfAbsent("squall_load8" + suffix, f -> load8(suffix, q));
            }
        }
        String c = cName(name, target, spaces);
        functions.computeIfAbsent(c, f -> cuda ? Cuda.definition(name, c, spaces) : OpenCl.definition(name, c, spaces));
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
        return expression.replaceAll("W\\((.*)\\)", "(format == 0 ? ($1) : ($1) >> 1)");
    }

    // ---------------------------------------------------------------- pieces

    private static final String SUM8 = """
            inline float squall_sum8(float8 v) {
                float4 h = v.lo + v.hi;
                float2 q = h.lo + h.hi;
                return q.x + q.y;
            }
            """;

    /** One stored value (OpenCL: of a pointer in one address space). */
    private static String load1(boolean cuda, String suffix, String q) {
        if (cuda) {
            return "__device__ inline float squall_load1(const int* p, int i, int format) {\n"
                    + "    if (format == 0) {\n        return __int_as_float(p[i]);\n    }\n"
                    + "    unsigned int bits = ((const unsigned short*) p)[i];\n"
                    + "    return format == 2 ? __uint_as_float(bits << 16) : " + HalfPrecision.TO_FLOAT + "((short) bits);\n"
                    + "}\n";
        }
        return "inline float squall_load1" + suffix + "(" + q + "const int* p, int i, int format) {\n"
                + "    if (format == 0) {\n        return as_float(p[i]);\n    }\n"
                + "    if (format == 1) {\n        return vload_half(i, (" + q + "const half*) p);\n    }\n"
                + "    return as_float(((uint) ((" + q + "const ushort*) p)[i]) << 16);\n"
                + "}\n";
    }

    /** Eight stored values from element {@code i} (OpenCL). */
    private static String load8(String suffix, String q) {
        return "inline float8 squall_load8" + suffix + "(" + q + "const int* p, int i, int format) {\n"
                + "    if (format == 0) {\n        return vload8(0, (" + q + "const float*) p + i);\n    }\n"
                + "    if (format == 1) {\n        return vload_half8(0, (" + q + "const half*) p + i);\n    }\n"
                + "    return as_float8(convert_uint8(vload8(0, (" + q + "const ushort*) p + i)) << 16);\n"
                + "}\n";
    }

    /** OpenCL definitions. {@code $0, $1, $2}: the address-space qualifiers of the arrays; {@code $L}: the load suffix. */
    private static final class OpenCl {

        static String definition(String name, String c, List<Space> spaces) {
            String template = switch (name) {
                case "dot" -> """
                        inline float NAME($0const float* a, int aOffset, $1const float* b, int bOffset, int n) {
                            #pragma OPENCL FP_CONTRACT ON
                            float8 s = (float8) (0.0f);
                            int i = 0;
                            for (; i + 8 <= n; i += 8) {
                                s = vload8(0, a + aOffset + i) * vload8(0, b + bOffset + i) + s;
                            }
                            float sum = squall_sum8(s);
                            for (; i < n; i++) {
                                sum = a[aOffset + i] * b[bOffset + i] + sum;
                            }
                            return sum;
                        }
                        """;
                case "dotPacked" -> """
                        inline float NAME($0const float* a, int aOffset, $1const int* packed, int offset, int format, int n) {
                            #pragma OPENCL FP_CONTRACT ON
                            float8 s = (float8) (0.0f);
                            int i = 0;
                            for (; i + 8 <= n; i += 8) {
                                s = vload8(0, a + aOffset + i) * squall_load8_L1(packed, offset + i, format) + s;
                            }
                            float sum = squall_sum8(s);
                            for (; i < n; i++) {
                                sum = a[aOffset + i] * squall_load1_L1(packed, offset + i, format) + sum;
                            }
                            return sum;
                        }
                        """;
                case "axpy" -> """
                        inline void NAME(float alpha, $0const float* x, int xOffset, $1float* y, int yOffset, int n) {
                            #pragma OPENCL FP_CONTRACT ON
                            int i = 0;
                            for (; i + 8 <= n; i += 8) {
                                vstore8(alpha * vload8(0, x + xOffset + i) + vload8(0, y + yOffset + i), 0, y + yOffset + i);
                            }
                            for (; i < n; i++) {
                                y[yOffset + i] = alpha * x[xOffset + i] + y[yOffset + i];
                            }
                        }
                        """;
                case "axpyPacked" -> """
                        inline void NAME(float alpha, $0const int* packed, int offset, int format, $1float* y, int yOffset, int n) {
                            #pragma OPENCL FP_CONTRACT ON
                            int i = 0;
                            for (; i + 8 <= n; i += 8) {
                                vstore8(alpha * squall_load8_L0(packed, offset + i, format) + vload8(0, y + yOffset + i), 0,
                                        y + yOffset + i);
                            }
                            for (; i < n; i++) {
                                y[yOffset + i] = alpha * squall_load1_L0(packed, offset + i, format) + y[yOffset + i];
                            }
                        }
                        """;
                case "sumOf" -> """
                        inline float NAME($0const float* x, int offset, int n) {
                            float8 s = (float8) (0.0f);
                            int i = 0;
                            for (; i + 8 <= n; i += 8) {
                                s += vload8(0, x + offset + i);
                            }
                            float sum = squall_sum8(s);
                            for (; i < n; i++) {
                                sum += x[offset + i];
                            }
                            return sum;
                        }
                        """;
                case "maxOf" -> """
                        inline float NAME($0const float* x, int offset, int n) {
                            float8 m = (float8) (-INFINITY);
                            int i = 0;
                            for (; i + 8 <= n; i += 8) {
                                m = fmax(m, vload8(0, x + offset + i));
                            }
                            float4 h = fmax(m.lo, m.hi);
                            float2 q = fmax(h.lo, h.hi);
                            float max = fmax(q.x, q.y);
                            for (; i < n; i++) {
                                max = fmax(max, x[offset + i]);
                            }
                            return max;
                        }
                        """;
                case "exponentiate" -> """
                        inline float NAME($0float* x, int offset, int n, float shift) {
                            float8 s = (float8) (0.0f);
                            int i = 0;
                            for (; i + 8 <= n; i += 8) {
                                float8 e = exp(vload8(0, x + offset + i) - shift);
                                vstore8(e, 0, x + offset + i);
                                s += e;
                            }
                            float sum = squall_sum8(s);
                            for (; i < n; i++) {
                                float e = exp(x[offset + i] - shift);
                                x[offset + i] = e;
                                sum += e;
                            }
                            return sum;
                        }
                        """;
                case "dotRows" -> """
                        inline void NAME($0const float* a, int aOffset, int rows, $1const int* packed, int offset, int format,
                                int cols, int n, $2float* out, int outOffset, int outStride) {
                            #pragma OPENCL FP_CONTRACT ON
                            for (int j = 0; j < cols; j++) {
                                int x = offset + j * n;
                                int r = 0;
                                for (; r + 4 <= rows; r += 4) {
                                    int a0 = aOffset + r * n;
                                    float8 s0 = (float8) (0.0f), s1 = s0, s2 = s0, s3 = s0;
                                    int d = 0;
                                    for (; d + 8 <= n; d += 8) {
                                        float8 k = squall_load8_L1(packed, x + d, format);
                                        s0 = vload8(0, a + a0 + d) * k + s0;
                                        s1 = vload8(0, a + a0 + n + d) * k + s1;
                                        s2 = vload8(0, a + a0 + 2 * n + d) * k + s2;
                                        s3 = vload8(0, a + a0 + 3 * n + d) * k + s3;
                                    }
                                    float t0 = squall_sum8(s0), t1 = squall_sum8(s1), t2 = squall_sum8(s2), t3 = squall_sum8(s3);
                                    for (; d < n; d++) {
                                        float k = squall_load1_L1(packed, x + d, format);
                                        t0 = a[a0 + d] * k + t0;
                                        t1 = a[a0 + n + d] * k + t1;
                                        t2 = a[a0 + 2 * n + d] * k + t2;
                                        t3 = a[a0 + 3 * n + d] * k + t3;
                                    }
                                    int o = outOffset + r * outStride + j;
                                    out[o] = t0;
                                    out[o + outStride] = t1;
                                    out[o + 2 * outStride] = t2;
                                    out[o + 3 * outStride] = t3;
                                }
                                for (; r < rows; r++) {
                                    int a0 = aOffset + r * n;
                                    float8 s = (float8) (0.0f);
                                    int d = 0;
                                    for (; d + 8 <= n; d += 8) {
                                        s = vload8(0, a + a0 + d) * squall_load8_L1(packed, x + d, format) + s;
                                    }
                                    float t = squall_sum8(s);
                                    for (; d < n; d++) {
                                        t = a[a0 + d] * squall_load1_L1(packed, x + d, format) + t;
                                    }
                                    out[outOffset + r * outStride + j] = t;
                                }
                            }
                        }
                        """;
                case "axpyRows" -> """
                        inline void NAME($0const float* p, int pOffset, int pStride, int rows, $1const int* packed, int offset,
                                int format, int cols, int n, $2float* y, int yOffset) {
                            #pragma OPENCL FP_CONTRACT ON
                            int r = 0;
                            for (; r + 4 <= rows; r += 4) {
                                int y0 = yOffset + r * n;
                                int w = pOffset + r * pStride;
                                int d = 0;
                                for (; d + 8 <= n; d += 8) {
                                    float8 t0 = vload8(0, y + y0 + d), t1 = vload8(0, y + y0 + n + d);
                                    float8 t2 = vload8(0, y + y0 + 2 * n + d), t3 = vload8(0, y + y0 + 3 * n + d);
                                    for (int j = 0; j < cols; j++) {
                                        float8 v = squall_load8_L1(packed, offset + j * n + d, format);
                                        t0 = p[w + j] * v + t0;
                                        t1 = p[w + pStride + j] * v + t1;
                                        t2 = p[w + 2 * pStride + j] * v + t2;
                                        t3 = p[w + 3 * pStride + j] * v + t3;
                                    }
                                    vstore8(t0, 0, y + y0 + d);
                                    vstore8(t1, 0, y + y0 + n + d);
                                    vstore8(t2, 0, y + y0 + 2 * n + d);
                                    vstore8(t3, 0, y + y0 + 3 * n + d);
                                }
                                for (; d < n; d++) {
                                    for (int i = 0; i < 4; i++) {
                                        float t = y[y0 + i * n + d];
                                        for (int j = 0; j < cols; j++) {
                                            t = p[w + i * pStride + j] * squall_load1_L1(packed, offset + j * n + d, format) + t;
                                        }
                                        y[y0 + i * n + d] = t;
                                    }
                                }
                            }
                            for (; r < rows; r++) {
                                int y0 = yOffset + r * n;
                                int w = pOffset + r * pStride;
                                int d = 0;
                                for (; d + 8 <= n; d += 8) {
                                    float8 t = vload8(0, y + y0 + d);
                                    for (int j = 0; j < cols; j++) {
                                        t = p[w + j] * squall_load8_L1(packed, offset + j * n + d, format) + t;
                                    }
                                    vstore8(t, 0, y + y0 + d);
                                }
                                for (; d < n; d++) {
                                    float t = y[y0 + d];
                                    for (int j = 0; j < cols; j++) {
                                        t = p[w + j] * squall_load1_L1(packed, offset + j * n + d, format) + t;
                                    }
                                    y[y0 + d] = t;
                                }
                            }
                        }
                        """;
                default -> throw new IllegalArgumentException(name);
            };
            String text = template.replace("NAME", c);
            for (int i = 0; i < spaces.size(); i++) {
                text = text.replace("$" + i, spaces.get(i).qualifier + " ").replace("_L" + i + "(", "_" + spaces.get(i).letter + "(");
            }
            return text;
        }
    }

    /** CUDA definitions: one version each, loops on fmaf. */
    private static final class Cuda {

        /**
         * Loops are unrolled four times at most: with the head dim a compile-time constant, nvcc would unroll them
         * fully and run out of registers in kernels that call several of these.
         */
        static String definition(String name, String c, List<Space> spaces) {
            String template = switch (name) {
                case "dot" -> """
                        __device__ inline float NAME(const float* a, int aOffset, const float* b, int bOffset, int n) {
                            float sum = 0.0f;
                            #pragma unroll 4
                            for (int i = 0; i < n; i++) {
                                sum = fmaf(a[aOffset + i], b[bOffset + i], sum);
                            }
                            return sum;
                        }
                        """;
                case "dotPacked" -> """
                        __device__ inline float NAME(const float* a, int aOffset, const int* packed, int offset, int format, int n) {
                            float sum = 0.0f;
                            #pragma unroll 4
                            for (int i = 0; i < n; i++) {
                                sum = fmaf(a[aOffset + i], squall_load1(packed, offset + i, format), sum);
                            }
                            return sum;
                        }
                        """;
                case "axpy" -> """
                        __device__ inline void NAME(float alpha, const float* x, int xOffset, float* y, int yOffset, int n) {
                            #pragma unroll 4
                            for (int i = 0; i < n; i++) {
                                y[yOffset + i] = fmaf(alpha, x[xOffset + i], y[yOffset + i]);
                            }
                        }
                        """;
                case "axpyPacked" -> """
                        __device__ inline void NAME(float alpha, const int* packed, int offset, int format, float* y, int yOffset, int n) {
                            #pragma unroll 4
                            for (int i = 0; i < n; i++) {
                                y[yOffset + i] = fmaf(alpha, squall_load1(packed, offset + i, format), y[yOffset + i]);
                            }
                        }
                        """;
                case "sumOf" -> """
                        __device__ inline float NAME(const float* x, int offset, int n) {
                            float sum = 0.0f;
                            #pragma unroll 4
                            for (int i = 0; i < n; i++) {
                                sum += x[offset + i];
                            }
                            return sum;
                        }
                        """;
                case "maxOf" -> """
                        __device__ inline float NAME(const float* x, int offset, int n) {
                            float max = __int_as_float(0xff800000);
                            #pragma unroll 4
                            for (int i = 0; i < n; i++) {
                                max = fmaxf(max, x[offset + i]);
                            }
                            return max;
                        }
                        """;
                case "exponentiate" -> """
                        __device__ inline float NAME(float* x, int offset, int n, float shift) {
                            float sum = 0.0f;
                            #pragma unroll 4
                            for (int i = 0; i < n; i++) {
                                float e = expf(x[offset + i] - shift);
                                x[offset + i] = e;
                                sum += e;
                            }
                            return sum;
                        }
                        """;
                case "dotRows" -> """
                        __device__ inline void NAME(const float* a, int aOffset, int rows, const int* packed, int offset, int format,
                                int cols, int n, float* out, int outOffset, int outStride) {
                            #pragma unroll 4
                            for (int r = 0; r < rows; r++) {
                                #pragma unroll 4
                                for (int j = 0; j < cols; j++) {
                                    float sum = 0.0f;
                                    #pragma unroll 4
                                    for (int d = 0; d < n; d++) {
                                        sum = fmaf(a[aOffset + r * n + d], squall_load1(packed, offset + j * n + d, format), sum);
                                    }
                                    out[outOffset + r * outStride + j] = sum;
                                }
                            }
                        }
                        """;
                case "axpyRows" -> """
                        __device__ inline void NAME(const float* p, int pOffset, int pStride, int rows, const int* packed, int offset,
                                int format, int cols, int n, float* y, int yOffset) {
                            #pragma unroll 4
                            for (int r = 0; r < rows; r++) {
                                #pragma unroll 4
                                for (int d = 0; d < n; d++) {
                                    float t = y[yOffset + r * n + d];
                                    #pragma unroll 4
                                    for (int j = 0; j < cols; j++) {
                                        t = fmaf(p[pOffset + r * pStride + j], squall_load1(packed, offset + j * n + d, format), t);
                                    }
                                    y[yOffset + r * n + d] = t;
                                }
                            }
                        }
                        """;
                default -> throw new IllegalArgumentException(name);
            };
            return template.replace("NAME", c);
        }
    }
}
