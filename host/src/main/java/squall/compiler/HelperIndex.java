package squall.compiler;

import com.sun.source.tree.ArrayAccessTree;
import com.sun.source.tree.AssignmentTree;
import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.CompoundAssignmentTree;
import com.sun.source.tree.ExpressionTree;
import com.sun.source.tree.IdentifierTree;
import com.sun.source.tree.MemberSelectTree;
import com.sun.source.tree.MethodInvocationTree;
import com.sun.source.tree.MethodTree;
import com.sun.source.tree.Tree;
import com.sun.source.tree.UnaryTree;
import com.sun.source.tree.VariableTree;
import com.sun.source.util.TreeScanner;
import com.sun.source.util.Trees;
import squall.runtime.Access;

import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.Modifier;
import javax.lang.model.element.TypeElement;
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
 * The static methods of every top-level class in the compilation, for following calls into helpers before
 * javac has attributed types: an unqualified call {@code f(...)} names a method of the caller's own class,
 * {@code Other.f(...)} a method of the class {@code Other} (written simple or qualified) when that class is in
 * this compilation. Overloads of a name are merged, conservatively. A kernel may call helpers of any class
 * the index holds; calls to anything else are library calls, checked once types are known.
 */
final class HelperIndex {

    /** A class's static methods by name, with where they live. */
    private record Owner(String qualifiedName, String simpleName, CompilationUnitTree unit,
                         Map<String, List<MethodTree>> methods) {
    }

    private final Map<String, Owner> byQualifiedName = new LinkedHashMap<>();
    private final Map<MethodTree, Owner> ownerOf = new LinkedHashMap<>();
    private final Map<MethodTree, String> keys = new LinkedHashMap<>();
    private final Map<String, MethodTree> byKey = new LinkedHashMap<>();
    private final Map<MethodTree, KernelModel.ArrayUse> memo = new LinkedHashMap<>();
    private final Set<MethodTree> inProgress = new HashSet<>();

    /** The index of {@code classes}, read through {@code trees} (classes without source are left out). */
    static HelperIndex of(Iterable<TypeElement> classes, Trees trees) {
        HelperIndex index = new HelperIndex();
        for (TypeElement type : classes) {
            var path = trees.getPath(type);
            if (path == null) {
                continue;
            }
            Owner owner = new Owner(type.getQualifiedName().toString(), type.getSimpleName().toString(),
                    path.getCompilationUnit(), new LinkedHashMap<>());
            for (Element member : type.getEnclosedElements()) {
                if (member.getKind() == ElementKind.METHOD && member.getModifiers().contains(Modifier.STATIC)) {
                    MethodTree tree = trees.getTree((ExecutableElement) member);
                    if (tree != null) {
                        owner.methods().computeIfAbsent(tree.getName().toString(), k -> new ArrayList<>()).add(tree);
                        index.ownerOf.put(tree, owner);
                        String key = key((ExecutableElement) member);
                        index.keys.put(tree, key);
                        index.byKey.put(key, tree);
                    }
                }
            }
            index.byQualifiedName.put(owner.qualifiedName(), owner);
        }
        return index;
    }

    /**
     * What names a method across javac's rounds and phases (its elements change, this does not):
     * {@code pkg.Class#name(float[],int)}.
     */
    static String key(ExecutableElement method) {
        StringBuilder b = new StringBuilder(((TypeElement) method.getEnclosingElement()).getQualifiedName())
                .append('#').append(method.getSimpleName()).append('(');
        for (int i = 0; i < method.getParameters().size(); i++) {
            b.append(i == 0 ? "" : ",").append(method.getParameters().get(i).asType());
        }
        return b.append(')').toString();
    }

    /** The key of {@code method}, or {@code null} if it is not in the index. */
    String keyOf(MethodTree method) {
        return keys.get(method);
    }

    /** Whether {@code method} (by {@link #key}) is a static method of a class of this compilation. */
    boolean contains(ExecutableElement method) {
        return byKey.containsKey(key(method));
    }

    /** The qualified name of the class declaring {@code method}, or {@code null} if it is not in the index. */
    String ownerOf(MethodTree method) {
        Owner owner = ownerOf.get(method);
        return owner == null ? null : owner.qualifiedName();
    }

    /** The compilation unit holding {@code method}, for reporting problems at its lines. */
    CompilationUnitTree unitOf(MethodTree method) {
        Owner owner = ownerOf.get(method);
        return owner == null ? null : owner.unit();
    }

    /** The helpers {@code call}, made from a method of {@code caller}, may name (empty for library calls). */
    List<MethodTree> resolve(MethodInvocationTree call, MethodTree caller) {
        ExpressionTree select = call.getMethodSelect();
        String name = select instanceof MemberSelectTree s ? s.getIdentifier().toString() : Names.identifier(select);
        List<MethodTree> result = new ArrayList<>();
        for (Owner owner : owners(select, caller)) {
            result.addAll(owner.methods().getOrDefault(name, List.of()));
        }
        return result;
    }

    private List<Owner> owners(ExpressionTree select, MethodTree caller) {
        if (select instanceof IdentifierTree) {
            Owner home = ownerOf.get(caller);
            return home == null ? List.of() : List.of(home);
        }
        if (!(select instanceof MemberSelectTree s)) {
            return List.of();
        }
        String qualifier = s.getExpression().toString();
        Owner exact = byQualifiedName.get(qualifier);
        if (exact != null) {
            return List.of(exact);
        }
        List<Owner> bySimpleName = new ArrayList<>();
        for (Owner o : byQualifiedName.values()) {
            if (o.simpleName().equals(qualifier)) {
                bySimpleName.add(o);
            }
        }
        return bySimpleName;
    }

