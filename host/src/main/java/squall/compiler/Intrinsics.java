package squall.compiler;

import squall.runtime.Access;
import squall.runtime.KernelTarget;

import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.TypeElement;
import javax.lang.model.type.TypeKind;
import java.util.List;
import java.util.Set;

/**
 * The library functions kernels may call, and how OpenCL C and CUDA C spell them. OpenCL's
 * built-ins are overloaded by type ({@code exp(float)} is the float version); CUDA's float
 * versions carry an {@code f} suffix ({@code expf}).
 */
final class Intrinsics {

    /** {@link Math} functions of doubles: OpenCL and CUDA use the same name, CUDA adds 'f' for floats. */
    private static final Set<String> MATH_OF_DOUBLES = Set.of(
            "sqrt", "cbrt", "exp", "expm1", "log", "log10", "log1p", "pow", "sin", "cos", "tan", "asin", "acos",
            "atan", "atan2", "sinh", "cosh", "tanh", "floor", "ceil", "rint", "hypot");
    /** {@link Math} functions overloaded by type. */
    private static final Set<String> MATH_OVERLOADED = Set.of("abs", "max", "min", "fma");
    private static final Set<String> KERNEL_MATH = Set.of("exp", "log", "sqrt", "rsqrt", "max", "min", "abs", "fma",
            HalfPrecision.WIDEN_HALVES, "dot", "dotPacked", "axpy", "axpyPacked", "sumOf", "maxOf", "exponentiate",
            "dotRows", "axpyRows", "prefetch");
    private static final Set<String> FLOAT_BITS = Set.of("intBitsToFloat", "floatToRawIntBits", "floatToIntBits",
            "isNaN", "isInfinite", "float16ToFloat", "floatToFloat16");
    private static final Set<String> DOUBLE_BITS = Set.of("longBitsToDouble", "doubleToRawLongBits", "isNaN", "isInfinite");
    private static final Set<String> CONTEXT_METHODS = Set.of("localBarrier", "allocateFloatLocalArray", "allocateIntLocalArray");

    private Intrinsics() {
    }

    /**
     * What the library function {@code Owner.name} (as written, before types are known) does to its
     * {@code index}-th argument, an array: {@code KernelMath.widenHalves} writes its third, the order-free
     * operations read and write as {@link OrderFreeMath} says, everything else only reads.
     */
    static Access arrayArgumentAccess(String owner, String name, int index) {
        if ("KernelMath".equals(owner) && HalfPrecision.WIDEN_HALVES.equals(name)) {
            return index == 2 ? Access.WRITE : Access.READ;
        }
        if ("KernelMath".equals(owner) && OrderFreeMath.isOperation(name)) {
            return OrderFreeMath.arrayAccess(name, index);
        }
        return Access.READ;
    }

    static String owner(ExecutableElement m) {
        return ((TypeElement) m.getEnclosingElement()).getQualifiedName().toString();
    }

    static boolean supports(ExecutableElement m) {
        String name = m.getSimpleName().toString();
        return switch (owner(m)) {
            case "java.lang.Math", "java.lang.StrictMath" -> MATH_OF_DOUBLES.contains(name) || MATH_OVERLOADED.contains(name);
            case Names.KERNEL_MATH -> KERNEL_MATH.contains(name);
            case "java.lang.Float" -> FLOAT_BITS.contains(name);
            case "java.lang.Double" -> DOUBLE_BITS.contains(name);
            case Names.KERNEL_CONTEXT -> CONTEXT_METHODS.contains(name);
            default -> false;
        };
    }

    /** {@code true} for a {@link Math} function of doubles that has a float built-in. */
    static boolean hasFloatVersion(ExecutableElement m) {
        String owner = owner(m);
        return (owner.equals("java.lang.Math") || owner.equals("java.lang.StrictMath"))
                && MATH_OF_DOUBLES.contains(m.getSimpleName().toString());
    }

    /** The float built-in for {@code (float) Math.f(floats...)}. */
    static String floatVersion(KernelTarget target, ExecutableElement m, List<String> args) {
        String name = m.getSimpleName().toString();
        return (target == KernelTarget.CUDA ? name + "f" : name) + "(" + String.join(", ", args) + ")";
    }

    /** A call to a supported library function, with Java's argument types. */
    static String call(KernelTarget target, ExecutableElement m, List<String> args) {
        String name = m.getSimpleName().toString();
        boolean cuda = target == KernelTarget.CUDA;
        TypeKind type = m.getParameters().isEmpty() ? TypeKind.VOID : m.getParameters().getFirst().asType().getKind();
        String joined = String.join(", ", args);
        return switch (owner(m)) {
            case "java.lang.Math", "java.lang.StrictMath", Names.KERNEL_MATH -> {
                if (MATH_OF_DOUBLES.contains(name) || name.equals("rsqrt")) {
                    boolean isFloat = type == TypeKind.FLOAT;
                    yield (cuda && isFloat ? name + "f" : name) + "(" + joined + ")";
                }
                yield overloaded(name, type, cuda, joined);
            }
            case "java.lang.Float" -> switch (name) {
                case "intBitsToFloat" -> (cuda ? "__int_as_float(" : "as_float(") + joined + ")";
                case "floatToRawIntBits" -> (cuda ? "__float_as_int(" : "as_int(") + joined + ")";
                // Java collapses every NaN to 0x7fc00000 here.
                case "floatToIntBits" -> "(isnan(" + joined + ") ? 0x7fc00000 : " + (cuda ? "__float_as_int(" : "as_int(")
                        + joined + "))";
                case "isNaN" -> "isnan(" + joined + ")";
                case "float16ToFloat", "floatToFloat16" -> HalfPrecision.function(name) + "(" + joined + ")";
                default -> "isinf(" + joined + ")";
            };
            case "java.lang.Double" -> switch (name) {
                case "longBitsToDouble" -> (cuda ? "__longlong_as_double(" : "as_double(") + joined + ")";
                case "doubleToRawLongBits" -> (cuda ? "__double_as_longlong(" : "as_long(") + joined + ")";
                case "isNaN" -> "isnan(" + joined + ")";
                default -> "isinf(" + joined + ")";
            };
            default -> throw new IllegalArgumentException("not an intrinsic: " + owner(m) + "." + name);
        };
    }

    private static String overloaded(String name, TypeKind type, boolean cuda, String args) {
        boolean floating = type == TypeKind.FLOAT || type == TypeKind.DOUBLE;
        String suffix = cuda && type == TypeKind.FLOAT ? "f" : "";
        return switch (name) {
            case "fma" -> "fma" + suffix + "(" + args + ")";
            case "abs" -> floating ? "fabs" + suffix + "(" + args + ")"
                    // OpenCL's integer abs returns an unsigned type; Java's keeps the sign of MIN_VALUE.
                    : cuda ? (type == TypeKind.LONG ? "llabs(" : "abs(") + args + ")"
                    : "(" + (type == TypeKind.LONG ? "long" : "int") + ") abs(" + args + ")";
            default -> (floating ? "f" + name + suffix : name) + "(" + args + ")";
        };
    }
}
