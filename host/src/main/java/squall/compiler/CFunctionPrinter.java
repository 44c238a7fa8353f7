package squall.compiler;

import com.sun.source.tree.BinaryTree;
import com.sun.source.tree.BlockTree;
import com.sun.source.tree.ContinueTree;
import com.sun.source.tree.ExpressionTree;
import com.sun.source.tree.ForLoopTree;
import com.sun.source.tree.IdentifierTree;
import com.sun.source.tree.LiteralTree;
import com.sun.source.tree.MemberSelectTree;
import com.sun.source.tree.MethodInvocationTree;
import com.sun.source.tree.MethodTree;
import com.sun.source.tree.NewArrayTree;
import com.sun.source.tree.ParenthesizedTree;
import com.sun.source.tree.StatementTree;
import com.sun.source.tree.Tree;
import com.sun.source.tree.TypeCastTree;
import com.sun.source.tree.VariableTree;
import com.sun.source.util.TreePath;
import squall.compiler.CSourcePrinter.HelperVersion;
import squall.compiler.CSourcePrinter.Space;
import squall.runtime.KernelTarget;
import squall.runtime.ParamType;

import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.type.ArrayType;
import javax.lang.model.type.TypeKind;
import javax.lang.model.type.TypeMirror;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Prints one function (the kernel or a helper) in OpenCL C or CUDA C, using javac's types.
 *
 * <p>A kernel's C parameters are, in order: its Java parameters without the context and without
 * {@code @Specialize} parameters (those are {@code SQUALL_name} constants); then {@code int
 * name_length} for each array whose length it reads; then one entry per local array ({@code __local}
 * pointer in OpenCL, {@code int name_offset} into dynamic shared memory in CUDA). Devices pass
 * arguments in the same order.
 */
final class CFunctionPrinter extends KernelPrinter {

    record Printed(String prototype, String definition) {
    }

    private final CSourcePrinter program;
    private final KernelTarget target;
    private final boolean cuda;
    /** The kernel, when printing it; {@code null} for helpers. */
    private final KernelModel kernel;
    /** Address space of each array variable in scope (OpenCL). */
    private final Map<String, Space> arraySpaces = new HashMap<>();
    /** The function being printed. */
    private final MethodTree method;
    /** The bounds-checked build's additions, or {@code null}. */
    private final BoundsCheckPrinter checks;

    private CFunctionPrinter(CSourcePrinter program, TreePath root, KernelModel kernel) {
        super(root);
        this.program = program;
        this.target = program.target;
        this.cuda = target == KernelTarget.CUDA;
        this.kernel = kernel;
        this.method = (MethodTree) root.getLeaf();
        this.checks = program.checks;
    }

    static String printKernel(CSourcePrinter program, TreePath kernelPath) {
        KernelModel k = program.kernel;
        CFunctionPrinter p = new CFunctionPrinter(program, kernelPath, k);
        List<String> params = new ArrayList<>();
        for (KernelModel.Param param : k.params) {
            if (param.type() == ParamType.KERNEL_CONTEXT || param.specialized()) {
                continue;
            }
            if (param.type().isArray()) {
                p.arraySpaces.put(param.name(), Space.GLOBAL);
                params.add(p.arrayParam(Space.GLOBAL, p.element(param.type()), k.access.get(param.name()).writes(), param.name()));
            } else {
                params.add(p.scalarParam(param.type()) + " " + CNames.safe(param.name()));
            }
        }
        for (String array : k.lengthUsed) {
            params.add("const int " + CNames.safe(array) + "_length");
        }
        for (KernelModel.LocalAlloc local : k.localArrays) {
            p.arraySpaces.put(local.name(), Space.LOCAL);
            params.add(p.cuda ? "const int " + CNames.safe(local.name()) + "_offset"
                    : "__local " + p.element(local.element()) + "* " + CNames.safe(local.name()));
        }
        if (p.checks != null) {
            params.addAll(p.checks.kernelParameters());
        }
        String head = (p.cuda ? "extern \"C\" __global__ void " : "__kernel void ") + CNames.safe(k.name);
        p.line(head + "(" + String.join(", ", params) + ") {");
        p.indented(() -> {
            if (p.checks != null) {
                p.checks.kernelPrologue().forEach(p::line);
            }
            if (p.cuda && !k.localArrays.isEmpty()) {
                p.line("extern __shared__ __align__(16) unsigned char squall_shared[];");
            }
            p.statements(k.method.getBody().getStatements());
        });
        p.line("}");
        return p.text();
    }

