package squall.compiler;

import com.sun.source.util.JavacTask;
import com.sun.source.util.TaskEvent;
import com.sun.source.util.TaskListener;
import com.sun.source.util.TreePath;
import com.sun.source.util.Trees;
import squall.runtime.KernelTarget;

import javax.annotation.processing.AbstractProcessor;
import javax.annotation.processing.Filer;
import javax.annotation.processing.ProcessingEnvironment;
import javax.annotation.processing.RoundEnvironment;
import javax.lang.model.SourceVersion;
import javax.lang.model.element.Element;
import javax.lang.model.element.ElementKind;
import javax.lang.model.element.ExecutableElement;
import javax.lang.model.element.TypeElement;
import javax.tools.Diagnostic;
import javax.tools.FileObject;
import javax.tools.StandardLocation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * squall's kernel compiler: a javac annotation processor for {@link squall.api.Kernel} methods.
 *
 * <ol>
 *   <li>During annotation processing (untyped trees) it checks each kernel's structure and writes
 *       {@code <Class>Compiled}, holding the kernels' descriptors and JVM variants.</li>
 *   <li>When javac has attributed the class ({@link TaskEvent.Kind#ANALYZE}), it checks the
 *       type-dependent rules and writes OpenCL C and CUDA C for each kernel, plain and bounds-checked, as class-path resources
 *       under {@code META-INF/squall/}.</li>
 * </ol>
 * Anything outside the kernel subset is a compile error at its line and column.
 *
 * <p>A kernel may call static helpers of any class in the same compilation. javac types, lowers and writes
 * one class after another, so a class's typed trees are there only at its own ANALYZE event: each helper a
 * kernel reaches is printed then ({@link CFunctionPrinter#printHelper}, address spaces left open), each kernel
 * at its class's event, and a kernel's program is put together ({@link CSourcePrinter}) once every class it
 * reaches has been typed, whichever comes last.
 */
public final class KernelProcessor extends AbstractProcessor {

    private Trees trees;
    private Filer filer;
    /** Kernels whose C sources are not written yet, by class: reserved during processing, written once typed. */
    private final Map<String, PendingClass> pending = new LinkedHashMap<>();
    /** Helpers some kernel reaches, by {@link HelperIndex#key}: each is printed when its class is typed. */
    private final Set<String> neededHelpers = new LinkedHashSet<>();
    /** Printed helpers, per build, by key. */
    private final Map<CBuild, Map<String, CSourcePrinter.Helper>> printedHelpers = new LinkedHashMap<>();
    /** Every top-level class of the compilation, by qualified name: where helpers may live. */
    private final Set<String> compiled = new LinkedHashSet<>();
    /** Classes javac has typed. */
    private final Set<String> analyzed = new LinkedHashSet<>();
    private final Set<String> libraries = new LinkedHashSet<>();
    /** The helper index of the last processing round, whose trees are what javac types afterwards. */
    private HelperIndex helperIndex;

    /** One C source of each kernel: a target, plain or bounds-checked. */
    private record CBuild(KernelTarget target, boolean checked) {
        static final List<CBuild> ALL = List.of(new CBuild(KernelTarget.OPENCL, false), new CBuild(KernelTarget.CUDA, false),
                new CBuild(KernelTarget.OPENCL, true), new CBuild(KernelTarget.CUDA, true));

        String path(String owner, String kernel) {
            return checked ? target.checkedResourcePath(owner, kernel) : target.resourcePath(owner, kernel);
        }
    }

    /** A class's kernels between processing and the writing of their C sources. */
    private static final class PendingClass {
        /** The reserved C resources, per build and kernel. */
        final Map<CBuild, Map<String, FileObject>> resources = new LinkedHashMap<>();
        /** Classes (this one included) that must be typed before the programs can be put together. */
        final Set<String> needs = new LinkedHashSet<>();
        /** The kernels as printed when their class was typed, per build; empty until then. */
        final Map<CBuild, Map<String, CFragment>> printed = new LinkedHashMap<>();
        final Map<String, KernelModel> models = new LinkedHashMap<>();
        final Map<String, Problems> problems = new LinkedHashMap<>();
        final Map<String, com.sun.source.tree.MethodTree> trees = new LinkedHashMap<>();
    }

    @Override
    public synchronized void init(ProcessingEnvironment env) {
        super.init(env);
        trees = Trees.instance(env);
        filer = env.getFiler();
        JavacTask.instance(env).addTaskListener(new TaskListener() {
            @Override
            public void finished(TaskEvent e) {
                if (e.getKind() == TaskEvent.Kind.ANALYZE && e.getTypeElement() != null) {
                    analyzed(e.getTypeElement());
                }
            }
        });
    }

    @Override
    public Set<String> getSupportedAnnotationTypes() {
        return Set.of(Names.KERNEL);
    }

    @Override
    public SourceVersion getSupportedSourceVersion() {
        return SourceVersion.latestSupported();
    }

    @Override
    public boolean process(Set<? extends TypeElement> annotations, RoundEnvironment round) {
        for (Element root : round.getRootElements()) {
            if (root instanceof TypeElement type) {
                compiled.add(type.getQualifiedName().toString());
            }
        }
        Set<TypeElement> owners = new LinkedHashSet<>();
        for (TypeElement annotation : annotations) {
            for (Element e : round.getElementsAnnotatedWith(annotation)) {
                if (e.getKind() == ElementKind.METHOD) {
                    owners.add(topLevel(e));
                }
            }
        }
        for (TypeElement owner : owners) {
            generate(owner);
        }
        if (round.processingOver() && !libraries.isEmpty()) {
            writeServiceFile();
        }
        return true;
    }

    private static TypeElement topLevel(Element e) {
        Element t = e.getEnclosingElement();
        while (t.getEnclosingElement() != null && t.getEnclosingElement().getKind() != ElementKind.PACKAGE) {
            t = t.getEnclosingElement();
        }
        return (TypeElement) t;
    }

    /** Writes the library class and the JVM variants, and reserves the C sources' resources. */
    private void generate(TypeElement owner) {
        HelperIndex helpers = helperIndex = helperIndex();
        KernelClass kernels = KernelClass.read(owner, trees, true, helpers);
        if (kernels.packageName().isEmpty()) {
            // Already reported at each kernel; a library class importing from the unnamed package would only add
            // javac's own "cannot find symbol" after the real error.
            return;
        }
        Map<String, String> variants = new LinkedHashMap<>();
        for (KernelModel k : kernels.accepted()) {
            String signature = LibraryWriter.signature(k);
            variants.put(k.name, k.isParallel()
                    ? JavaVariantPrinter.print(k, kernels.kernelPaths.get(k.name), signature.isEmpty() ? "" : ", " + signature)
                    : "");
        }
        String library = kernels.packageName() + "." + kernels.libraryName();
        try {
            try (Writer w = filer.createSourceFile(library, owner).openWriter()) {
                w.write(LibraryWriter.write(kernels, variants));
            }
            String binaryName = processingEnv.getElementUtils().getBinaryName(owner).toString();
            String name = owner.getQualifiedName().toString();
            PendingClass pendingClass = new PendingClass();
            pendingClass.needs.add(name);
            for (KernelModel k : kernels.accepted()) {
                writeResource(KernelTarget.JAVA.resourcePath(binaryName, k.name), k.isParallel() ? variants.get(k.name)
                        : JavaVariantPrinter.contextNote(k, kernels.kernelPaths.get(k.name), LibraryWriter.signature(k)), owner);
                for (CBuild build : CBuild.ALL) {
                    pendingClass.resources.computeIfAbsent(build, t -> new LinkedHashMap<>()).put(k.name,
                            filer.createResource(StandardLocation.CLASS_OUTPUT, "", build.path(binaryName, k.name), owner));
                }
                for (var helper : helpers.reachableFrom(k.method)) {
                    pendingClass.needs.add(helpers.ownerOf(helper));
                    neededHelpers.add(helpers.keyOf(helper));
                }
            }
            pending.put(name, pendingClass);
            libraries.add(library);
        } catch (IOException e) {
            processingEnv.getMessager().printMessage(Diagnostic.Kind.ERROR,
                    "squall: cannot write the kernels of " + owner + ": " + e.getMessage(), owner);
        }
    }

    private void writeResource(String path, String text, Element... origins) throws IOException {
        try (Writer w = filer.createResource(StandardLocation.CLASS_OUTPUT, "", path, origins).openWriter()) {
            w.write(text);
        }
    }

    private void writeServiceFile() {
        try {
            writeResource("META-INF/services/squall.runtime.KernelLibrary", String.join("\n", libraries) + "\n");
        } catch (IOException e) {
            processingEnv.getMessager().printMessage(Diagnostic.Kind.ERROR,
                    "squall: cannot write the kernel library index: " + e.getMessage());
        }
    }

    /** The static methods of every class of the compilation, as javac's elements stand now. */
    private HelperIndex helperIndex() {
        List<TypeElement> types = new ArrayList<>();
        for (String name : compiled) {
            TypeElement type = processingEnv.getElementUtils().getTypeElement(name);
            if (type != null) {
                types.add(type);
            }
        }
        return HelperIndex.of(types, trees);
    }

    /**
     * javac has typed {@code type}, and will lower it next: check the typed rules of its kernels and of the
     * helpers of it that kernels reach, print them, and put together every program whose classes are all typed.
     */
    private void analyzed(TypeElement type) {
        String name = type.getQualifiedName().toString();
        if (helperIndex == null || !compiled.contains(name)) {
            return;
        }
        analyzed.add(name);
        PendingClass own = pending.get(name);
        List<ExecutableElement> roots = new ArrayList<>();
        Map<ExecutableElement, Problems> problems = new LinkedHashMap<>();
        KernelClass kernels = own == null ? null : KernelClass.read(type, trees, false, helperIndex);
        if (kernels != null) {
            for (KernelModel k : kernels.accepted()) {
                Problems p = new Problems(trees, kernels.unit, kernels.simpleName() + "." + k.name);
                roots.add(k.element);
                problems.put(k.element, p);
                own.models.put(k.name, k);
                own.problems.put(k.name, p);
                own.trees.put(k.name, k.method);
            }
        }
        List<ExecutableElement> helpers = new ArrayList<>();
        for (Element member : type.getEnclosedElements()) {
            if (member instanceof ExecutableElement m && neededHelpers.contains(HelperIndex.key(m))) {
                helpers.add(m);
                roots.add(m);
                problems.computeIfAbsent(m, x -> new Problems(trees, trees.getPath(m).getCompilationUnit(),
                        type.getSimpleName() + "." + m.getSimpleName() + " (a helper)"));
            }
        }
        TypeRules.check(roots, problems, type, trees, helperIndex);
        for (CBuild build : CBuild.ALL) {
            for (ExecutableElement m : helpers) {
                try {
                    CFragment fragment = CFunctionPrinter.printHelper(build.target(), trees, helperIndex, m, build.checked());
                    long overloads = type.getEnclosedElements().stream()
                            .filter(e -> e.getSimpleName().equals(m.getSimpleName())).count();
                    printedHelpers.computeIfAbsent(build, t -> new LinkedHashMap<>()).put(HelperIndex.key(m),
                            new CSourcePrinter.Helper(HelperIndex.key(m), name, type.getSimpleName().toString(),
                                    CNames.safe(m.getSimpleName().toString()),
                                    overloads > 1 ? type.getEnclosedElements().indexOf(m) : -1, fragment));
                } catch (KernelPrinter.UnsupportedConstruct e) {
                    problems.get(m).error(e.tree, e.getMessage());
                }
            }
            if (kernels != null) {
                for (KernelModel k : kernels.accepted()) {
                    if (own.problems.get(k.name).count() > 0) {
                        continue;
                    }
                    try {
                        own.printed.computeIfAbsent(build, t -> new LinkedHashMap<>()).put(k.name, CFunctionPrinter.printKernel(
                                build.target(), trees, helperIndex, k, kernels.kernelPaths.get(k.name), build.checked()));
                    } catch (KernelPrinter.UnsupportedConstruct e) {
                        own.problems.get(k.name).error(e.tree, e.getMessage());
                    }
                }
            }
        }
        List<String> ready = pending.entrySet().stream().filter(e -> analyzed.containsAll(e.getValue().needs))
                .map(Map.Entry::getKey).toList();
        for (String className : ready) {
            write(className, pending.remove(className));
        }
    }

    /** Puts together and writes the programs of a class's kernels, all of whose classes are typed now. */
    private void write(String className, PendingClass kernels) {
        for (CBuild build : CBuild.ALL) {
            Map<String, CFragment> printed = kernels.printed.getOrDefault(build, Map.of());
            for (var entry : printed.entrySet()) {
                String kernel = entry.getKey();
                CSourcePrinter.Result program = CSourcePrinter.print(build.target(), className, kernels.models.get(kernel),
                        entry.getValue(), printedHelpers.getOrDefault(build, Map.of()), build.checked(), helperIndex);
                if (program.error() != null) {
                    if (build.target() == KernelTarget.OPENCL && !build.checked()) {
                        kernels.problems.get(kernel).error(kernels.trees.get(kernel), program.error());
                    }
                    continue;
                }
                try (Writer w = kernels.resources.get(build).get(kernel).openWriter()) {
                    w.write(program.source());
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }
}
