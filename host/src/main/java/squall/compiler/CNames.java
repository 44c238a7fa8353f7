package squall.compiler;

import java.util.Set;

/** Names in generated C: Java identifiers that C, OpenCL C or CUDA C reserve get a trailing underscore. */
final class CNames {

    /** C and C++ keywords, OpenCL C and CUDA qualifiers and types, and built-ins a variable could shadow. */
    private static final Set<String> RESERVED = Set.of(
            // C and C++
            "auto", "bool", "char", "const", "enum", "extern", "goto", "inline", "register", "restrict", "signed",
            "sizeof", "struct", "typedef", "union", "unsigned", "volatile", "asm", "class", "delete", "explicit",
            "friend", "mutable", "namespace", "operator", "template", "typename", "using", "virtual", "export",
            "nullptr", "wchar_t", "constexpr", "decltype", "alignas", "alignof", "noexcept", "typeid", "main",
            // OpenCL C
            "kernel", "global", "local", "constant", "private", "read_only", "write_only", "read_write", "half",
            "uchar", "ushort", "uint", "ulong", "size_t", "ptrdiff_t", "intptr_t", "uintptr_t", "image2d_t",
            "image3d_t", "sampler_t", "event_t", "barrier", "mem_fence", "printf", "NULL", "INFINITY", "NAN",
            // CUDA
            "threadIdx", "blockIdx", "blockDim", "gridDim", "warpSize", "dim3",
            // math built-ins a variable name could shadow
            "max", "min", "abs", "exp", "log", "sqrt", "rsqrt", "pow", "fma", "mad", "fmax", "fmin", "fabs", "dot",
            "cross", "length", "distance", "normalize", "clamp", "mix", "sign", "step", "select", "sin", "cos",
            "tan", "floor", "ceil", "round", "trunc", "isnan", "isinf", "fmod", "exp2", "log2", "expf", "logf",
            "sqrtf", "fmaxf", "fminf", "fabsf", "fmaf");

    private CNames() {
    }

    static String safe(String javaName) {
        if (RESERVED.contains(javaName) || javaName.startsWith("get_") || javaName.startsWith("as_")
                || javaName.startsWith("convert_") || javaName.startsWith("atomic_") || javaName.startsWith("vload")
                || javaName.startsWith("vstore") || javaName.startsWith("__") || javaName.matches("(u?char|u?short|u?int|u?long|float|double|half|bool)(2|3|4|8|16)")) {
            return javaName + "_";
        }
        return javaName.replace("$", "_S_");
    }

    /** The preprocessor constant a {@code @Specialize} parameter becomes. */
    static String specialized(String javaName) {
        return squall.runtime.KernelDescriptor.define(javaName);
    }
}
