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
import com.sun.source.util.Trees;
import squall.compiler.CFragment.SpaceRef;
import squall.compiler.CSourcePrinter.Space;
import squall.runtime.KernelAbi;
import squall.runtime.KernelTarget;
import squall.runtime.ParamType;

import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.Modifier;
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
 * Prints one function (the kernel or a helper) in OpenCL C or CUDA C, using javac's types, into a
 * {@link CFragment}: calls to helpers and library functions become placeholders that {@link CSourcePrinter}
 * resolves when it puts the program together, and a helper's array parameters keep their address spaces
 * open (one printed helper serves every combination of spaces it is called with).
 *
 * <p>A kernel's C parameters are its {@link KernelAbi} slots, the order devices pass arguments in: an
 * array as a {@code __global} pointer, a length as {@code int name_length}, a local array as a {@code __local}
 * pointer in OpenCL and an {@code int name_offset} into dynamic shared memory in CUDA.
 */
final class CFunctionPrinter extends KernelPrinter {

    /** Where a helper's own name goes in its printed text and prototype. */
    static final String SELF = CFragment.MARK + "self" + CFragment.MARK;

    private final KernelTarget target;
    private final boolean cuda;
    private final Trees trees;
    private final HelperIndex helpers;
    private final CFragment out = new CFragment();
    /** The kernel, when printing it; {@code null} for helpers. */
    private final KernelModel kernel;
    /** Address space of each array variable in scope (OpenCL). */
    private final Map<String, SpaceRef> arraySpaces = new HashMap<>();
    /** The function being printed. */
    private final MethodTree method;
    /** The bounds-checked build's additions, or {@code null} for the plain build. */
    private final BoundsCheckPrinter checks;

    private CFunctionPrinter(KernelTarget target, Trees trees, HelperIndex helpers, TreePath root, KernelModel kernel,
                             boolean checked) {
        super(root);
        this.target = target;
        this.cuda = target == KernelTarget.CUDA;
        this.trees = trees;
        this.helpers = helpers;
        this.kernel = kernel;
        this.method = (MethodTree) root.getLeaf();
        this.checks = checked ? new BoundsCheckPrinter(target, kernel, helpers) : null;
    }

