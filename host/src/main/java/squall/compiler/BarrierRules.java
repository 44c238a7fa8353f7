package squall.compiler;

import com.sun.source.tree.ArrayAccessTree;
import com.sun.source.tree.AssignmentTree;
import com.sun.source.tree.BlockTree;
import com.sun.source.tree.BreakTree;
import com.sun.source.tree.CompoundAssignmentTree;
import com.sun.source.tree.ConditionalExpressionTree;
import com.sun.source.tree.ContinueTree;
import com.sun.source.tree.DoWhileLoopTree;
import com.sun.source.tree.ExpressionStatementTree;
import com.sun.source.tree.ExpressionTree;
import com.sun.source.tree.ForLoopTree;
import com.sun.source.tree.IdentifierTree;
import com.sun.source.tree.IfTree;
import com.sun.source.tree.MemberSelectTree;
import com.sun.source.tree.MethodInvocationTree;
import com.sun.source.tree.NewArrayTree;
import com.sun.source.tree.ReturnTree;
import com.sun.source.tree.StatementTree;
import com.sun.source.tree.Tree;
import com.sun.source.tree.UnaryTree;
import com.sun.source.tree.VariableTree;
import com.sun.source.tree.WhileLoopTree;
import com.sun.source.util.TreeScanner;

import java.util.ArrayDeque;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Every work-item of a group must reach every {@code localBarrier()}: a barrier that only some reach hangs a GPU
 * and crashed PoCL (SIGSEGV in the kernel). This rejects, at the barrier's file, line and column, a barrier that a
 * work-item-dependent condition decides: one inside an {@code if}, a loop or a {@code ?:} whose condition depends
 * on {@code localIdx}/{@code globalIdx} (directly or through variables, private arrays and calls), or after a
 * {@code return}, {@code break} or {@code continue} taken under such a condition.
 *
 * <p>The analysis follows values, not memory shared by the group: a value read from a local or global array at a
 * uniform index counts as uniform (the group reads the same element), so a kernel that branches around a barrier
 * on data its work-items wrote differently is not caught here; the {@code jvm} device reports that divergence when
 * it happens. Variables are told apart by declaration, so a varying {@code j} in one loop does not make another
 * loop's {@code j} varying.
 */
final class BarrierRules {

    /** The context fields that differ between the work-items of one group. */
    private static final Set<String> ITEM_FIELDS = Set.of("localIdx", "localIdy", "localIdz", "globalIdx", "globalIdy",
            "globalIdz");

    private final KernelModel kernel;
    private final Problems problems;
    /** Declarations (locals, private arrays, parameters) whose value may differ between work-items. */
    private final Set<Tree> varying = Collections.newSetFromMap(new IdentityHashMap<>());
    /** Loops that some work-items leave early or skip part of, with the reason. */
    private final Map<Tree, String> divergentLoops = new IdentityHashMap<>();

    private BarrierRules(KernelModel kernel, Problems problems) {
        this.kernel = kernel;
        this.problems = problems;
    }

    static void check(KernelModel kernel, Problems problems) {
        if (kernel.contextName == null || !kernel.usesBarrier) {
            return;
        }
        BarrierRules rules = new BarrierRules(kernel, problems);
        // Which values vary does not follow statement order (loops carry values back): grow until nothing changes.
        int before;
        do {
            before = rules.varying.size() + rules.divergentLoops.size();
            rules.new Walker(false).body();
        } while (rules.varying.size() + rules.divergentLoops.size() != before);
        rules.new Walker(true).body();
    }

    /** One pass over the body: marks varying values, and with {@code report} the barriers they decide. */
    private final class Walker {
        private final boolean report;
        /** Enclosing loops, innermost first, for break and continue. */
        private final Deque<Tree> loops = new ArrayDeque<>();
        /** Names in scope, innermost scope first. */
        private final Deque<Map<String, VariableTree>> scopes = new ArrayDeque<>();
        /** The first return taken under a varying condition, if one was passed: every barrier after it diverges. */
        private String earlyReturn;

