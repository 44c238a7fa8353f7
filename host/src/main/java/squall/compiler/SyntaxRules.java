package squall.compiler;

import com.sun.source.tree.ArrayTypeTree;
import com.sun.source.tree.AssertTree;
import com.sun.source.tree.CaseTree;
import com.sun.source.tree.ClassTree;
import com.sun.source.tree.EnhancedForLoopTree;
import com.sun.source.tree.IdentifierTree;
import com.sun.source.tree.InstanceOfTree;
import com.sun.source.tree.LabeledStatementTree;
import com.sun.source.tree.LambdaExpressionTree;
import com.sun.source.tree.LiteralTree;
import com.sun.source.tree.MemberReferenceTree;
import com.sun.source.tree.MethodTree;
import com.sun.source.tree.NewArrayTree;
import com.sun.source.tree.NewClassTree;
import com.sun.source.tree.SwitchExpressionTree;
import com.sun.source.tree.SwitchTree;
import com.sun.source.tree.SynchronizedTree;
import com.sun.source.tree.ThrowTree;
import com.sun.source.tree.Tree;
import com.sun.source.tree.TryTree;
import com.sun.source.tree.VariableTree;
import com.sun.source.tree.YieldTree;
import com.sun.source.util.TreeScanner;

import java.util.Set;

/**
 * The parts of the kernel subset that can be checked on the syntax tree alone: no objects, no
 * strings, no exceptions, no lambdas, no arrays of arrays, and private arrays only as
 * {@code T[] name = new T[size]} with a size fixed before launch. Type-dependent rules
 * (which methods and fields may be used) are in {@link TypeRules}.
 */
final class SyntaxRules extends TreeScanner<Void, Void> {

    private final Problems problems;
    private final Set<String> sizeParams;
    private final Set<String> notSizes;

    private SyntaxRules(Problems problems, Set<String> sizeParams, Set<String> notSizes) {
        this.problems = problems;
        this.sizeParams = sizeParams;
        this.notSizes = notSizes;
    }

    /**
     * Checks {@code method}'s body and parameter types.
     *
     * @param sizeParams parameters a private array's size may name ({@code @Specialize} parameters)
     * @param notSizes   names a size must not use: the other parameters and all local variables.
     *                   Other names in a size must be constants, which {@link TypeRules} verifies.
     */
    static void check(MethodTree method, Problems problems, Set<String> sizeParams, Set<String> notSizes) {
        SyntaxRules rules = new SyntaxRules(problems, sizeParams, notSizes);
        rules.scan(method.getBody(), null);
        for (VariableTree p : method.getParameters()) {
            rules.scan(p.getType(), null);
        }
    }

    private Void reject(Tree at, String construct) {
        problems.error(at, construct + " is not supported in kernels");
        return null;
    }

    @Override
    public Void visitNewClass(NewClassTree node, Void unused) {
        return reject(node, "object allocation (new " + node.getIdentifier() + "(...))");
    }

    @Override
    public Void visitLiteral(LiteralTree node, Void unused) {
        return switch (node.getKind()) {
            case STRING_LITERAL -> reject(node, "a string");
            case CHAR_LITERAL -> reject(node, "a char value");
            case NULL_LITERAL -> reject(node, "null");
            default -> null;
        };
    }

    @Override
    public Void visitTry(TryTree node, Void unused) {
        return reject(node, "exception handling (try)");
    }

    @Override
    public Void visitThrow(ThrowTree node, Void unused) {
        return reject(node, "throwing an exception");
    }

    @Override
    public Void visitLambdaExpression(LambdaExpressionTree node, Void unused) {
        return reject(node, "a lambda");
    }

    @Override
    public Void visitMemberReference(MemberReferenceTree node, Void unused) {
        return reject(node, "a method reference");
    }

    @Override
    public Void visitSwitch(SwitchTree node, Void unused) {
        return reject(node, "switch (use if/else)");
    }

    @Override
    public Void visitSwitchExpression(SwitchExpressionTree node, Void unused) {
        return reject(node, "a switch expression (use ?: or if/else)");
    }

    @Override
    public Void visitCase(CaseTree node, Void unused) {
        return null;
    }

    @Override
    public Void visitYield(YieldTree node, Void unused) {
        return null;
    }

    @Override
    public Void visitSynchronized(SynchronizedTree node, Void unused) {
        return reject(node, "synchronized");
    }

    @Override
    public Void visitInstanceOf(InstanceOfTree node, Void unused) {
        return reject(node, "instanceof");
    }

    @Override
    public Void visitClass(ClassTree node, Void unused) {
        return reject(node, "a local class");
    }

    @Override
    public Void visitEnhancedForLoop(EnhancedForLoopTree node, Void unused) {
        return reject(node, "a for-each loop (write an index loop)");
    }

    @Override
    public Void visitLabeledStatement(LabeledStatementTree node, Void unused) {
        return reject(node, "a labeled statement");
    }

    @Override
    public Void visitAssert(AssertTree node, Void unused) {
        return reject(node, "assert");
    }

    @Override
    public Void visitIdentifier(IdentifierTree node, Void unused) {
        String name = node.getName().toString();
        if (name.equals("this") || name.equals("super")) {
            return reject(node, "'" + name + "' (kernels are static)");
        }
        return null;
    }

    @Override
    public Void visitArrayType(ArrayTypeTree node, Void unused) {
        if (node.getType() instanceof ArrayTypeTree) {
            return reject(node, "an array of arrays (flatten it and index with i * n + j)");
        }
        return super.visitArrayType(node, unused);
    }

    @Override
    public Void visitVariable(VariableTree node, Void unused) {
        if (node.getInitializer() instanceof NewArrayTree array) {
            checkPrivateArray(node, array);
            return scan(node.getType(), null);
        }
        return super.visitVariable(node, unused);
    }

    @Override
    public Void visitNewArray(NewArrayTree node, Void unused) {
        return reject(node, "an array allocation outside a local declaration ('float[] a = new float[N];')");
    }

    private void checkPrivateArray(VariableTree declaration, NewArrayTree array) {
        if (array.getDimensions().size() != 1 || array.getInitializers() != null) {
            if (array.getDimensions().size() > 1) {
                reject(array, "an array of arrays (flatten it and index with i * n + j)");
            } else {
                reject(array, "an array initializer list");
            }
            return;
        }
        new TreeScanner<Void, Void>() {
            @Override
            public Void visitIdentifier(IdentifierTree node, Void unused) {
                String name = node.getName().toString();
                if (!sizeParams.contains(name) && notSizes.contains(name)) {
                    problems.error(node, "a private array's size must be fixed before launch: use constants and"
                            + " @Specialize parameters, not '" + name + "' (array " + declaration.getName() + ")");
                }
                return null;
            }
        }.scan(array.getDimensions().getFirst(), null);
    }
}
