package squall.compiler;

import squall.compiler.CSourcePrinter.Space;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * One printed C function (a kernel, or a helper with its arrays' address spaces left open) and what it needs
 * from the rest of its program. The names of the functions it calls are not known while it is printed (they
 * depend on the address spaces of a helper's arguments and on the kernel it ends up in), so the text holds
 * a placeholder for each call, replaced when {@link CSourcePrinter} puts a program together; so does each open
 * address-space qualifier of a helper's parameters.
 */
final class CFragment {

    /** Marks placeholders in the text; no C source contains it. */
    static final char MARK = '\u0001';

    /**
     * The address space of an array argument: a concrete one, or that of the enclosing helper's
     * {@code parameter}-th array parameter (counted among its array parameters).
     */
    record SpaceRef(Space concrete, int parameter) {

        static SpaceRef of(Space concrete) {
            return new SpaceRef(concrete, -1);
        }

        static SpaceRef parameter(int index) {
            return new SpaceRef(null, index);
        }

        Space resolve(List<Space> parameters) {
            return concrete != null ? concrete : parameters.get(parameter);
        }

        /** The qualifier as printed: concrete, or a placeholder. */
        String qualifier() {
            return concrete != null ? concrete.qualifier : MARK + "q" + parameter + MARK;
        }
    }

    /** A call to a helper (by {@link HelperIndex} key) with its array arguments' spaces. */
    record HelperCall(String key, List<SpaceRef> spaces) {
    }

    /** A call to a library function defined in the program ({@code widenHalves}, an order-free operation). */
    record LibraryCall(String function, List<SpaceRef> spaces) {
    }

    String prototype;
    String text;
    final List<HelperCall> helperCalls = new ArrayList<>();
    final List<LibraryCall> libraryCalls = new ArrayList<>();
    /** {@link HalfPrecision} functions called. */
    final Set<String> halfFunctions = new TreeSet<>();
    boolean usesDouble;

    /** The placeholder for the name of a new call to helper {@code key}. */
    String callHelper(String key, List<SpaceRef> spaces) {
        helperCalls.add(new HelperCall(key, List.copyOf(spaces)));
        return MARK + "h" + (helperCalls.size() - 1) + MARK;
    }

    /** The placeholder for the name of a new call to library function {@code function}. */
    String callLibrary(String function, List<SpaceRef> spaces) {
        libraryCalls.add(new LibraryCall(function, List.copyOf(spaces)));
        return MARK + "f" + (libraryCalls.size() - 1) + MARK;
    }
}