        Walker(boolean report) {
            this.report = report;
        }

        void body() {
            scopes.push(new HashMap<>());
            kernel.method.getParameters().forEach(p -> scopes.peek().put(p.getName().toString(), p));
            statement(kernel.method.getBody(), null);
        }

        private VariableTree resolve(String name) {
            for (Map<String, VariableTree> scope : scopes) {
                VariableTree v = scope.get(name);
                if (v != null) {
                    return v;
                }
            }
            return null;
        }

        private boolean isPrivateArray(VariableTree v) {
            return v != null && v.getInitializer() instanceof NewArrayTree;
        }

        private void scoped(Runnable body) {
            scopes.push(new HashMap<>());
            try {
                body.run();
            } finally {
                scopes.pop();
            }
        }

        void statement(StatementTree s, String control) {
            switch (s) {
                case null -> {
                }
                case BlockTree b -> scoped(() -> b.getStatements().forEach(t -> statement(t, control)));
                case VariableTree v -> {
                    if (v.getInitializer() != null) {
                        expression(v.getInitializer(), control);
                    }
                    scopes.peek().put(v.getName().toString(), v);
                    if (v.getInitializer() != null && (control != null
                            || (!(v.getInitializer() instanceof NewArrayTree) && varies(v.getInitializer())))) {
                        varying.add(v);
                    }
                }
                case ExpressionStatementTree e -> expression(e.getExpression(), control);
                case IfTree i -> {
                    expression(i.getCondition(), control);
                    String inner = control(control, i.getCondition());
                    statement(i.getThenStatement(), inner);
                    statement(i.getElseStatement(), inner);
                }
                case ForLoopTree f -> scoped(() -> {
                    f.getInitializer().forEach(t -> statement(t, control));
                    loop(f, f.getCondition(), control, inner -> {
                        statement(f.getStatement(), inner);
                        f.getUpdate().forEach(t -> statement(t, inner));
                    });
                });
                case WhileLoopTree w -> loop(w, w.getCondition(), control, inner -> statement(w.getStatement(), inner));
                case DoWhileLoopTree d -> loop(d, d.getCondition(), control, inner -> statement(d.getStatement(), inner));
                case ReturnTree r -> {
                    if (r.getExpression() != null) {
                        expression(r.getExpression(), control);
                    }
                    if (control != null) {
                        String why = "the return under " + control;
                        earlyReturn = earlyReturn == null ? why : earlyReturn;
                        loops.forEach(l -> divergentLoops.putIfAbsent(l, why));
                    }
                }
                case BreakTree b -> exit(control, "break");
                case ContinueTree c -> exit(control, "continue");
                default -> {
                }
            }
        }

        private void exit(String control, String what) {
            if (control != null && !loops.isEmpty()) {
                divergentLoops.putIfAbsent(loops.peekFirst(), "the " + what + " under " + control);
            }
        }

        private void loop(Tree loop, ExpressionTree condition, String control, java.util.function.Consumer<String> body) {
            if (condition != null) {
                expression(condition, control);
            }
            // A varying exit is named before the condition it makes vary (the loop counter, say).
            String inner = control != null ? control : divergentLoops.containsKey(loop) ? divergentLoops.get(loop)
                    : condition == null ? null : control(null, condition);
            loops.push(loop);
            try {
                body.accept(inner);
            } finally {
                loops.pop();
            }
        }

        private String control(String outer, ExpressionTree condition) {
            ExpressionTree shown = condition instanceof com.sun.source.tree.ParenthesizedTree p ? p.getExpression() : condition;
            return outer != null ? outer : varies(condition) ? "the condition '" + shown + "'" : null;
        }

