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
    /** Shared with the reporters {@link #in} makes: problems in another class's helpers count for this kernel. */
    private final int[] count;

    Problems(Trees trees, CompilationUnitTree unit, String kernel) {
        this(trees, unit, kernel, false, new int[1]);
    }

    private Problems(Trees trees, CompilationUnitTree unit, String kernel, boolean quiet, int[] count) {
        this.trees = trees;
        this.unit = unit;
        this.kernel = kernel;
        this.quiet = quiet;
        this.count = count;
    }

    /** A reporter for trees of {@code other} (a helper in another class), counting into this one. */
    Problems in(CompilationUnitTree other) {
        return other == null || other == unit ? this : new Problems(trees, other, kernel, quiet, count);
    }

    /** Counts problems without reporting them: for re-reading a kernel whose problems were reported. */
    static Problems silent(Trees trees, CompilationUnitTree unit) {
        return new Problems(trees, unit, "", true, new int[1]);
    }

    void error(Tree at, String message) {
        count[0]++;
        if (!quiet) {
            trees.printMessage(Diagnostic.Kind.ERROR, "squall kernel " + kernel + ": " + message, at, unit);
        }
    }

    int count() {
        return count[0];
    }
}
