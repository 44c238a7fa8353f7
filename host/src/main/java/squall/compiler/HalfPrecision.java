package squall.compiler;

import squall.runtime.KernelTarget;

/**
 * C definitions of {@link Float#float16ToFloat} and {@link Float#floatToFloat16}, which kernels may
 * call: the JVM runs the JDK's own (an F16C instruction under C2), devices run these, emitted into a
 * program only when one of its functions calls them. Both are bit-exact with the JDK on x86: ties
 * round to even, and NaNs come out quiet with their sign and top payload bits. Unsigned arithmetic
 * throughout, since C leaves shifting into the sign bit undefined.
 *
 * <p>OpenCL widens with {@code vload_half}, the exact conversion every OpenCL implementation has, and
 * {@code KernelMath.widenHalves} with {@code vload_half8}, eight at a time: that halved PoCL's fp16 decode
 * step at Llama-3-8B MHA shapes. {@code HalfPrecisionTest} checks all 65,536 halves, one by one and in
 * runs from every alignment, against the JDK on every device present.
 */
final class HalfPrecision {

    static final String TO_FLOAT = "squall_half_to_float";
    static final String TO_HALF = "squall_float_to_half";
    /** {@code KernelMath.widenHalves}: a run of packed halves into floats. */
    static final String WIDEN_HALVES = "widenHalves";

    private HalfPrecision() {
    }

    /** The C function a call to {@code Float.name} becomes, or {@code null} if it is not one of these. */
    static String function(String name) {
        return switch (name) {
            case "float16ToFloat" -> TO_FLOAT;
            case "floatToFloat16" -> TO_HALF;
            default -> null;
        };
    }

    /** The definition of {@code function} for {@code target}. */
    static String definition(String function, KernelTarget target) {
        boolean cuda = target == KernelTarget.CUDA;
        String prefix = cuda ? "__device__ " : "";
        String toFloat = cuda ? "__uint_as_float" : "as_float";
        String toBits = cuda ? "__float_as_uint" : "as_uint";
        if (function.equals(TO_FLOAT) && !cuda) {
            // half pointers are legal without cl_khr_fp16 for exactly this: vload_half and vstore_half
            return "float " + TO_FLOAT + "(short value) {\n"
                    + "    return vload_half(0, (const half*) &value);\n"
                    + "}\n";
        }
        if (function.equals(TO_FLOAT)) {
            return prefix + "float " + TO_FLOAT + "(short value) {\n"
                    + "    unsigned int h = (unsigned int) value & 0xffffu;\n"
                    + "    unsigned int mantissa = h & 0x3ffu;\n"
                    + "    unsigned int exponent = h & 0x7c00u;\n"
                    + "    unsigned int normal = ((h & 0x7fffu) << 13) + (112u << 23);\n"
                    + "    unsigned int subnormal = " + toBits + "((float) mantissa * 5.9604645E-8f);\n"
                    + "    unsigned int special = 0x7f800000u | (mantissa == 0u ? 0u : 0x400000u | (mantissa << 13));\n"
                    + "    unsigned int magnitude = exponent == 0u ? subnormal : exponent == 0x7c00u ? special : normal;\n"
                    + "    return " + toFloat + "(((h & 0x8000u) << 16) | magnitude);\n"
                    + "}\n";
        }
        return prefix + "short " + TO_HALF + "(float value) {\n"
                + "    unsigned int bits = " + toBits + "(value);\n"
                + "    unsigned int sign = (bits >> 16) & 0x8000u;\n"
                + "    unsigned int exponent = (bits >> 23) & 0xffu;\n"
                + "    unsigned int mantissa = bits & 0x7fffffu;\n"
                + "    if (exponent == 0xffu) {\n"
                + "        return (short) (mantissa == 0u ? sign | 0x7c00u : sign | 0x7e00u | (mantissa >> 13));\n"
                + "    }\n"
                + "    int e = (int) exponent - 112;\n"
                + "    if (e >= 0x1f) {\n"
                + "        return (short) (sign | 0x7c00u);\n"
                + "    }\n"
                + "    if (e <= 0) {\n"
                + "        if (e < -10) {\n"
                + "            return (short) sign;\n"
                + "        }\n"
                + "        unsigned int significand = mantissa | 0x800000u;\n"
                + "        unsigned int shift = (unsigned int) (14 - e);\n"
                + "        unsigned int result = significand >> shift;\n"
                + "        unsigned int rest = significand & ((1u << shift) - 1u);\n"
                + "        unsigned int halfway = 1u << (shift - 1u);\n"
                + "        if (rest > halfway || (rest == halfway && (result & 1u) == 1u)) {\n"
                + "            result++;\n"
                + "        }\n"
                + "        return (short) (sign | result);\n"
                + "    }\n"
                + "    unsigned int result = ((unsigned int) e << 10) | (mantissa >> 13);\n"
                + "    unsigned int rest = mantissa & 0x1fffu;\n"
                + "    if (rest > 0x1000u || (rest == 0x1000u && (result & 1u) == 1u)) {\n"
                + "        result++;\n"
                + "    }\n"
                + "    return (short) (sign | result);\n"
                + "}\n";
    }

    /**
     * The C name of {@code KernelMath.widenHalves} reading from {@code packed} into {@code out}: OpenCL 1.2 has no
     * generic address space, so one version per pair of spaces ({@code _gp}: global into private); CUDA has one.
     */
    static String widenHalvesName(KernelTarget target, CSourcePrinter.Space packed, CSourcePrinter.Space out) {
        return target == KernelTarget.CUDA ? "squall_widen_halves" : "squall_widen_halves_" + packed.letter + out.letter;
    }

    /**
     * Its definition. OpenCL reads the ints as halves, which is the packing on a little-endian device (every GPU and
     * CPU OpenCL runs on today), and converts eight at a time with {@code vload_half8} from an eight-half boundary.
     * CUDA widens one at a time with {@link #TO_FLOAT}, which the caller defines too.
     */
    static String widenHalvesDefinition(KernelTarget target, CSourcePrinter.Space packed, CSourcePrinter.Space out) {
        String name = widenHalvesName(target, packed, out);
        if (target == KernelTarget.CUDA) {
            return "__device__ void " + name + "(const int* packed, int halfOffset, float* out, int outOffset, int n) {\n"
                    + "    for (int i = 0; i < n; i++) {\n"
                    + "        int h = halfOffset + i;\n"
                    + "        int word = packed[h >> 1];\n"
                    + "        out[outOffset + i] = " + TO_FLOAT + "((short) ((h & 1) == 0 ? word : (int) ((unsigned int) word >> 16)));\n"
                    + "    }\n"
                    + "}\n";
        }
        String halves = packed.qualifier + " const half*";
        return "void " + name + "(" + packed.qualifier + " const int* packed, int halfOffset, " + out.qualifier
                + " float* out, int outOffset, int n) {\n"
                + "    " + halves + " from = (" + halves + ") packed;\n"
                + "    int i = 0;\n"
                + "    if ((halfOffset & 7) == 0) {\n"
                + "        for (; i + 8 <= n; i += 8) {\n"
                + "            vstore8(vload_half8((halfOffset + i) >> 3, from), 0, out + outOffset + i);\n"
                + "        }\n"
                + "    }\n"
                + "    for (; i < n; i++) {\n"
                + "        out[outOffset + i] = vload_half(halfOffset + i, from);\n"
                + "    }\n"
                + "}\n";
    }
}
