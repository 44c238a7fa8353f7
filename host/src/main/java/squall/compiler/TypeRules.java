package squall.compiler;

import com.sun.source.tree.BinaryTree;
import com.sun.source.tree.CompoundAssignmentTree;
import com.sun.source.tree.ExpressionTree;
import com.sun.source.tree.IdentifierTree;
import com.sun.source.tree.MemberSelectTree;
import com.sun.source.tree.MethodInvocationTree;
import com.sun.source.tree.MethodTree;
import com.sun.source.tree.Tree;
import com.sun.source.tree.TypeCastTree;
import com.sun.source.tree.VariableTree;
import com.sun.source.util.TreePath;
import com.sun.source.util.TreePathScanner;
import com.sun.source.util.Trees;

import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.TypeElement;
import javax.lang.model.element.VariableElement;
import javax.lang.model.type.ArrayType;
import javax.lang.model.type.TypeKind;
import javax.lang.model.type.TypeMirror;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The rules of the kernel subset that need javac's types: which methods may be called (static helpers
 * of any class in the compilation, {@link Intrinsics}, the context's methods, and no recursion), which
 * fields may be read (static final primitive constants, the context's indices, array lengths),
 * and which types values may have (primitives and one-dimensional primitive arrays).
 */
final class TypeRules extends TreePathScanner<Void, Void> {

    private final Trees trees;
    private final HelperIndex helpers;
    private final TypeElement owner;
    /** Calls between methods of the class, for finding recursion. */
    private final Map<ExecutableElement, Set<ExecutableElement>> calls = new LinkedHashMap<>();
    private Problems problems;
    private ExecutableElement current;

    private TypeRules(Trees trees, HelperIndex helpers, TypeElement owner) {
        this.trees = trees;
        this.helpers = helpers;
        this.owner = owner;
    }

    /**
     * Checks {@code roots} (kernels and helpers of {@code owner}, which javac has just typed) and the helpers of
     * {@code owner} they call, each once, reporting through the {@link Problems} of the root that first reaches
     * it. Helpers of other classes are checked when their own class is typed.
     */
    static void check(List<ExecutableElement> roots, Map<ExecutableElement, Problems> problemsOf, TypeElement owner,
                      Trees trees, HelperIndex helpers) {
        TypeRules rules = new TypeRules(trees, helpers, owner);
        Set<ExecutableElement> seen = new LinkedHashSet<>();
        for (ExecutableElement root : roots) {
            rules.problems = problemsOf.get(root);
            Deque<ExecutableElement> work = new ArrayDeque<>();
            if (seen.add(root)) {
                work.add(root);
            }
            while (!work.isEmpty()) {
                ExecutableElement method = work.poll();
                TreePath path = trees.getPath(method);
                rules.current = method;
                rules.calls.put(method, new LinkedHashSet<>());
                if (!KernelClass.isKernel(method)) {
                    rules.checkHelperSignature(method, (MethodTree) path.getLeaf());
                }
                rules.scan(new TreePath(path, ((MethodTree) path.getLeaf()).getBody()), null);
                for (ExecutableElement callee : rules.calls.get(method)) {
                    if (seen.add(callee)) {
                        work.add(callee);
                    }
                }
            }
            rules.rejectRecursion(root);
        }
    }

    // ---------------------------------------------------------------- calls

    @Override
    public Void visitMethodInvocation(MethodInvocationTree node, Void unused) {
        if (trees.getElement(getCurrentPath()) instanceof ExecutableElement method) {
            checkCall(node, method);
        }
        return super.visitMethodInvocation(node, unused);
    }

    private void checkCall(MethodInvocationTree node, ExecutableElement method) {
        TypeElement declaring = (TypeElement) method.getEnclosingElement();
        String described = declaring.getSimpleName() + "." + method.getSimpleName() + "(...)";
        boolean isStatic = method.getModifiers().contains(Modifier.STATIC);
        boolean helper = isStatic && !Intrinsics.supports(method) && (declaring.equals(owner) || helpers.contains(method));
        if (helper) {
            if (KernelClass.isKernel(method)) {
                problems.error(node, "a kernel cannot call another kernel (" + described
                        + "); move the shared code into a helper method");
            } else if (declaring.equals(owner) && trees.getTree(method) == null) {
                problems.error(node, "the helper " + described + " has no source in this compilation");
            } else if (declaring.equals(owner)) {
                calls.get(current).add(method);
            }
        } else if (Intrinsics.supports(method)) {
            if (declaring.getQualifiedName().contentEquals(Names.KERNEL_CONTEXT)) {
                ExpressionTree receiver = ((MemberSelectTree) node.getMethodSelect()).getExpression();
                if (!(receiver instanceof IdentifierTree)) {
                    problems.error(node, "call KernelContext methods on the kernel's context parameter");
                }
            }
        } else if (isStatic) {
            problems.error(node, "the call " + declaring.getQualifiedName() + "." + method.getSimpleName()
                    + "(...) is not supported in kernels; kernels may call Math/KernelMath functions, Float bit"
                    + " conversions and static methods of " + owner.getSimpleName()
                    + " or of other classes compiled with it");
        } else {
            problems.error(node, "a virtual/instance call (" + described + ") is not supported in kernels");
        }
    }

    private void checkHelperSignature(ExecutableElement helper, MethodTree tree) {
        TypeMirror result = helper.getReturnType();
        if (result.getKind() != TypeKind.VOID && !result.getKind().isPrimitive()) {
            problems.error(tree, "helper " + helper.getSimpleName() + " returns " + result
                    + "; helpers return a primitive or nothing");
        }
        if (helper.getModifiers().contains(Modifier.NATIVE)) {
            problems.error(tree, "helper " + helper.getSimpleName() + " is native");
        }
        for (VariableElement p : helper.getParameters()) {
            ParamTypeCheck.check(p.asType(), tree, problems, "parameter '" + p.getSimpleName() + "' of helper "
                    + helper.getSimpleName(), false);
        }
    }

    private void rejectRecursion(ExecutableElement entry) {
        Set<ExecutableElement> done = new LinkedHashSet<>();
        Deque<ExecutableElement> stack = new ArrayDeque<>();
        findCycle(entry, stack, done);
    }

    private boolean findCycle(ExecutableElement method, Deque<ExecutableElement> stack, Set<ExecutableElement> done) {
        if (stack.contains(method)) {
            List<String> cycle = new ArrayList<>();
            boolean in = false;
            for (var it = stack.descendingIterator(); it.hasNext(); ) {
                ExecutableElement m = it.next();
                in |= m.equals(method);
                if (in) {
                    cycle.add(m.getSimpleName().toString());
                }
            }
            cycle.add(method.getSimpleName().toString());
            problems.error(trees.getTree(method), "recursion (" + String.join(" calls ", cycle)
                    + ") is not supported in kernels: devices have no call stack to grow");
            return true;
        }
        if (!done.add(method)) {
            return false;
        }
        stack.push(method);
        for (ExecutableElement callee : calls.getOrDefault(method, Set.of())) {
            if (findCycle(callee, stack, done)) {
                return true;
            }
        }
        stack.pop();
        return false;
    }

    // ---------------------------------------------------------------- fields and names

    @Override
    public Void visitMemberSelect(MemberSelectTree node, Void unused) {
        Element element = trees.getElement(getCurrentPath());
        if (element != null && element.getKind() == ElementKind.FIELD) {
            TypeMirror receiverType = trees.getTypeMirror(new TreePath(getCurrentPath(), node.getExpression()));
            if (receiverType != null && receiverType.getKind() == TypeKind.ARRAY
                    && node.getIdentifier().contentEquals("length")) {
                return super.visitMemberSelect(node, unused);
            }
            if (((TypeElement) element.getEnclosingElement()).getQualifiedName().contentEquals(Names.KERNEL_CONTEXT)) {
                return null;
            }
            checkField(node, (VariableElement) element);
            return null;
        }
        return super.visitMemberSelect(node, unused);
    }

    @Override
    public Void visitIdentifier(IdentifierTree node, Void unused) {
        Element element = trees.getElement(getCurrentPath());
        if (element != null && element.getKind() == ElementKind.FIELD) {
            checkField(node, (VariableElement) element);
        }
        return null;
    }

    private void checkField(Tree node, VariableElement field) {
        if (!field.getModifiers().contains(Modifier.STATIC) || !field.getModifiers().contains(Modifier.FINAL)
                || !field.asType().getKind().isPrimitive() || field.getConstantValue() == null) {
            problems.error(node, "the field " + field.getEnclosingElement().getSimpleName() + "." + field.getSimpleName()
                    + " is not a static final primitive constant; kernels read no other fields");
        }
    }

    // ---------------------------------------------------------------- types

    @Override
    public Void visitVariable(VariableTree node, Void unused) {
        Element element = trees.getElement(getCurrentPath());
        if (element != null) {
            ParamTypeCheck.check(element.asType(), node, problems, "local variable '" + node.getName() + "'", false);
        }
        return super.visitVariable(node, unused);
    }

    @Override
    public Void visitTypeCast(TypeCastTree node, Void unused) {
        TypeMirror target = trees.getTypeMirror(new TreePath(getCurrentPath(), node.getType()));
        if (target != null && !target.getKind().isPrimitive()) {
            problems.error(node, "a cast to " + target + " is not supported in kernels; cast between primitives only");
        }
        return super.visitTypeCast(node, unused);
    }

    @Override
    public Void visitBinary(BinaryTree node, Void unused) {
        TypeMirror type = trees.getTypeMirror(getCurrentPath());
        if (type != null && type.getKind() == TypeKind.DECLARED) {
            problems.error(node, "string concatenation is not supported in kernels");
        }
        return super.visitBinary(node, unused);
    }

    @Override
    public Void visitCompoundAssignment(CompoundAssignmentTree node, Void unused) {
        TypeMirror type = trees.getTypeMirror(new TreePath(getCurrentPath(), node.getVariable()));
        if (node.getKind() == Tree.Kind.UNSIGNED_RIGHT_SHIFT_ASSIGNMENT) {
            problems.error(node, "'>>>=' is not supported in kernels; write 'x = x >>> n'");
        } else if (node.getKind() == Tree.Kind.REMAINDER_ASSIGNMENT && type != null
                && (type.getKind() == TypeKind.FLOAT || type.getKind() == TypeKind.DOUBLE)) {
            problems.error(node, "'%=' on floating-point values is not supported in kernels; write 'x = x % y'");
        } else if (type != null && type.getKind() == TypeKind.DECLARED) {
            problems.error(node, "string concatenation is not supported in kernels");
        }
        return super.visitCompoundAssignment(node, unused);
    }

    /** Which types a value may have in a kernel. */
    static final class ParamTypeCheck {
        private ParamTypeCheck() {
        }

        static void check(TypeMirror type, Tree at, Problems problems, String what, boolean contextAllowed) {
            TypeKind kind = type.getKind();
            if (kind.isPrimitive()) {
                if (kind == TypeKind.CHAR) {
                    problems.error(at, what + " is a char; kernels use int or short instead");
                }
                return;
            }
            if (kind == TypeKind.ARRAY) {
                TypeMirror component = ((ArrayType) type).getComponentType();
                if (component.getKind() == TypeKind.ARRAY) {
                    problems.error(at, what + " is an array of arrays (flatten it and index with i * n + j)");
                } else if (!component.getKind().isPrimitive() || component.getKind() == TypeKind.CHAR
                        || component.getKind() == TypeKind.BOOLEAN) {
                    problems.error(at, what + " has type " + type + "; kernel arrays hold byte, short, int, long,"
                            + " float or double");
                }
                return;
            }
            if (contextAllowed && type.toString().equals(Names.KERNEL_CONTEXT)) {
                return;
            }
            problems.error(at, what + " has type " + type + (type.toString().equals("java.lang.String")
                    ? "; strings are not supported in kernels" : "; objects are not supported in kernels"));
        }
    }
}