    static Printed printHelper(CSourcePrinter program, HelperVersion version, String name) {
        ExecutableElement method = version.method();
        MethodTree tree = program.tree(method);
        CFunctionPrinter p = new CFunctionPrinter(program, program.trees.getPath(method), null);
        Set<String> arrays = new LinkedHashSet<>();
        tree.getParameters().stream().filter(v -> v.getType().getKind() == Tree.Kind.ARRAY_TYPE)
                .forEach(v -> arrays.add(v.getName().toString()));
        KernelModel.ArrayUse use = program.kernels.helpers.arrayUse(tree, arrays, Problems.silent(program.trees, program.kernels.unit));
        List<String> params = new ArrayList<>();
        int arrayIndex = 0;
        for (VariableElement param : method.getParameters()) {
            String paramName = param.getSimpleName().toString();
            if (param.asType().getKind() == TypeKind.ARRAY) {
                // CUDA helpers have one version (no spaces): their pointers are generic.
                Space space = version.spaces().isEmpty() ? Space.GLOBAL : version.spaces().get(arrayIndex++);
                p.arraySpaces.put(paramName, space);
                params.add(p.arrayParam(space, p.type(((ArrayType) param.asType()).getComponentType()),
                        use.access().get(paramName).writes(), paramName));
                if (p.checks != null) {
                    params.addAll(p.checks.helperArrayParameters(paramName));
                }
            } else {
                params.add(p.type(param.asType()) + " " + CNames.safe(paramName));
            }
        }
        if (p.checks != null) {
            params.add(p.checks.helperErrorParameter());
        }
        String signature = (p.cuda ? "__device__ " : "") + p.type(method.getReturnType()) + " " + name
                + "(" + String.join(", ", params) + ")";
        p.line(signature + " {");
        p.indented(() -> p.statements(tree.getBody().getStatements()));
        p.line("}");
        return new Printed(signature, p.text());
    }

    // ---------------------------------------------------------------- types

    private String arrayParam(Space space, String element, boolean written, String name) {
        String constness = written ? "" : "const ";
        return (cuda ? "" : space.qualifier + " ") + constness + element + "* " + CNames.safe(name);
    }

    private String scalarParam(ParamType type) {
        return type == ParamType.BOOLEAN ? "const int" : "const " + scalar(type);
    }

    private String element(ParamType arrayOrElement) {
        return switch (arrayOrElement) {
            case BYTE_ARRAY, BYTE -> scalar(ParamType.BYTE);
            case SHORT_ARRAY, SHORT -> scalar(ParamType.SHORT);
            case INT_ARRAY, INT -> scalar(ParamType.INT);
            case LONG_ARRAY, LONG -> scalar(ParamType.LONG);
            case FLOAT_ARRAY, FLOAT -> scalar(ParamType.FLOAT);
            case DOUBLE_ARRAY, DOUBLE -> scalar(ParamType.DOUBLE);
            default -> throw new IllegalArgumentException(arrayOrElement.toString());
        };
    }

    private String scalar(ParamType type) {
        return switch (type) {
            case BOOLEAN -> "bool";
            case BYTE -> cuda ? "signed char" : "char";
            case SHORT -> "short";
            case INT -> "int";
            case LONG -> cuda ? "long long" : "long";
            case FLOAT -> "float";
            case DOUBLE -> {
                program.usesDouble = true;
                yield "double";
            }
            default -> throw new IllegalArgumentException(type.toString());
        };
    }

