package squall.compiler;

import com.sun.source.tree.AnnotationTree;
import com.sun.source.tree.ExpressionTree;
import com.sun.source.tree.IdentifierTree;
import com.sun.source.tree.MemberSelectTree;
import com.sun.source.tree.ModifiersTree;
import com.sun.source.tree.Tree;

/** Name matching on trees that are not attributed yet (annotation processing time). */
final class Names {

    static final String PARALLEL = "squall.api.Parallel";
    static final String KERNEL = "squall.api.Kernel";
    static final String SPECIALIZE = "squall.api.Specialize";
    static final String KERNEL_CONTEXT = "squall.api.KernelContext";
    static final String KERNEL_MATH = "squall.api.KernelMath";

    private Names() {
    }

    /** {@code true} if {@code modifiers} carry the annotation {@code qualified}, written simple or qualified. */
    static boolean hasAnnotation(ModifiersTree modifiers, String qualified) {
        for (AnnotationTree a : modifiers.getAnnotations()) {
            if (matches(a.getAnnotationType(), qualified)) {
                return true;
            }
        }
        return false;
    }

    static boolean matches(Tree name, String qualified) {
        String written = name.toString();
        return written.equals(qualified) || written.equals(qualified.substring(qualified.lastIndexOf('.') + 1));
    }

    /** The identifier named by {@code tree}, or {@code null} if it is not a plain identifier. */
    static String identifier(ExpressionTree tree) {
        return tree instanceof IdentifierTree id ? id.getName().toString() : null;
    }

    /** For {@code a.b}, the plain identifier {@code a}, else {@code null}. */
    static String selectedIdentifier(ExpressionTree tree) {
        return tree instanceof MemberSelectTree s ? identifier(s.getExpression()) : null;
    }
}
