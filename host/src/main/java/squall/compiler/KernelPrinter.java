package squall.compiler;

import com.sun.source.tree.ArrayAccessTree;
import com.sun.source.tree.AssignmentTree;
import com.sun.source.tree.BinaryTree;
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
import com.sun.source.tree.LiteralTree;
import com.sun.source.tree.MemberSelectTree;
import com.sun.source.tree.MethodInvocationTree;
import com.sun.source.tree.NewArrayTree;
import com.sun.source.tree.ParenthesizedTree;
import com.sun.source.tree.ReturnTree;
import com.sun.source.tree.StatementTree;
import com.sun.source.tree.Tree;
import com.sun.source.tree.TypeCastTree;
import com.sun.source.tree.UnaryTree;
import com.sun.source.tree.VariableTree;
import com.sun.source.tree.WhileLoopTree;
import com.sun.source.util.TreePath;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Prints the kernel subset of Java in C-family syntax. Java, OpenCL C and CUDA C share statement
 * and operator syntax and precedence, so the tree is printed as it stands (parentheses come from
 * the source's own {@link ParenthesizedTree}s); each target overrides what differs: types, names,
 * calls, literals, and how {@code @Parallel} loops become work-item indices.
 *
 * <p>The printer tracks the {@link TreePath} of the node it prints, so typed back ends can ask javac
 * for the type of any expression.
 */
abstract class KernelPrinter {

    private final StringBuilder out = new StringBuilder();
    private int indent;
    private TreePath path;
    /** Enclosing loops, innermost first; {@code continue} and {@code break} refer to the first. */
    private final Deque<StatementTree> loops = new ArrayDeque<>();

    protected KernelPrinter(TreePath root) {
        this.path = root;
    }

    // ---------------------------------------------------------------- output

    protected final void line(String text) {
        out.repeat("    ", indent).append(text).append('\n');
    }

    protected final void blankLine() {
        out.append('\n');
    }

    protected final void indented(Runnable body) {
        indent++;
        try {
            body.run();
        } finally {
            indent--;
        }
    }

    protected final String text() {
        return out.toString();
    }

    protected final TreePath path() {
        return path;
    }

    /** The path of {@code child}, a direct child of the current node. */
    protected final TreePath childPath(Tree child) {
        return new TreePath(path, child);
    }

    /** Runs {@code body} with {@code node}, a child of the current node, as the current node. */
    protected final <T> T within(Tree node, java.util.function.Supplier<T> body) {
        TreePath saved = path;
        path = new TreePath(path, node);
        try {
            return body.get();
        } finally {
            path = saved;
        }
    }

    /** The loop a {@code continue} or {@code break} at the current position belongs to, or {@code null}. */
    protected final StatementTree innermostLoop() {
        return loops.peekFirst();
    }

    // ---------------------------------------------------------------- statements

    /** Prints {@code { statements }} with the opening brace at the end of the current line's text. */
    protected final void statements(List<? extends StatementTree> statements) {
        for (StatementTree s : statements) {
            statement(s);
        }
    }

    protected final void statement(StatementTree s) {
        within(s, () -> {
            printStatement(s);
            return null;
        });
    }

    private void printStatement(StatementTree s) {
        switch (s) {
            case BlockTree b -> {
                line("{");
                indented(() -> statements(b.getStatements()));
                line("}");
            }
            case VariableTree v -> variable(v);
            case ExpressionStatementTree e -> line(expression(e.getExpression()) + ";");
            case IfTree i -> ifStatement(i, "");
            case ForLoopTree f -> forLoop(f);
            case WhileLoopTree w -> loop(w, "while (" + condition(w.getCondition()) + ")", w.getStatement(), "}");
            case DoWhileLoopTree d -> loop(d, "do", d.getStatement(), "} while (" + condition(d.getCondition()) + ");");
            case BreakTree b -> line("break;");
            case ContinueTree c -> continueStatement(c);
            case ReturnTree r -> line(r.getExpression() == null ? "return;" : "return " + expression(r.getExpression()) + ";");
            default -> {
                if (s.getKind() == Tree.Kind.EMPTY_STATEMENT) {
                    line(";");
                } else {
                    throw new UnsupportedConstruct(s, "statement " + s.getKind());
                }
            }
        }
    }

    /** {@code if (...) {}}, with {@code else if} chains kept flat; {@code prefix} is "} else " inside a chain. */
    private void ifStatement(IfTree i, String prefix) {
        line(prefix + "if (" + condition(i.getCondition()) + ") {");
        braced(i.getThenStatement());
        StatementTree otherwise = i.getElseStatement();
        if (otherwise instanceof IfTree elseIf) {
            within(elseIf, () -> {
                ifStatement(elseIf, "} else ");
                return null;
            });
        } else if (otherwise != null) {
            line("} else {");
            braced(otherwise);
            line("}");
        } else {
            line("}");
        }
    }

    /** The statements of a nested body, one level in; the caller prints the braces (K&R style). */
    protected final void braced(StatementTree s) {
        indented(() -> {
            if (s instanceof BlockTree block) {
                within(block, () -> {
                    statements(block.getStatements());
                    return null;
                });
            } else {
                statement(s);
            }
        });
    }

    /** {@code header {}, the body, then {@code closing}, with {@code loop} as the target of break and continue. */
    protected final void loop(StatementTree loop, String header, StatementTree body, String closing) {
        line(header + " {");
        inLoop(loop, () -> braced(body));
        line(closing);
    }

    /** Runs {@code body} with {@code loop} as the loop that {@code continue} and {@code break} refer to. */
    protected final void inLoop(StatementTree loop, Runnable body) {
        loops.push(loop);
        try {
            body.run();
        } finally {
            loops.pop();
        }
    }

    /** A condition without the redundant parentheses javac keeps around it. */
    protected final String condition(ExpressionTree c) {
        return c instanceof ParenthesizedTree p ? within(c, () -> expression(p.getExpression())) : expression(c);
    }

    /** Prints a sequential for loop; parallel loops are the back ends' business. */
    protected void forLoop(ForLoopTree f) {
        List<String> init = new ArrayList<>();
        String declaredType = null;
        for (StatementTree s : f.getInitializer()) {
            if (s instanceof VariableTree v) {
                String name = within(v, () -> declaredName(v));
                String value = v.getInitializer() == null ? "" : " = " + within(v, () -> expression(v.getInitializer()));
                if (declaredType == null) {
                    declaredType = within(v, () -> variableType(v));
                    init.add(declaredType + " " + name + value);
                } else {
                    init.add(name + value);
                }
            } else {
                init.add(within(s, () -> expression(((ExpressionStatementTree) s).getExpression())));
            }
        }
        List<String> update = new ArrayList<>();
        for (ExpressionStatementTree u : f.getUpdate()) {
            update.add(within(u, () -> expression(u.getExpression())));
        }
        String cond = f.getCondition() == null ? "" : " " + condition(f.getCondition());
        loop(f, "for (" + String.join(", ", init) + ";" + cond + ";" + (update.isEmpty() ? "" : " ")
                + String.join(", ", update) + ")", f.getStatement(), "}");
    }

    protected void continueStatement(ContinueTree c) {
        line("continue;");
    }

    /** A local variable declaration statement. */
    protected void variable(VariableTree v) {
        String init = v.getInitializer() == null ? "" : " = " + expression(v.getInitializer());
        line(variableType(v) + " " + declaredName(v) + init + ";");
    }

    /** The type of a declared variable, as the target writes it. */
    protected abstract String variableType(VariableTree v);

    /** The name of a declared variable, as the target writes it. */
    protected String declaredName(VariableTree v) {
        return v.getName().toString();
    }

    // ---------------------------------------------------------------- expressions

    protected final String expression(ExpressionTree e) {
        return within(e, () -> printExpression(e));
    }

    private String printExpression(ExpressionTree e) {
        return switch (e) {
            case ParenthesizedTree p -> "(" + expression(p.getExpression()) + ")";
            case LiteralTree l -> literal(l);
            case IdentifierTree id -> identifier(id);
            case MemberSelectTree s -> memberSelect(s);
            case ArrayAccessTree a -> arrayAccess(a);
            case MethodInvocationTree call -> invocation(call);
            case TypeCastTree c -> cast(c);
            case ConditionalExpressionTree c -> expression(c.getCondition()) + " ? " + expression(c.getTrueExpression())
                    + " : " + expression(c.getFalseExpression());
            case AssignmentTree a -> expression(a.getVariable()) + " = " + expression(a.getExpression());
            case CompoundAssignmentTree c -> compoundAssignment(c);
            case UnaryTree u -> unary(u);
            case BinaryTree b -> binary(b);
            case NewArrayTree n -> newArray(n);
            default -> throw new UnsupportedConstruct(e, "expression " + e.getKind());
        };
    }

    /** {@code a[i]}; the one place array accesses are printed, so a back end can check them. */
    protected String arrayAccess(ArrayAccessTree a) {
        return expression(a.getExpression()) + "[" + expression(a.getIndex()) + "]";
    }

    /** {@code new T[n]}, the initializer of a private array declaration. */
    protected String newArray(NewArrayTree n) {
        return "new " + n.getType() + "[" + expression(n.getDimensions().getFirst()) + "]";
    }

    protected String literal(LiteralTree l) {
        Object value = l.getValue();
        return switch (l.getKind()) {
            case INT_LITERAL -> intLiteral((Integer) value);
            case LONG_LITERAL -> longLiteral((Long) value);
            case FLOAT_LITERAL -> floatLiteral((Float) value);
            case DOUBLE_LITERAL -> doubleLiteral((Double) value);
            case BOOLEAN_LITERAL -> value.toString();
            default -> throw new UnsupportedConstruct(l, "literal " + l.getKind());
        };
    }

    protected String intLiteral(int value) {
        return value == Integer.MIN_VALUE ? "(-2147483647 - 1)" : Integer.toString(value);
    }

    protected String longLiteral(long value) {
        return value == Long.MIN_VALUE ? "(-9223372036854775807L - 1L)" : value + "L";
    }

    /** A float literal that parses back to exactly {@code value} in Java and C. */
    protected String floatLiteral(float value) {
        return Float.toString(value) + "f";
    }

    protected String doubleLiteral(double value) {
        return Double.toString(value);
    }

    protected String identifier(IdentifierTree id) {
        return id.getName().toString();
    }

    protected String memberSelect(MemberSelectTree s) {
        return expression(s.getExpression()) + "." + s.getIdentifier();
    }

    protected abstract String invocation(MethodInvocationTree call);

    /** The printed arguments of {@code call}. */
    protected final List<String> arguments(MethodInvocationTree call) {
        List<String> args = new ArrayList<>();
        for (ExpressionTree a : call.getArguments()) {
            args.add(expression(a));
        }
        return args;
    }

    protected String cast(TypeCastTree c) {
        return "(" + castType(c) + ") " + expression(c.getExpression());
    }

    /** The target type of a cast, as the target writes it. */
    protected abstract String castType(TypeCastTree c);

    protected String compoundAssignment(CompoundAssignmentTree c) {
        return expression(c.getVariable()) + " " + Operators.symbol(c.getKind()) + " " + expression(c.getExpression());
    }

    protected String unary(UnaryTree u) {
        String operand = expression(u.getExpression());
        return switch (u.getKind()) {
            case POSTFIX_INCREMENT -> operand + "++";
            case POSTFIX_DECREMENT -> operand + "--";
            case PREFIX_INCREMENT -> "++" + operand;
            case PREFIX_DECREMENT -> "--" + operand;
            default -> Operators.symbol(u.getKind()) + operand;
        };
    }

    protected String binary(BinaryTree b) {
        return expression(b.getLeftOperand()) + " " + Operators.symbol(b.getKind()) + " " + expression(b.getRightOperand());
    }

    /** A construct the kernel subset should have excluded before printing: a compiler bug. */
    static final class UnsupportedConstruct extends RuntimeException {
        final Tree tree;

        UnsupportedConstruct(Tree tree, String what) {
            super("squall's kernel compiler cannot print " + what);
            this.tree = tree;
        }
    }
}