    private String type(TypeMirror t) {
        return switch (t.getKind()) {
            case VOID -> "void";
            case BOOLEAN -> scalar(ParamType.BOOLEAN);
            case BYTE -> scalar(ParamType.BYTE);
            case SHORT -> scalar(ParamType.SHORT);
            case INT -> scalar(ParamType.INT);
            case LONG -> scalar(ParamType.LONG);
            case FLOAT -> scalar(ParamType.FLOAT);
            case DOUBLE -> scalar(ParamType.DOUBLE);
            default -> throw new UnsupportedConstruct(path().getLeaf(), "the type " + t);
        };
    }

    private TypeMirror typeOf(Tree node) {
        return program.trees.getTypeMirror(childPath(node));
    }

    private static boolean isFloating(TypeMirror t) {
        return t != null && (t.getKind() == TypeKind.FLOAT || t.getKind() == TypeKind.DOUBLE);
    }

    private static boolean isIntegral(TypeMirror t) {
        return t != null && switch (t.getKind()) {
            case BYTE, SHORT, INT, LONG -> true;
            default -> false;
        };
    }

    @Override
    protected String variableType(VariableTree v) {
        return type(program.trees.getElement(path()).asType());
    }

    @Override
    protected String declaredName(VariableTree v) {
        return CNames.safe(v.getName().toString());
    }

    @Override
    protected String castType(TypeCastTree c) {
        return type(typeOf(c.getType()));
    }

    // ---------------------------------------------------------------- statements

    @Override
    protected void variable(VariableTree v) {
        String name = CNames.safe(v.getName().toString());
        if (kernel != null && v.getInitializer() instanceof MethodInvocationTree call && kernel.localAllocationType(call) != null) {
            String element = element(kernel.localAllocationType(call));
            if (cuda) {
                line(element + "* " + name + " = (" + element + "*) (squall_shared + " + name + "_offset);");
            } else {
                line("// " + name + ": a __local " + element + "[] kernel argument, sized at launch");
            }
            return;
        }
        if (v.getInitializer() instanceof NewArrayTree array) {
            arraySpaces.put(v.getName().toString(), Space.PRIVATE);
            String element = type(((ArrayType) program.trees.getElement(path()).asType()).getComponentType());
            String size = within(array, () -> expression(array.getDimensions().getFirst()));
            line(element + " " + name + "[" + size + "] = {0};");
            if (checks != null) {
                checks.privateArray(method, v, size).forEach(this::line);
            }
            return;
        }
        super.variable(v);
    }

    @Override
    protected void forLoop(ForLoopTree f) {
        int index = parallelIndex(f);
        if (index < 0) {
            super.forLoop(f);
            return;
        }
        KernelModel.ParallelLoop loop = kernel.loops.get(index);
        int dimension = kernel.loops.size() - 1 - index;
        String variable = CNames.safe(loop.variable());
        VariableTree init = (VariableTree) f.getInitializer().getFirst();
        String lower = within(init, () -> expression(loop.lower()));
        String upper = within(f.getCondition(), () -> expression(loop.upper()));
        line("const int " + variable + " = " + (lower.equals("0") ? "" : lower + " + ") + globalIndex(dimension) + ";");
        line("if (!(" + variable + " < " + upper + ")) return;");
        StatementTree body = f.getStatement();
        inLoop(f, () -> within(body, () -> {
            if (body instanceof BlockTree block) {
                statements(block.getStatements());
            } else {
                statement(body);
            }
            return null;
        }));
    }

    private int parallelIndex(ForLoopTree f) {
        if (kernel != null) {
            for (int i = 0; i < kernel.loops.size(); i++) {
                if (kernel.loops.get(i).loop() == f) {
                    return i;
                }
            }
        }
        return -1;
    }

    @Override
    protected void continueStatement(ContinueTree c) {
        // Skipping an iteration of a parallel loop ends this work-item.
        line(innermostLoop() instanceof ForLoopTree f && parallelIndex(f) >= 0 ? "return;" : "continue;");
    }

    private String globalIndex(int dimension) {
        char axis = "xyz".charAt(dimension);
        return cuda ? "(int) (blockIdx." + axis + " * blockDim." + axis + " + threadIdx." + axis + ")"
                : "(int) get_global_id(" + dimension + ")";
    }

    // ---------------------------------------------------------------- expressions

