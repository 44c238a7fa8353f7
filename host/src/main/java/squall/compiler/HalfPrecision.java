package squall.compiler;

import squall.runtime.KernelTarget;

/**
 * C definitions of {@link Float#float16ToFloat} and {@link Float#floatToFloat16}, which kernels may
 * call: the JVM runs the JDK's own (an F16C instruction under C2), devices run these, emitted into a
 * program only when one of its functions calls them. Both are bit-exact with the JDK on x86: ties
 * round to even, and NaNs come out quiet with their sign and top payload bits. Unsigned arithmetic
 * throughout, since C leaves shifting into the sign bit undefined.
 *
 * <p>OpenCL widens with {@code vload_half}, the exact conversion every OpenCL implementation has: PoCL
 * decodes an fp16 cache about 9 % faster with it than with the integer version (Llama-3-8B decode, 8
 * layers, context 4096). {@code HalfPrecisionTest} checks all 65,536 halves against the JDK on every
 * device present, so an implementation that rounds NaN payloads its own way is caught there.
 */
final class HalfPrecision {

    static final String TO_FLOAT = "squall_half_to_float";
    static final String TO_HALF = "squall_float_to_half";

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
}
