package squall.compiler;

import com.sun.source.tree.ForLoopTree;
import com.sun.source.tree.MethodInvocationTree;
import com.sun.source.tree.TypeCastTree;
import com.sun.source.tree.VariableTree;
import com.sun.source.util.TreePath;

/**
 * Prints the JVM variant of a {@code @Parallel} kernel: the same method with its outermost
 * parallel loop running over {@code [squallFrom, squallTo)}, so the JVM device can hand each
 * thread a slice. Works on the untyped tree: Java is printed as written.
 */
final class JavaVariantPrinter extends KernelPrinter {

    static final String FROM = "squallFrom";
    static final String TO = "squallTo";

    private final KernelModel kernel;
    /** Names printed widened to long, so that a size evaluated on the host cannot overflow as the kernel's int would. */
    private final java.util.Set<String> widened;

    private JavaVariantPrinter(KernelModel kernel, TreePath root) {
        this(kernel, root, java.util.Set.of());
    }

    private JavaVariantPrinter(KernelModel kernel, TreePath root, java.util.Set<String> widened) {
        super(root);
        this.kernel = kernel;
        this.widened = widened;
    }

    /** The variant as a static method of the generated class. */
    static String print(KernelModel kernel, TreePath methodPath, String signature) {
        JavaVariantPrinter p = new JavaVariantPrinter(kernel, methodPath);
        p.line("static void " + kernel.name + "(int " + FROM + ", int " + TO + signature + ") {");
        p.indented(() -> p.statements(kernel.method.getBody().getStatements()));
        p.line("}");
        return p.text();
    }

    /**
     * What the JVM runs for a context kernel: the method as written, one work-group at a time
     * (one virtual thread per work-item when the kernel calls {@code localBarrier()}).
     */
    static String contextNote(KernelModel kernel, TreePath methodPath, String signature) {
        JavaVariantPrinter p = new JavaVariantPrinter(null, methodPath);
        p.line("// The JVM device runs this kernel as written, one work-group at a time"
                + (kernel.usesBarrier ? ", one virtual thread per work-item (it calls localBarrier())." : ", work-item by work-item."));
        p.line("static void " + kernel.name + "(" + signature + ") {");
        p.indented(() -> p.statements(kernel.method.getBody().getStatements()));
        p.line("}");
        return p.text();
    }

    /** An expression printed as Java, for bounds and sizes evaluated on the host. */
    static String expressionText(com.sun.source.tree.ExpressionTree e, TreePath root) {
        return new JavaVariantPrinter(null, root).expression(e);
    }

    /** {@link #expressionText}, with each of {@code widened} (int parameters) printed as {@code ((long) name)}. */
    static String longExpressionText(com.sun.source.tree.ExpressionTree e, TreePath root, java.util.Set<String> widened) {
        return new JavaVariantPrinter(null, root, widened).expression(e);
    }

    @Override
    protected String identifier(com.sun.source.tree.IdentifierTree id) {
        String name = id.getName().toString();
        return widened.contains(name) ? "((long) " + name + ")" : name;
    }

    @Override
    protected void forLoop(ForLoopTree f) {
        if (kernel != null && f == kernel.loops.getFirst().loop()) {
            String v = kernel.loops.getFirst().variable();
            loop(f, "for (int " + v + " = " + FROM + "; " + v + " < " + TO + "; " + v + "++)", f.getStatement(), "}");
        } else {
            super.forLoop(f);
        }
    }

    @Override
    protected String variableType(VariableTree v) {
        return v.getType() == null ? "var" : v.getType().toString();
    }

    @Override
    protected String castType(TypeCastTree c) {
        return c.getType().toString();
    }

    @Override
    protected String invocation(MethodInvocationTree call) {
        return expression(call.getMethodSelect()) + "(" + String.join(", ", arguments(call)) + ")";
    }
}