    @Override
    protected String identifier(IdentifierTree id) {
        Element e = program.trees.getElement(path());
        String name = id.getName().toString();
        if (e instanceof VariableElement v && e.getKind() == ElementKind.FIELD) {
            return constant(v.getConstantValue());
        }
        if (kernel != null && e != null && e.getKind() == ElementKind.PARAMETER) {
            KernelModel.Param p = kernel.param(name);
            if (p != null && p.specialized()) {
                return CNames.specialized(name);
            }
        }
        return CNames.safe(name);
    }

    @Override
    protected String memberSelect(MemberSelectTree s) {
        Element e = program.trees.getElement(path());
        if (e instanceof VariableElement field && e.getKind() == ElementKind.FIELD) {
            TypeMirror receiver = typeOf(s.getExpression());
            if (receiver != null && receiver.getKind() == TypeKind.ARRAY && s.getIdentifier().contentEquals("length")) {
                return CNames.safe(Names.identifier(s.getExpression())) + "_length";
            }
            if (((TypeElement) field.getEnclosingElement()).getQualifiedName().contentEquals(Names.KERNEL_CONTEXT)) {
                return contextField(s.getIdentifier().toString(), s);
            }
            return constant(field.getConstantValue());
        }
        throw new UnsupportedConstruct(s, "the member " + s);
    }

    private String contextField(String field, Tree at) {
        int dimension = switch (field.charAt(field.length() - 1)) {
            case 'x', 'X' -> 0;
            case 'y', 'Y' -> 1;
            default -> 2;
        };
        char axis = "xyz".charAt(dimension);
        String kind = field.substring(0, field.length() - 1);
        return switch (kind) {
            case "globalId" -> globalIndex(dimension);
            case "localId" -> cuda ? "(int) threadIdx." + axis : "(int) get_local_id(" + dimension + ")";
            case "groupId" -> cuda ? "(int) blockIdx." + axis : "(int) get_group_id(" + dimension + ")";
            case "globalGroupSize" -> cuda ? "(int) (gridDim." + axis + " * blockDim." + axis + ")"
                    : "(int) get_global_size(" + dimension + ")";
            case "localGroupSize" -> cuda ? "(int) blockDim." + axis : "(int) get_local_size(" + dimension + ")";
            default -> throw new UnsupportedConstruct(at, "the KernelContext field " + field);
        };
    }

    @Override
    protected String invocation(MethodInvocationTree call) {
        ExecutableElement m = (ExecutableElement) program.trees.getElement(path());
        String owner = Intrinsics.owner(m);
        if (m.getEnclosingElement().equals(program.kernels.owner)) {
            List<Space> spaces = new ArrayList<>();
            List<String> args = arguments(call);
            List<String> passed = new ArrayList<>();
            for (int i = 0; i < m.getParameters().size(); i++) {
                passed.add(args.get(i));
                if (m.getParameters().get(i).asType().getKind() == TypeKind.ARRAY) {
                    String array = Names.identifier(call.getArguments().get(i));
                    spaces.add(arraySpaces.getOrDefault(array, Space.GLOBAL));
                    if (checks != null) {
                        passed.addAll(checks.arrayArguments(array));
                    }
                }
            }
            if (checks != null) {
                passed.add(BoundsCheckPrinter.ERROR);
            }
            return program.helperName(new HelperVersion(m, spaces)) + "(" + String.join(", ", passed) + ")";
        }
        if (owner.equals(Names.KERNEL_CONTEXT)) {
            if (m.getSimpleName().contentEquals("localBarrier")) {
                return cuda ? "__syncthreads()" : "barrier(CLK_LOCAL_MEM_FENCE)";
            }
            throw new UnsupportedConstruct(call, "KernelContext." + m.getSimpleName() + " outside a local array declaration");
        }
        if (owner.equals(Names.KERNEL_MATH) && m.getSimpleName().contentEquals(HalfPrecision.WIDEN_HALVES)) {
            Space packed = arraySpaces.getOrDefault(Names.identifier(call.getArguments().get(0)), Space.GLOBAL);
            Space out = arraySpaces.getOrDefault(Names.identifier(call.getArguments().get(2)), Space.GLOBAL);
            String name = HalfPrecision.widenHalvesName(target, packed, out);
            program.arrayFunctions.computeIfAbsent(name, n -> HalfPrecision.widenHalvesDefinition(target, packed, out));
            if (cuda) {
                program.halfFunctions.add(HalfPrecision.TO_FLOAT);
            }
            List<String> args = arguments(call);
            if (checks != null) {
                String packedArray = Names.identifier(call.getArguments().get(0));
                String outArray = Names.identifier(call.getArguments().get(2));
                List<String> checked = new ArrayList<>(List.of(args.get(0)));
                checked.addAll(checks.arrayArguments(packedArray));
                checked.addAll(List.of(args.get(1), args.get(2)));
                checked.addAll(checks.arrayArguments(outArray));
                checked.addAll(List.of(args.get(3), args.get(4), BoundsCheckPrinter.ERROR));
                return checks.widenHalves(name, packed, out, program.arrayFunctions) + "(" + String.join(", ", checked) + ")";
            }
            return name + "(" + String.join(", ", args) + ")";
        }
        if (owner.equals("java.lang.Float") && HalfPrecision.function(m.getSimpleName().toString()) != null) {
            program.halfFunctions.add(HalfPrecision.function(m.getSimpleName().toString()));
        }
        return Intrinsics.call(target, m, promotedArguments(call, m));
    }

