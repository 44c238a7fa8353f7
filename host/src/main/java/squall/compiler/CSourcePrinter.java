package squall.compiler;

import squall.compiler.CFragment.HelperCall;
import squall.compiler.CFragment.LibraryCall;
import squall.compiler.CFragment.SpaceRef;
import squall.runtime.KernelTarget;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Puts one kernel's OpenCL C or CUDA C program together: a header naming what is specialised, the library
 * functions and helper functions the kernel reaches, then the kernel. Helpers come as {@link Helper}s, printed
 * once per helper when javac typed its class (which may be another class than the kernel's); here each is given
 * a name per combination of address spaces it is called with ({@code dot_gp} takes a global and a private array:
 * OpenCL 1.2 has no generic address space) and its placeholders are filled in. CUDA pointers are generic: one
 * version each. A helper of another class than the kernel's keeps its class in its name ({@code Shared_twice}).
 */
final class CSourcePrinter {

    /** Address spaces of arrays in OpenCL C. */
    enum Space {
        GLOBAL("__global", 'g'), LOCAL("__local", 'l'), PRIVATE("__private", 'p');

        final String qualifier;
        final char letter;

        Space(String qualifier, char letter) {
            this.qualifier = qualifier;
            this.letter = letter;
        }
    }

    /**
     * A helper printed for one target with its spaces open, and how its C name is made: {@code Class_} unless it
     * is in the kernel's class, the method name, its position among overloads when it has any.
     */
    record Helper(String key, String qualifiedClass, String simpleClass, String name, int overload, CFragment fragment) {
    }

    /** A program, or why none could be made. */
    record Result(String source, String error) {
    }

    private record Version(String key, List<Space> spaces) {
    }

    private final KernelTarget target;
    private final String kernelClass;
    private final Map<String, Helper> helpers;
    /** The bounds-checked build's additions, or {@code null} for the plain build. */
    private final BoundsCheckPrinter checks;
    private final Map<Version, String> names = new LinkedHashMap<>();
    private final Deque<Version> toPrint = new ArrayDeque<>();
    /** Which helpers each helper calls, for finding recursion across classes. */
    private final Map<String, Set<String>> calls = new LinkedHashMap<>();
    private final Set<String> halfFunctions = new TreeSet<>();
    /** Definitions of library functions, by C name, in the order first needed (each after what it calls). */
    private final Map<String, String> library = new LinkedHashMap<>();
    private boolean usesDouble;

    private CSourcePrinter(KernelTarget target, String kernelClass, Map<String, Helper> helpers, BoundsCheckPrinter checks) {
        this.target = target;
        this.kernelClass = kernelClass;
        this.helpers = helpers;
        this.checks = checks;
    }

    /**
     * The program of {@code kernel} (of class {@code kernelClass}, printed as {@code fragment}), whose helpers are
     * among {@code helpers} (by key), all printed plain or (with {@code checked}) bounds-checked.
     */
    static Result print(KernelTarget target, String kernelClass, KernelModel kernel, CFragment fragment,
                        Map<String, Helper> helpers, boolean checked, HelperIndex index) {
        BoundsCheckPrinter checks = checked ? new BoundsCheckPrinter(target, kernel, index) : null;
        Result result = new CSourcePrinter(target, kernelClass, helpers, checks).program(kernel, fragment);
        if (!checked || result.source() == null) {
            return result;
        }
        String source = result.source();
        for (var id : BoundsCheckPrinter.privateIds(kernel, index).entrySet()) {
            source = source.replace(id.getKey(), id.getValue());
        }
        return new Result(source, null);
    }

    private Result program(KernelModel kernel, CFragment fragment) {
        String kernelText = resolve(fragment, List.of(), null, null);
        List<String> prototypes = new ArrayList<>();
        List<String> definitions = new ArrayList<>();
        while (!toPrint.isEmpty()) {
            Version version = toPrint.poll();
            Helper helper = helpers.get(version.key());
            if (helper == null) {
                return new Result(null, "the helper " + version.key() + " could not be printed");
            }
            String name = names.get(version);
            prototypes.add(substitute(helper.fragment().prototype, version.spaces(), name));
            definitions.add(resolve(helper.fragment(), version.spaces(), name, version.key()));
        }
        List<String> cycle = cycle();
        if (!cycle.isEmpty()) {
            return new Result(null, "recursion (" + String.join(" calls ", cycle)
                    + ") is not supported in kernels: devices have no call stack to grow");
        }

        StringBuilder out = new StringBuilder();
        String language = target == KernelTarget.OPENCL ? "OpenCL C" : "CUDA C";
        out.append("// ").append(language).append(" for ").append(simpleName(kernelClass)).append('.').append(kernel.name)
                .append(checks == null ? "" : ", bounds-checked").append(", generated by squall's kernel compiler. Do not edit.\n");
        List<String> specialized = new ArrayList<>();
        kernel.params.stream().filter(KernelModel.Param::specialized)
                .forEach(p -> specialized.add(CNames.specialized(p.name())));
        if (!specialized.isEmpty()) {
            out.append("// Specialised when the task graph is built (-D NAME=value): ")
                    .append(String.join(", ", specialized)).append('\n');
        }
        if (target == KernelTarget.OPENCL) {
            out.append("// Built without contraction, so a * b + c rounds twice, as in Java.\n")
                    .append("#pragma OPENCL FP_CONTRACT OFF\n");
            if (usesDouble) {
                out.append("#pragma OPENCL EXTENSION cl_khr_fp64 : enable\n");
            }
        } else {
            out.append("// Build with --fmad=false, so a * b + c rounds twice, as in Java.\n");
        }
        out.append('\n');
        if (checks != null) {
            out.append(checks.definitions()).append('\n');
        }
        for (String f : halfFunctions) {
            out.append(HalfPrecision.definition(f, target)).append('\n');
        }
        library.values().forEach(f -> out.append(f).append('\n'));
        if (!prototypes.isEmpty()) {
            prototypes.forEach(p -> out.append(p).append(";\n"));
            out.append('\n');
            definitions.forEach(h -> out.append(h).append('\n'));
        }
        out.append(kernelText);
        return new Result(out.toString(), null);
    }

    /** {@code fragment}'s text with its calls named (queueing new helper versions) and its spaces filled in. */
    private String resolve(CFragment fragment, List<Space> spaces, String self, String key) {
        String text = fragment.text;
        for (int i = 0; i < fragment.helperCalls.size(); i++) {
            HelperCall call = fragment.helperCalls.get(i);
            if (key != null) {
                calls.computeIfAbsent(key, k -> new LinkedHashSet<>()).add(call.key());
            }
            text = text.replace(CFragment.MARK + "h" + i + CFragment.MARK, helperName(call.key(), resolve(call.spaces(), spaces)));
        }
        for (int i = 0; i < fragment.libraryCalls.size(); i++) {
            LibraryCall call = fragment.libraryCalls.get(i);
            text = text.replace(CFragment.MARK + "f" + i + CFragment.MARK, define(call.function(), resolve(call.spaces(), spaces)));
        }
        halfFunctions.addAll(fragment.halfFunctions);
        usesDouble |= fragment.usesDouble;
        return substitute(text, spaces, self);
    }

    private List<Space> resolve(List<SpaceRef> refs, List<Space> parameters) {
        // CUDA has one version of each helper: its pointers are generic, there are no spaces to carry.
        return refs.stream().map(r -> target == KernelTarget.CUDA ? Space.GLOBAL : r.resolve(parameters)).toList();
    }

    /** {@code text} with the open qualifiers of a helper's parameters and its own name filled in. */
    private String substitute(String text, List<Space> spaces, String self) {
        for (int i = 0; i < spaces.size(); i++) {
            text = text.replace(CFragment.MARK + "q" + i + CFragment.MARK, spaces.get(i).qualifier);
        }
        return self == null ? text : text.replace(CFunctionPrinter.SELF, self);
    }

    /** The C name of helper {@code key} for arrays in {@code spaces}, queueing it for printing the first time. */
    private String helperName(String key, List<Space> spaces) {
        // CUDA pointers are generic: one version of each helper serves every address space.
        Version version = new Version(key, target == KernelTarget.CUDA ? List.of() : spaces);
        return names.computeIfAbsent(version, v -> {
            toPrint.add(v);
            Helper helper = helpers.get(key);
            if (helper == null) {
                return key;
            }
            String name = (helper.qualifiedClass().equals(kernelClass) ? "" : helper.simpleClass() + "_") + helper.name();
            if (helper.overload() >= 0) {
                name += "_" + helper.overload();
            }
            if (!v.spaces().isEmpty()) {
                StringBuilder suffix = new StringBuilder(name.endsWith("_") ? "" : "_");
                v.spaces().forEach(s -> suffix.append(s.letter));
                name += suffix;
            }
            return name;
        });
    }

    /**
     * Defines library function {@code function} for arrays in {@code spaces}; its C name. The bounds-checked build
     * calls it through a wrapper that checks the stretch of each array it would touch first.
     */
    private String define(String function, List<Space> spaces) {
        String name;
        if (function.equals(HalfPrecision.WIDEN_HALVES)) {
            name = HalfPrecision.widenHalvesName(target, spaces.get(0), spaces.get(1));
            library.computeIfAbsent(name, n -> HalfPrecision.widenHalvesDefinition(target, spaces.get(0), spaces.get(1)));
        } else {
            OrderFreeMath.define(function, target, spaces, library);
            name = OrderFreeMath.cName(function, target, spaces);
        }
        if (checks == null) {
            return name;
        }
        String fast = name;
        String checked = "squall_checked_" + name;
        library.computeIfAbsent(checked, n -> OrderFreeMath.checkedDefinition(function, target, spaces, fast, checked,
                checks.errorParameter()));
        return checked;
    }

    /** A chain of helper calls that comes back to where it started (by method name), or an empty list. */
    private List<String> cycle() {
        Set<String> done = new LinkedHashSet<>();
        for (String start : calls.keySet()) {
            List<String> found = cycleFrom(start, new ArrayDeque<>(), done);
            if (!found.isEmpty()) {
                return found;
            }
        }
        return List.of();
    }

    private List<String> cycleFrom(String key, Deque<String> stack, Set<String> done) {
        if (stack.contains(key)) {
            List<String> cycle = new ArrayList<>();
            boolean in = false;
            for (var it = stack.descendingIterator(); it.hasNext(); ) {
                String k = it.next();
                in |= k.equals(key);
                if (in) {
                    cycle.add(methodName(k));
                }
            }
            cycle.add(methodName(key));
            return cycle;
        }
        if (!done.add(key)) {
            return List.of();
        }
        stack.push(key);
        for (String callee : calls.getOrDefault(key, Set.of())) {
            List<String> found = cycleFrom(callee, stack, done);
            if (!found.isEmpty()) {
                return found;
            }
        }
        stack.pop();
        return List.of();
    }

    private static String methodName(String key) {
        return key.substring(key.indexOf('#') + 1, key.indexOf('('));
    }

    private static String simpleName(String qualified) {
        return qualified.substring(qualified.lastIndexOf('.') + 1);
    }
}
