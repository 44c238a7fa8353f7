package squall.compiler;

import com.sun.source.tree.ArrayAccessTree;
import com.sun.source.tree.AssignmentTree;
import com.sun.source.tree.BinaryTree;
import com.sun.source.tree.BlockTree;
import com.sun.source.tree.CompoundAssignmentTree;
import com.sun.source.tree.ExpressionTree;
import com.sun.source.tree.ForLoopTree;
import com.sun.source.tree.IdentifierTree;
import com.sun.source.tree.MemberSelectTree;
import com.sun.source.tree.MethodInvocationTree;
import com.sun.source.tree.MethodTree;
import com.sun.source.tree.PrimitiveTypeTree;
import com.sun.source.tree.ReturnTree;
import com.sun.source.tree.StatementTree;
import com.sun.source.tree.Tree;
import com.sun.source.tree.UnaryTree;
import com.sun.source.tree.VariableTree;
import com.sun.source.util.TreeScanner;
import squall.runtime.Access;
import squall.runtime.KernelAbi;
import squall.runtime.KernelParam;
import squall.runtime.LocalArray;
import squall.runtime.ParamType;

import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.type.ArrayType;
import javax.lang.model.type.TypeKind;
import javax.lang.model.type.TypeMirror;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The shape of one kernel, read from its syntax tree before javac attributes types: parameters,
 * the {@code @Parallel} loop nest, local arrays, and how each array parameter is used. Building
 * it checks the structural rules that every back end relies on and reports violations.
 */
final class KernelModel {

    /** A kernel or helper parameter. */
    record Param(String name, ParamType type, boolean specialized, VariableTree tree) {
    }

    /**
     * One {@code @Parallel} loop: {@code for (@Parallel int variable = lower; variable < upper; variable++)},
     * with the declarations that precede the next nested loop (or the body) inside it.
     */
    record ParallelLoop(ForLoopTree loop, String variable, ExpressionTree lower, ExpressionTree upper) {
    }

    /** {@code float[] name = ctx.allocateFloatLocalArray(length);} at the top of a context kernel. */
    record LocalAlloc(String name, ParamType element, ExpressionTree length, VariableTree declaration) {
    }

    static final int MAX_PARALLEL_DIMENSIONS = 3;

    final String name;
    final MethodTree method;
    final ExecutableElement element;
    final List<Param> params = new ArrayList<>();
    final List<ParallelLoop> loops = new ArrayList<>();
    final List<LocalAlloc> localArrays = new ArrayList<>();
    final Map<String, Access> access = new LinkedHashMap<>();
    final Set<String> lengthUsed = new LinkedHashSet<>();
    String contextName;
    boolean usesBarrier;

    private final Problems problems;
    private final HelperIndex helpers;
    private final Set<String> localNames = new HashSet<>();

    private KernelModel(ExecutableElement element, MethodTree method, Problems problems, HelperIndex helpers) {
        this.name = element.getSimpleName().toString();
        this.element = element;
        this.method = method;
        this.problems = problems;
        this.helpers = helpers;
    }

    /** Reads {@code method}; problems are reported through {@code problems}. */
    static KernelModel read(ExecutableElement element, MethodTree method, Problems problems, HelperIndex helpers) {
        KernelModel model = new KernelModel(element, method, problems, helpers);
        model.readParams();
        model.collectLocalNames();
        int before = problems.count();
        model.readParallelNest(method.getBody().getStatements(), 0);
        // A loop the nest rejected (a strided one, say) is missing from the nest; calling it stray too would
        // bury the real error under a follow-on one.
        model.rejectStrayParallelLoops(problems.count() == before);
        if (model.contextName != null) {
            model.readContextUse();
        }
        model.readArrayUse();
        return model;
    }

    boolean isParallel() {
        return !loops.isEmpty();
    }

    Param param(String name) {
        for (Param p : params) {
            if (p.name().equals(name)) {
                return p;
            }
        }
        return null;
    }

    // ---------------------------------------------------------------- parameters

    private void readParams() {
        List<? extends VariableElement> elements = element.getParameters();
        for (int i = 0; i < elements.size(); i++) {
            VariableElement p = elements.get(i);
            VariableTree tree = method.getParameters().get(i);
            ParamType type = paramType(p.asType());
            if (type == null) {
                problems.error(tree, "parameter '" + p.getSimpleName() + "' has type " + p.asType()
                        + "; kernels take primitives, one-dimensional primitive arrays (not boolean[] or char[])"
                        + " and a leading KernelContext");
                continue;
            }
            boolean specialized = Names.hasAnnotation(tree.getModifiers(), Names.SPECIALIZE);
            if (specialized && type != ParamType.INT) {
                problems.error(tree, "@Specialize applies to int parameters, not " + p.asType());
            }
            if (type == ParamType.KERNEL_CONTEXT) {
                if (i != 0) {
                    problems.error(tree, "a KernelContext must be the kernel's first parameter");
                }
                contextName = p.getSimpleName().toString();
            }
            params.add(new Param(p.getSimpleName().toString(), type, specialized, tree));
        }
    }