    /** {@code k}, plain or (with {@code checked}) bounds-checked ({@link BoundsCheckPrinter}). */
    static CFragment printKernel(KernelTarget target, Trees trees, HelperIndex helpers, KernelModel k, TreePath kernelPath,
                                 boolean checked) {
        CFunctionPrinter p = new CFunctionPrinter(target, trees, helpers, kernelPath, k, checked);
        List<String> params = new ArrayList<>();
        for (KernelAbi.Slot slot : k.abi().slots()) {
            params.add(switch (slot) {
                case KernelAbi.Buffer b -> {
                    p.arraySpaces.put(b.param().name(), SpaceRef.of(Space.GLOBAL));
                    yield p.arrayParam(SpaceRef.of(Space.GLOBAL), p.element(b.param().type()), b.param().access().writes(),
                            b.param().name());
                }
                case KernelAbi.Scalar s -> p.scalarParam(s.param().type()) + " " + CNames.safe(s.param().name());
                case KernelAbi.Length l -> "const int " + CNames.safe(l.param().name()) + "_length";
                case KernelAbi.Local l -> {
                    p.arraySpaces.put(l.array().name(), SpaceRef.of(Space.LOCAL));
                    yield p.cuda ? "const int " + CNames.safe(l.array().name()) + "_offset"
                            : "__local " + p.element(l.array().element()) + "* " + CNames.safe(l.array().name());
                }
            });
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
        p.out.text = p.text();
        return p.out;
    }

    /**
     * {@code method}, a helper, with the address space of its {@code i}-th array parameter left open (on OpenCL)
     * and its name left as {@link #SELF}.
     */
    static CFragment printHelper(KernelTarget target, Trees trees, HelperIndex helpers, ExecutableElement method,
                                 boolean checked) {
        TreePath path = trees.getPath(method);
        MethodTree tree = (MethodTree) path.getLeaf();
        CFunctionPrinter p = new CFunctionPrinter(target, trees, helpers, path, null, checked);
        Set<String> arrays = new LinkedHashSet<>();
        tree.getParameters().stream().filter(v -> v.getType().getKind() == Tree.Kind.ARRAY_TYPE)
                .forEach(v -> arrays.add(v.getName().toString()));
        KernelModel.ArrayUse use = helpers.arrayUse(tree, arrays, Problems.silent(trees, path.getCompilationUnit()));
        List<String> params = new ArrayList<>();
        int arrayIndex = 0;
        for (VariableElement param : method.getParameters()) {
            String paramName = param.getSimpleName().toString();
            if (param.asType().getKind() == TypeKind.ARRAY) {
                SpaceRef space = SpaceRef.parameter(arrayIndex++);
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
        String signature = (p.cuda ? "__device__ " : "") + p.type(method.getReturnType()) + " " + SELF
                + "(" + String.join(", ", params) + ")";
        p.line(signature + " {");
        p.indented(() -> p.statements(tree.getBody().getStatements()));
        p.line("}");
        p.out.prototype = signature;
        p.out.text = p.text();
        return p.out;
    }

    // ---------------------------------------------------------------- types

    private String arrayParam(SpaceRef space, String element, boolean written, String name) {
        String constness = written ? "" : "const ";
        return (cuda ? "" : space.qualifier() + " ") + constness + element + "* " + CNames.safe(name);
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
                out.usesDouble = true;
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
        return trees.getTypeMirror(childPath(node));
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
        return type(trees.getElement(path()).asType());
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
            arraySpaces.put(v.getName().toString(), SpaceRef.of(Space.PRIVATE));
            String element = type(((ArrayType) trees.getElement(path()).asType()).getComponentType());
            String size = within(array, () -> expression(array.getDimensions().getFirst()));
            // Aligned for whole-vector loads and stores in the order-free operations.
            line(element + " " + name + "[" + size + "] " + "__attribute__((aligned(32)))" + " = {0};");
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
        Element e = trees.getElement(path());
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
        Element e = trees.getElement(path());
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
        ExecutableElement m = (ExecutableElement) trees.getElement(path());
        String owner = Intrinsics.owner(m);
        if (isHelper(m)) {
            List<SpaceRef> spaces = new ArrayList<>();
            List<String> args = arguments(call);
            List<String> passed = new ArrayList<>();
            for (int i = 0; i < m.getParameters().size(); i++) {
                passed.add(args.get(i));
                if (m.getParameters().get(i).asType().getKind() == TypeKind.ARRAY) {
                    spaces.add(spaceOf(call.getArguments().get(i)));
                    if (checks != null) {
                        passed.addAll(checks.arrayArguments(Names.identifier(call.getArguments().get(i))));
                    }
                }
            }
            if (checks != null) {
                passed.add(BoundsCheckPrinter.ERROR);
            }
            return out.callHelper(HelperIndex.key(m), spaces) + "(" + String.join(", ", passed) + ")";
        }
        if (owner.equals(Names.KERNEL_CONTEXT)) {
            if (m.getSimpleName().contentEquals("localBarrier")) {
                return cuda ? "__syncthreads()" : "barrier(CLK_LOCAL_MEM_FENCE)";
            }
            throw new UnsupportedConstruct(call, "KernelContext." + m.getSimpleName() + " outside a local array declaration");
        }
        String function = m.getSimpleName().toString();
        if (owner.equals(Names.KERNEL_MATH) && function.equals(HalfPrecision.WIDEN_HALVES)) {
            if (cuda) {
                out.halfFunctions.add(HalfPrecision.TO_FLOAT);
            }
            return out.callLibrary(function, List.of(spaceOf(call.getArguments().get(0)), spaceOf(call.getArguments().get(2))))
                    + "(" + String.join(", ", libraryArguments(call, arguments(call), List.of(0, 2))) + ")";
        }
        if (owner.equals(Names.KERNEL_MATH) && OrderFreeMath.isOperation(function)) {
            List<SpaceRef> spaces = new ArrayList<>();
            for (int position : OrderFreeMath.arrayPositions(function)) {
                spaces.add(spaceOf(call.getArguments().get(position)));
            }
            if (cuda && OrderFreeMath.readsPacked(function)) {
                out.halfFunctions.add(HalfPrecision.TO_FLOAT);
            }
            return out.callLibrary(function, spaces) + "(" + String.join(", ",
                    libraryArguments(call, promotedArguments(call, m), OrderFreeMath.arrayPositions(function))) + ")";
        }
        if (owner.equals("java.lang.Float") && HalfPrecision.function(function) != null) {
            out.halfFunctions.add(HalfPrecision.function(function));
        }
        return Intrinsics.call(target, m, promotedArguments(call, m));
    }

    /**
     * The arguments of a call to a library function whose array arguments are at {@code arrayPositions}: as printed,
     * or in the bounds-checked build, the same followed by each array's length and number, then the error record
     * (what the checked wrappers take).
     */
    private List<String> libraryArguments(MethodInvocationTree call, List<String> printed, List<Integer> arrayPositions) {
        if (checks == null) {
            return printed;
        }
        List<String> args = new ArrayList<>(printed);
        for (int position : arrayPositions) {
            args.addAll(checks.arrayArguments(Names.identifier(call.getArguments().get(position))));
        }
        args.add(BoundsCheckPrinter.ERROR);
        return args;
    }

    /** Whether a call to {@code m} is a call to a helper (printed into the program) rather than a library function. */
    private boolean isHelper(ExecutableElement m) {
        return m.getModifiers().contains(Modifier.STATIC) && !Intrinsics.supports(m) && helpers.contains(m);
    }

    /** The address space of an array argument (a variable name). */
    private SpaceRef spaceOf(ExpressionTree argument) {
        return arraySpaces.getOrDefault(Names.identifier(argument), SpaceRef.of(Space.GLOBAL));
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
        if (!(trees.getElement(callPath) instanceof ExecutableElement m) || !Intrinsics.hasFloatVersion(m)) {
            return null;
        }
        for (ExpressionTree arg : call.getArguments()) {
            TypeMirror t = trees.getTypeMirror(new TreePath(callPath, arg));
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
        out.usesDouble = true;
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
                out.usesDouble = true;
                yield cuda ? "__longlong_as_double(" + Double.doubleToRawLongBits(d) + "LL)"
                        : "as_double(" + Double.doubleToRawLongBits(d) + "L)";
            }
            case Double d -> doubleLiteral(d);
            default -> throw new UnsupportedConstruct(path().getLeaf(), "the constant " + value);
        };
    }
}
