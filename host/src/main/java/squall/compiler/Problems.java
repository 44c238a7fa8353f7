package squall.compiler;

import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.Tree;
import com.sun.source.util.Trees;

import javax.tools.Diagnostic;

/**
 * Reports kernel-subset violations as compile errors at the offending tree, so javac (and
 * Maven) print the file, line and column.
 */
final class Problems {

    private final Trees trees;
    private final CompilationUnitTree unit;
    private final String kernel;
    private final boolean quiet;
    private int count;

    Problems(Trees trees, CompilationUnitTree unit, String kernel) {
        this(trees, unit, kernel, false);
    }

    private Problems(Trees trees, CompilationUnitTree unit, String kernel, boolean quiet) {
        this.trees = trees;
        this.unit = unit;
        this.kernel = kernel;
        this.quiet = quiet;
    }

    /** Counts problems without reporting them: for re-reading a kernel whose problems were reported. */
    static Problems silent(Trees trees, CompilationUnitTree unit) {
        return new Problems(trees, unit, "", true);
    }

    void error(Tree at, String message) {
        count++;
        if (!quiet) {
            trees.printMessage(Diagnostic.Kind.ERROR, "squall kernel " + kernel + ": " + message, at, unit);
        }
    }

    int count() {
        return count;
    }
}