    /** The parameter type for a declared Java type, or {@code null} if kernels cannot take it. */
    static ParamType paramType(TypeMirror type) {
        return switch (type.getKind()) {
            case BOOLEAN -> ParamType.BOOLEAN;
            case BYTE -> ParamType.BYTE;
            case SHORT -> ParamType.SHORT;
            case INT -> ParamType.INT;
            case LONG -> ParamType.LONG;
            case FLOAT -> ParamType.FLOAT;
            case DOUBLE -> ParamType.DOUBLE;
            case ARRAY -> switch (((ArrayType) type).getComponentType().getKind()) {
                case BYTE -> ParamType.BYTE_ARRAY;
                case SHORT -> ParamType.SHORT_ARRAY;
                case INT -> ParamType.INT_ARRAY;
                case LONG -> ParamType.LONG_ARRAY;
                case FLOAT -> ParamType.FLOAT_ARRAY;
                case DOUBLE -> ParamType.DOUBLE_ARRAY;
                default -> null;
            };
            case DECLARED -> type.toString().equals(Names.KERNEL_CONTEXT) ? ParamType.KERNEL_CONTEXT : null;
            default -> null;
        };
    }

    private void collectLocalNames() {
        new TreeScanner<Void, Void>() {
            @Override
            public Void visitVariable(VariableTree node, Void unused) {
                localNames.add(node.getName().toString());
                return super.visitVariable(node, unused);
            }
        }.scan(method.getBody(), null);
    }

    // ---------------------------------------------------------------- @Parallel loops

    /** Reads the loop nest starting in {@code statements} (the body of the kernel or of a parallel loop). */
    private void readParallelNest(List<? extends StatementTree> statements, int depth) {
        int found = -1;
        for (int i = 0; i < statements.size(); i++) {
            if (isParallelLoop(statements.get(i))) {
                if (found >= 0) {
                    problems.error(statements.get(i), "only one @Parallel loop may follow another;"
                            + " nest them or write two kernels");
                    return;
                }
                found = i;
            }
        }
        if (found < 0) {
            return;
        }
        ForLoopTree loop = (ForLoopTree) statements.get(found);
        if (contextName != null) {
            problems.error(loop, "@Parallel loops cannot be mixed with a KernelContext; use the context's indices");
            return;
        }
        if (found != statements.size() - 1) {
            problems.error(statements.get(found + 1), "nothing may follow a @Parallel loop: every work-item would run it");
            return;
        }
        for (int i = 0; i < found; i++) {
            if (!(statements.get(i) instanceof VariableTree)) {
                problems.error(statements.get(i), "only local variable declarations may precede a @Parallel loop"
                        + " (every work-item runs them)");
                return;
            }
        }
        if (depth == MAX_PARALLEL_DIMENSIONS) {
            problems.error(loop, "at most " + MAX_PARALLEL_DIMENSIONS + " @Parallel loops may be nested");
            return;
        }
        ParallelLoop parsed = parseParallelLoop(loop);
        if (parsed == null) {
            return;
        }
        loops.add(parsed);
        StatementTree body = loop.getStatement();
        readParallelNest(body instanceof BlockTree block ? block.getStatements() : List.of(body), depth + 1);
    }

    static boolean isParallelLoop(Tree tree) {
        return tree instanceof ForLoopTree loop && loop.getInitializer().size() == 1
                && loop.getInitializer().getFirst() instanceof VariableTree v
                && Names.hasAnnotation(v.getModifiers(), Names.PARALLEL);
    }