    /** Arguments converted to the parameter types explicitly, so C's overloads pick Java's function. */
    private List<String> promotedArguments(MethodInvocationTree call, ExecutableElement m) {
        List<String> args = arguments(call);
        List<String> result = new ArrayList<>();
        for (int i = 0; i < args.size(); i++) {
            TypeMirror declared = m.getParameters().get(Math.min(i, m.getParameters().size() - 1)).asType();
            TypeMirror actual = typeOf(call.getArguments().get(i));
            result.add(actual != null && actual.getKind() != declared.getKind() && declared.getKind().isPrimitive()
                    ? "(" + type(declared) + ") (" + args.get(i) + ")" : args.get(i));
        }
        return result;
    }

    @Override
    protected String cast(TypeCastTree c) {
        TypeMirror to = typeOf(c.getType());
        ExpressionTree inner = c.getExpression();
        TypeMirror from = typeOf(inner);
        String floatCall = floatBuiltIn(to, inner);
        if (floatCall != null) {
            return floatCall;
        }
        String operand = expression(inner);
        if (isFloating(from) && isIntegral(to) && !cuda) {
            // Java saturates and maps NaN to 0; so do OpenCL's _sat conversions (C's casts do not).
            String wide = to.getKind() == TypeKind.LONG ? "long" : "int";
            String converted = "convert_" + wide + "_sat(" + operand + ")";
            return wide.equals(type(to)) ? converted : "(" + type(to) + ") " + converted;
        }
        return "(" + type(to) + ") " + operand;
    }

    /**
     * {@code (float) Math.exp(x)} with a float {@code x} is the float built-in, {@code exp(x)} (CUDA
     * {@code expf(x)}); {@code null} if {@code inner} is not such a call.
     */
    private String floatBuiltIn(TypeMirror to, ExpressionTree inner) {
        if (to == null || to.getKind() != TypeKind.FLOAT) {
            return null;
        }
        List<Tree> chain = new ArrayList<>();
        ExpressionTree e = inner;
        while (e instanceof ParenthesizedTree p) {
            chain.add(p);
            e = p.getExpression();
        }
        if (!(e instanceof MethodInvocationTree call)) {
            return null;
        }
        chain.add(call);
        TreePath callPath = childPath(chain.getFirst());
        for (Tree t : chain.subList(1, chain.size())) {
            callPath = new TreePath(callPath, t);
        }
        if (!(program.trees.getElement(callPath) instanceof ExecutableElement m) || !Intrinsics.hasFloatVersion(m)) {
            return null;
        }
        for (ExpressionTree arg : call.getArguments()) {
            TypeMirror t = program.trees.getTypeMirror(new TreePath(callPath, arg));
            if (t == null || t.getKind() != TypeKind.FLOAT) {
                return null;
            }
        }
        List<String> args = printedArguments(chain, 0);
        return Intrinsics.floatVersion(target, m, args);
    }

