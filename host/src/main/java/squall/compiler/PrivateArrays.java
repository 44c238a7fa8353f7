package squall.compiler;

import com.sun.source.tree.ExpressionTree;
import com.sun.source.tree.MethodTree;
import com.sun.source.tree.NewArrayTree;
import com.sun.source.tree.PrimitiveTypeTree;
import com.sun.source.tree.VariableTree;
import com.sun.source.util.TreeScanner;
import squall.runtime.ParamType;

import javax.lang.model.type.TypeKind;
import java.util.ArrayList;
import java.util.List;

/**
 * A kernel's private arrays, {@code T[] a = new T[N]}, in its body and in every helper it reaches, in one order:
 * the generated descriptor lists them in it (so a plan can size them against the device before building the
 * kernel), and the bounds-checked C sources number them by it.
 */
final class PrivateArrays {

    /**
     * One declaration.
     *
     * @param method      the kernel or helper declaring it
     * @param declaration the variable
     * @param name        the variable's name, {@code helper.name} when a helper declares it
     * @param element     {@link ParamType#FLOAT}, {@link ParamType#INT}, ...
     * @param length      the size expression: constants and {@code @Specialize} parameters only
     */
    record Declared(MethodTree method, VariableTree declaration, String name, ParamType element, ExpressionTree length) {
    }

    private PrivateArrays() {
    }

    static List<Declared> of(KernelModel kernel, HelperIndex helpers) {
        List<Declared> result = new ArrayList<>();
        collect(kernel.method, "", result);
        for (MethodTree helper : helpers.reachableFrom(kernel.method)) {
            collect(helper, helper.getName() + ".", result);
        }
        return result;
    }

    private static void collect(MethodTree method, String prefix, List<Declared> into) {
        new TreeScanner<Void, Void>() {
            @Override
            public Void visitVariable(VariableTree node, Void unused) {
                if (node.getInitializer() instanceof NewArrayTree array && array.getDimensions().size() == 1
                        && array.getType() instanceof PrimitiveTypeTree type) {
                    // boolean and char arrays are rejected by the type rules: nothing to size for them
                    TypeKind kind = type.getPrimitiveTypeKind();
                    ParamType element = kind == TypeKind.BOOLEAN || kind == TypeKind.CHAR ? null : ParamType.valueOf(kind.name());
                    if (element != null) {
                        into.add(new Declared(method, node, prefix + node.getName(), element, array.getDimensions().getFirst()));
                    }
                }
                return super.visitVariable(node, unused);
            }
        }.scan(method.getBody(), null);
    }

    /** The index of {@code declaration} of {@code method} in {@code arrays}, or -1. */
    static int indexOf(List<Declared> arrays, MethodTree method, VariableTree declaration) {
        for (int i = 0; i < arrays.size(); i++) {
            if (arrays.get(i).method() == method && arrays.get(i).declaration() == declaration) {
                return i;
            }
        }
        return -1;
    }
}