    private ParallelLoop parseParallelLoop(ForLoopTree loop) {
        String shape = "a @Parallel loop must be a simple counted loop: for (@Parallel int i = lo; i < hi; i++)";
        VariableTree init = (VariableTree) loop.getInitializer().getFirst();
        String variable = init.getName().toString();
        if (!(init.getType() instanceof PrimitiveTypeTree pt) || pt.getPrimitiveTypeKind() != TypeKind.INT
                || init.getInitializer() == null) {
            problems.error(init, shape + " (the variable must be an initialised int)");
            return null;
        }
        if (!(loop.getCondition() instanceof BinaryTree cond) || cond.getKind() != Tree.Kind.LESS_THAN
                || !variable.equals(Names.identifier(cond.getLeftOperand()))) {
            problems.error(loop.getCondition() == null ? loop : loop.getCondition(),
                    shape + " (the condition must be '" + variable + " < bound')");
            return null;
        }
        if (loop.getUpdate().size() != 1 || !isIncrementByOne(loop.getUpdate().getFirst().getExpression(), variable)) {
            problems.error(loop.getUpdate().isEmpty() ? loop : loop.getUpdate().getFirst(),
                    shape + " (the update must be '" + variable + "++')");
            return null;
        }
        ExpressionTree lower = init.getInitializer();
        ExpressionTree upper = cond.getRightOperand();
        if (!usesOnlyNonLocals(lower, "the bounds of a @Parallel loop")
                || !usesOnlyNonLocals(upper, "the bounds of a @Parallel loop")) {
            return null;
        }
        rejectAssignmentsTo(variable, loop.getStatement());
        return new ParallelLoop(loop, variable, lower, upper);
    }

    private static boolean isIncrementByOne(ExpressionTree update, String variable) {
        if (update instanceof UnaryTree u && (u.getKind() == Tree.Kind.POSTFIX_INCREMENT
                || u.getKind() == Tree.Kind.PREFIX_INCREMENT)) {
            return variable.equals(Names.identifier(u.getExpression()));
        }
        return update instanceof CompoundAssignmentTree c && c.getKind() == Tree.Kind.PLUS_ASSIGNMENT
                && variable.equals(Names.identifier(c.getVariable()))
                && "1".equals(c.getExpression().toString());
    }

    /** Checks that {@code expression} names no local variable: it must be computable before launch. */
    private boolean usesOnlyNonLocals(ExpressionTree expression, String what) {
        boolean[] ok = {true};
        new TreeScanner<Void, Void>() {
            @Override
            public Void visitIdentifier(IdentifierTree node, Void unused) {
                if (localNames.contains(node.getName().toString()) && ok[0]) {
                    problems.error(node, what + " may use only parameters, constants and the context's sizes,"
                            + " not the local variable '" + node.getName() + "'");
                    ok[0] = false;
                }
                return null;
            }
        }.scan(expression, null);
        return ok[0];
    }

    private void rejectAssignmentsTo(String variable, Tree body) {
        new TreeScanner<Void, Void>() {
            @Override
            public Void visitAssignment(AssignmentTree node, Void unused) {
                check(node.getVariable(), node);
                return super.visitAssignment(node, unused);
            }

            @Override
            public Void visitCompoundAssignment(CompoundAssignmentTree node, Void unused) {
                check(node.getVariable(), node);
                return super.visitCompoundAssignment(node, unused);
            }

            @Override
            public Void visitUnary(UnaryTree node, Void unused) {
                if (isIncrementOrDecrement(node.getKind())) {
                    check(node.getExpression(), node);
                }
                return super.visitUnary(node, unused);
            }

            private void check(ExpressionTree target, Tree at) {
                if (variable.equals(Names.identifier(target))) {
                    problems.error(at, "the @Parallel loop variable '" + variable + "' must not be assigned");
                }
            }
        }.scan(body, null);
    }

    private void rejectStrayParallelLoops(boolean nestIsWhole) {
        Set<ForLoopTree> nest = new HashSet<>();
        loops.forEach(l -> nest.add(l.loop()));
        new TreeScanner<Void, Void>() {
            @Override
            public Void visitForLoop(ForLoopTree node, Void unused) {
                if (nestIsWhole && isParallelLoop(node) && !nest.contains(node)) {
                    problems.error(node, "a @Parallel loop must be the last statement of the kernel body"
                            + " or of the enclosing @Parallel loop, not inside other statements");
                }
                return super.visitForLoop(node, unused);
            }

            @Override
            public Void visitReturn(ReturnTree node, Void unused) {
                if (!nest.isEmpty()) {
                    problems.error(node, "return inside a @Parallel kernel would stop other iterations on the JVM;"
                            + " use continue to skip an iteration");
                }
                return null;
            }
        }.scan(method.getBody(), null);
    }

    // ---------------------------------------------------------------- KernelContext use