    /** Prints the arguments of the call at the end of {@code chain}, descending through it. */
    private List<String> printedArguments(List<Tree> chain, int from) {
        if (from == chain.size() - 1) {
            return within(chain.get(from), () -> arguments((MethodInvocationTree) chain.get(from)));
        }
        return within(chain.get(from), () -> printedArguments(chain, from + 1));
    }

    @Override
    protected String arrayAccess(com.sun.source.tree.ArrayAccessTree a) {
        if (checks == null) {
            return super.arrayAccess(a);
        }
        String array = Names.identifier(a.getExpression());
        if (array == null) {
            throw new UnsupportedConstruct(a, "an access of an array that is not a variable, in the bounds-checked build");
        }
        return checks.access(array, expression(a.getExpression()), expression(a.getIndex()));
    }

    @Override
    protected String binary(BinaryTree b) {
        TypeMirror type = typeOf(b);
        switch (b.getKind()) {
            case REMAINDER -> {
                if (isFloating(type)) {
                    String name = cuda && type.getKind() == TypeKind.FLOAT ? "fmodf" : "fmod";
                    return name + "(" + expression(b.getLeftOperand()) + ", " + expression(b.getRightOperand()) + ")";
                }
            }
            case UNSIGNED_RIGHT_SHIFT -> {
                boolean isLong = type.getKind() == TypeKind.LONG;
                String unsigned = isLong ? (cuda ? "unsigned long long" : "ulong") : "unsigned int";
                return "(" + type(type) + ") ((" + unsigned + ") " + expression(b.getLeftOperand()) + " >> "
                        + shiftCount(b, isLong) + ")";
            }
            case LEFT_SHIFT, RIGHT_SHIFT -> {
                return expression(b.getLeftOperand()) + " " + Operators.symbol(b.getKind()) + " "
                        + shiftCount(b, type.getKind() == TypeKind.LONG);
            }
            default -> {
            }
        }
        return super.binary(b);
    }

    /** Java uses the low 5 (or 6) bits of a shift count; C leaves larger counts undefined. */
    private String shiftCount(BinaryTree b, boolean isLong) {
        ExpressionTree count = b.getRightOperand();
        int limit = isLong ? 64 : 32;
        if (count instanceof LiteralTree l && l.getValue() instanceof Integer n && n >= 0 && n < limit) {
            return expression(count);
        }
        return "(" + expression(count) + " & " + (limit - 1) + ")";
    }

    @Override
    protected String longLiteral(long value) {
        return cuda ? super.longLiteral(value).replace("L", "LL") : super.longLiteral(value);
    }

    @Override
    protected String doubleLiteral(double value) {
        program.usesDouble = true;
        return super.doubleLiteral(value);
    }

    /** A compile-time constant as a C literal. */
    private String constant(Object value) {
        return switch (value) {
            case Integer i -> intLiteral(i);
            case Long l -> longLiteral(l);
            case Short s -> "((short) " + s + ")";
            case Byte b -> "((" + scalar(ParamType.BYTE) + ") " + b + ")";
            case Character c -> intLiteral(c);
            case Boolean b -> b.toString();
            case Float f when f.isNaN() -> cuda ? "__int_as_float(0x7fc00000)" : "NAN";
            case Float f when f.isInfinite() -> cuda ? (f > 0 ? "__int_as_float(0x7f800000)" : "__int_as_float(0xff800000)")
                    : (f > 0 ? "INFINITY" : "(-INFINITY)");
            case Float f -> floatLiteral(f);
            case Double d when d.isNaN() || d.isInfinite() -> {
                program.usesDouble = true;
                yield cuda ? "__longlong_as_double(" + Double.doubleToRawLongBits(d) + "LL)"
                        : "as_double(" + Double.doubleToRawLongBits(d) + "L)";
            }
            case Double d -> doubleLiteral(d);
            default -> throw new UnsupportedConstruct(path().getLeaf(), "the constant " + value);
        };
    }
}