        /** Whether {@code e}'s value may differ between the work-items of a group. */
        private boolean varies(ExpressionTree e) {
            boolean[] found = {false};
            new TreeScanner<Void, Void>() {
                @Override
                public Void visitMemberSelect(MemberSelectTree node, Void unused) {
                    if (kernel.contextName.equals(Names.identifier(node.getExpression()))
                            && ITEM_FIELDS.contains(node.getIdentifier().toString())) {
                        found[0] = true;
                    }
                    return super.visitMemberSelect(node, unused);
                }

                @Override
                public Void visitIdentifier(IdentifierTree node, Void unused) {
                    VariableTree v = resolve(node.getName().toString());
                    if (v != null && !isPrivateArray(v) && varying.contains(v)) {
                        found[0] = true;
                    }
                    return null;
                }

                @Override
                public Void visitArrayAccess(ArrayAccessTree node, Void unused) {
                    // A shared array's element at a uniform index is uniform; a private array is each work-item's own.
                    String array = Names.identifier(node.getExpression());
                    VariableTree v = array == null ? null : resolve(array);
                    if (isPrivateArray(v) && varying.contains(v)) {
                        found[0] = true;
                    }
                    return scan(node.getIndex(), null);
                }
            }.scan(e, null);
            return found[0];
        }

        /** Marks what assignments inside {@code e} make varying, and checks the barrier calls in it. */
        private void expression(ExpressionTree e, String control) {
            new TreeScanner<Void, Void>() {
                @Override
                public Void visitAssignment(AssignmentTree node, Void unused) {
                    assigned(node.getVariable(), control != null || varies(node.getExpression()));
                    return super.visitAssignment(node, unused);
                }

                @Override
                public Void visitCompoundAssignment(CompoundAssignmentTree node, Void unused) {
                    assigned(node.getVariable(), control != null || varies(node.getExpression()));
                    return super.visitCompoundAssignment(node, unused);
                }

                @Override
                public Void visitUnary(UnaryTree node, Void unused) {
                    if (KernelModel.isIncrementOrDecrement(node.getKind())) {
                        assigned(node.getExpression(), control != null);
                    }
                    return super.visitUnary(node, unused);
                }

                @Override
                public Void visitConditionalExpression(ConditionalExpressionTree node, Void unused) {
                    scan(node.getCondition(), null);
                    String inner = control(control, node.getCondition());
                    expression(node.getTrueExpression(), inner);
                    expression(node.getFalseExpression(), inner);
                    return null;
                }

                @Override
                public Void visitMethodInvocation(MethodInvocationTree node, Void unused) {
                    if (isBarrier(node)) {
                        String why = control != null ? control : earlyReturn;
                        if (report && why != null) {
                            problems.error(node, "localBarrier() is reached by only some work-items of a group: it runs"
                                    + " under " + why + ", which differs between work-items (it depends on "
                                    + kernel.contextName + ".localIdx or globalIdx). Every work-item must reach every"
                                    + " barrier, or a device hangs or crashes; move the barrier out and guard only the"
                                    + " work around it");
                        }
                    } else if (control != null || node.getArguments().stream().anyMatch(Walker.this::varies)) {
                        // a helper given a varying value may store one in the private arrays it is given
                        for (ExpressionTree arg : node.getArguments()) {
                            String array = Names.identifier(arg);
                            VariableTree v = array == null ? null : resolve(array);
                            if (isPrivateArray(v)) {
                                varying.add(v);
                            }
                        }
                    }
                    return super.visitMethodInvocation(node, unused);
                }

                private void assigned(ExpressionTree target, boolean varyingValue) {
                    if (target instanceof ArrayAccessTree a) {
                        String array = Names.identifier(a.getExpression());
                        VariableTree v = array == null ? null : resolve(array);
                        if (isPrivateArray(v) && (varyingValue || varies(a.getIndex()))) {
                            varying.add(v);
                        }
                    } else {
                        String name = Names.identifier(target);
                        VariableTree v = name == null ? null : resolve(name);
                        if (v != null && varyingValue) {
                            varying.add(v);
                        }
                    }
                }
            }.scan(e, null);
        }

        private boolean isBarrier(MethodInvocationTree call) {
            return kernel.contextName.equals(Names.selectedIdentifier(call.getMethodSelect()))
                    && ((MemberSelectTree) call.getMethodSelect()).getIdentifier().contentEquals("localBarrier");
        }
    }
}