    private void readContextUse() {
        List<? extends StatementTree> top = method.getBody().getStatements();
        Set<MethodInvocationTree> topLevelAllocations = new HashSet<>();
        for (StatementTree s : top) {
            if (s instanceof VariableTree v && v.getInitializer() instanceof MethodInvocationTree call
                    && localAllocationType(call) != null) {
                topLevelAllocations.add(call);
                ExpressionTree length = call.getArguments().isEmpty() ? call : call.getArguments().getFirst();
                if (usesOnlyNonLocals(length, "the length of a local array")) {
                    localArrays.add(new LocalAlloc(v.getName().toString(), localAllocationType(call), length, v));
                }
            }
        }
        new TreeScanner<Void, Void>() {
            @Override
            public Void visitMethodInvocation(MethodInvocationTree node, Void unused) {
                if (localAllocationType(node) != null && !topLevelAllocations.contains(node)) {
                    problems.error(node, "local arrays must be allocated at the top of the kernel body,"
                            + " as 'float[] tile = " + contextName + ".allocateFloatLocalArray(n);'");
                }
                if (contextName.equals(Names.selectedIdentifier(node.getMethodSelect()))
                        && ((MemberSelectTree) node.getMethodSelect()).getIdentifier().contentEquals("localBarrier")) {
                    usesBarrier = true;
                }
                return super.visitMethodInvocation(node, unused);
            }

            @Override
            public Void visitAssignment(AssignmentTree node, Void unused) {
                rejectContextWrite(node.getVariable(), node);
                return super.visitAssignment(node, unused);
            }

            @Override
            public Void visitCompoundAssignment(CompoundAssignmentTree node, Void unused) {
                rejectContextWrite(node.getVariable(), node);
                return super.visitCompoundAssignment(node, unused);
            }

            @Override
            public Void visitUnary(UnaryTree node, Void unused) {
                if (isIncrementOrDecrement(node.getKind())) {
                    rejectContextWrite(node.getExpression(), node);
                }
                return super.visitUnary(node, unused);
            }

            @Override
            public Void visitIdentifier(IdentifierTree node, Void unused) {
                return null;
            }

            private void rejectContextWrite(ExpressionTree target, Tree at) {
                if (contextName.equals(Names.selectedIdentifier(target))) {
                    problems.error(at, "kernels read the KernelContext's fields but never write them");
                }
            }
        }.scan(method.getBody(), null);
    }

    /** {@code FLOAT} or {@code INT} if {@code call} is {@code ctx.allocate{Float,Int}LocalArray(n)}. */
    ParamType localAllocationType(MethodInvocationTree call) {
        if (contextName == null || !contextName.equals(Names.selectedIdentifier(call.getMethodSelect()))) {
            return null;
        }
        String method = ((MemberSelectTree) call.getMethodSelect()).getIdentifier().toString();
        return switch (method) {
            case "allocateFloatLocalArray" -> ParamType.FLOAT;
            case "allocateIntLocalArray" -> ParamType.INT;
            default -> null;
        };
    }

    // ---------------------------------------------------------------- array parameters

    private void readArrayUse() {
        Set<String> arrays = new LinkedHashSet<>();
        for (Param p : params) {
            if (p.type().isArray()) {
                arrays.add(p.name());
            }
        }
        // A list, not Set.copyOf: the _length arguments follow this order, which must be the parameters' order.
        List<String> arrayParams = List.copyOf(arrays);
        new TreeScanner<Void, Void>() {
            @Override
            public Void visitVariable(VariableTree node, Void unused) {
                if (node.getType() != null && node.getType().getKind() == Tree.Kind.ARRAY_TYPE) {
                    arrays.add(node.getName().toString());
                }
                return super.visitVariable(node, unused);
            }
        }.scan(method.getBody(), null);
        ArrayUse use = helpers.arrayUse(method, arrays, problems);
        for (String p : arrayParams) {
            access.put(p, use.access().get(p));
            if (use.lengthUsed().contains(p)) {
                lengthUsed.add(p);
            }
        }
    }

    /** The parameters as the kernel's descriptor lists them. */
    List<KernelParam> descriptorParams() {
        List<KernelParam> result = new ArrayList<>();
        for (Param p : params) {
            Access a = p.type().isArray() ? access.get(p.name()) : Access.NONE;
            result.add(new KernelParam(p.name(), p.type(), a, p.specialized(), lengthUsed.contains(p.name())));
        }
        return result;
    }

    /** The local arrays as the kernel's descriptor lists them. */
    List<LocalArray> descriptorLocalArrays() {
        return localArrays.stream().map(a -> new LocalArray(a.name(), a.element())).toList();
    }

    /** The kernel's C arguments, in the order its descriptor gives devices ({@link KernelAbi}). */
    KernelAbi abi() {
        return KernelAbi.of(descriptorParams(), descriptorLocalArrays());
    }

    static boolean isIncrementOrDecrement(Tree.Kind kind) {
        return kind == Tree.Kind.POSTFIX_INCREMENT || kind == Tree.Kind.PREFIX_INCREMENT
                || kind == Tree.Kind.POSTFIX_DECREMENT || kind == Tree.Kind.PREFIX_DECREMENT;
    }

    /** How a method body uses some of its array parameters. */
    record ArrayUse(Map<String, Access> access, Set<String> lengthUsed) {
    }
}