    /** Helpers that {@code method} may call, directly or through others. */
    Set<MethodTree> reachableFrom(MethodTree method) {
        Set<MethodTree> reached = new LinkedHashSet<>();
        Deque<MethodTree> work = new ArrayDeque<>(List.of(method));
        while (!work.isEmpty()) {
            MethodTree caller = work.poll();
            new TreeScanner<Void, Void>() {
                @Override
                public Void visitMethodInvocation(MethodInvocationTree node, Void unused) {
                    for (MethodTree m : resolve(node, caller)) {
                        if (m != method && reached.add(m)) {
                            work.add(m);
                        }
                    }
                    return super.visitMethodInvocation(node, unused);
                }
            }.scan(caller.getBody(), null);
        }
        return reached;
    }

    /** The array use of {@code arrays} (names of array parameters or locals) in {@code method}. */
    KernelModel.ArrayUse arrayUse(MethodTree method, Set<String> arrays, Problems problems) {
        Map<String, Access> access = new LinkedHashMap<>();
        Set<String> lengths = new LinkedHashSet<>();
        arrays.forEach(a -> access.put(a, Access.NONE));
        new TreeScanner<Void, Void>() {
            @Override
            public Void visitAssignment(AssignmentTree node, Void unused) {
                if (node.getVariable() instanceof ArrayAccessTree target && isArray(target.getExpression())) {
                    mark(target.getExpression(), Access.WRITE);
                    scan(target.getIndex(), null);
                    scan(node.getExpression(), null);
                    return null;
                }
                if (isArray(node.getVariable())) {
                    problems.error(node, "array variables cannot be reassigned; index them instead");
                }
                return super.visitAssignment(node, unused);
            }

            @Override
            public Void visitCompoundAssignment(CompoundAssignmentTree node, Void unused) {
                if (node.getVariable() instanceof ArrayAccessTree target && isArray(target.getExpression())) {
                    mark(target.getExpression(), Access.READ_WRITE);
                }
                return super.visitCompoundAssignment(node, unused);
            }

            @Override
            public Void visitUnary(UnaryTree node, Void unused) {
                if (KernelModel.isIncrementOrDecrement(node.getKind()) && node.getExpression() instanceof ArrayAccessTree target
                        && isArray(target.getExpression())) {
                    mark(target.getExpression(), Access.READ_WRITE);
                }
                return super.visitUnary(node, unused);
            }

            @Override
            public Void visitArrayAccess(ArrayAccessTree node, Void unused) {
                if (isArray(node.getExpression())) {
                    mark(node.getExpression(), Access.READ);
                    return scan(node.getIndex(), null);
                }
                return super.visitArrayAccess(node, unused);
            }

            @Override
            public Void visitMemberSelect(MemberSelectTree node, Void unused) {
                if (isArray(node.getExpression()) && node.getIdentifier().contentEquals("length")) {
                    lengths.add(Names.identifier(node.getExpression()));
                    return null;
                }
                return super.visitMemberSelect(node, unused);
            }

            @Override
            public Void visitMethodInvocation(MethodInvocationTree node, Void unused) {
                scan(node.getMethodSelect(), null);
                List<? extends ExpressionTree> args = node.getArguments();
                List<MethodTree> callees = resolve(node, method);
                String library = Names.selectedIdentifier(node.getMethodSelect());
                String libraryFunction = node.getMethodSelect() instanceof MemberSelectTree s
                        ? s.getIdentifier().toString() : null;
                for (int i = 0; i < args.size(); i++) {
                    if (isArray(args.get(i))) {
                        mark(args.get(i), !callees.isEmpty() ? helperAccess(callees, args.size(), i, problems)
                                : Intrinsics.arrayArgumentAccess(library, libraryFunction, i));
                    } else {
                        scan(args.get(i), null);
                    }
                }
                return null;
            }

            @Override
            public Void visitIdentifier(IdentifierTree node, Void unused) {
                if (isArray(node)) {
                    problems.error(node, "array '" + node.getName() + "' may only be indexed, measured with"
                            + " .length or passed to a helper method");
                }
                return null;
            }

            private boolean isArray(ExpressionTree tree) {
                String id = Names.identifier(tree);
                return id != null && access.containsKey(id);
            }

            private void mark(ExpressionTree array, Access use) {
                access.merge(Names.identifier(array), use, HelperIndex::union);
            }
        }.scan(method.getBody(), null);
        return new KernelModel.ArrayUse(access, lengths);
    }

    /** What the {@code callees} (overloads) with {@code arity} parameters do to their {@code index}-th argument. */
    private Access helperAccess(List<MethodTree> callees, int arity, int index, Problems problems) {
        Access result = Access.NONE;
        for (MethodTree helper : callees) {
            if (helper.getParameters().size() != arity) {
                continue;
            }
            if (!inProgress.add(helper)) {
                return Access.READ_WRITE; // recursion: reported with types later; assume the worst here
            }
            try {
                KernelModel.ArrayUse use = memo.get(helper);
                if (use == null) {
                    Set<String> arrayParams = new LinkedHashSet<>();
                    for (VariableTree p : helper.getParameters()) {
                        if (p.getType().getKind() == Tree.Kind.ARRAY_TYPE) {
                            arrayParams.add(p.getName().toString());
                        }
                    }
                    use = arrayUse(helper, arrayParams, problems);
                    memo.put(helper, use);
                }
                Access a = use.access().get(helper.getParameters().get(index).getName().toString());
                result = union(result, a == null ? Access.NONE : a);
            } finally {
                inProgress.remove(helper);
            }
        }
        return result;
    }

    static Access union(Access a, Access b) {
        boolean reads = a.reads() || b.reads();
        boolean writes = a.writes() || b.writes();
        return reads && writes ? Access.READ_WRITE : writes ? Access.WRITE : reads ? Access.READ : Access.NONE;
    }
}
