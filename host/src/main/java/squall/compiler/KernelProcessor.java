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
import javax.lang.model.element.TypeElement;
import javax.tools.Diagnostic;
import javax.tools.FileObject;
import javax.tools.StandardLocation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
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
 */
public final class KernelProcessor extends AbstractProcessor {

    private Trees trees;
    private Filer filer;
    /** Classes read during processing whose C sources are written once javac has typed them. */
    private final Map<String, Map<CBuild, Map<String, FileObject>>> pending = new LinkedHashMap<>();

    /** One C source of each kernel: a target, plain or bounds-checked. */
    private record CBuild(KernelTarget target, boolean checked) {
        static final List<CBuild> ALL = List.of(new CBuild(KernelTarget.OPENCL, false), new CBuild(KernelTarget.CUDA, false),
                new CBuild(KernelTarget.OPENCL, true), new CBuild(KernelTarget.CUDA, true));

        String path(String owner, String kernel) {
            return checked ? target.checkedResourcePath(owner, kernel) : target.resourcePath(owner, kernel);
        }
    }
    private final Set<String> libraries = new LinkedHashSet<>();

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
        KernelClass kernels = KernelClass.read(owner, trees, true);
        Map<String, String> variants = new LinkedHashMap<>();
        for (KernelModel k : kernels.accepted()) {
            String signature = LibraryWriter.signature(k);
            variants.put(k.name, k.isParallel()
                    ? JavaVariantPrinter.print(k, kernels.kernelPaths.get(k.name), signature.isEmpty() ? "" : ", " + signature)
                    : "");
        }
        String library = kernels.packageName().isEmpty() ? kernels.libraryName()
                : kernels.packageName() + "." + kernels.libraryName();
        try {
            try (Writer w = filer.createSourceFile(library, owner).openWriter()) {
                w.write(LibraryWriter.write(kernels, variants));
            }
            String binaryName = processingEnv.getElementUtils().getBinaryName(owner).toString();
            Map<CBuild, Map<String, FileObject>> resources = new LinkedHashMap<>();
            for (KernelModel k : kernels.accepted()) {
                writeResource(KernelTarget.JAVA.resourcePath(binaryName, k.name), k.isParallel() ? variants.get(k.name)
                        : JavaVariantPrinter.contextNote(k, kernels.kernelPaths.get(k.name), LibraryWriter.signature(k)), owner);
                for (CBuild build : CBuild.ALL) {
                    resources.computeIfAbsent(build, t -> new LinkedHashMap<>()).put(k.name,
                            filer.createResource(StandardLocation.CLASS_OUTPUT, "", build.path(binaryName, k.name), owner));
                }
            }
            pending.put(owner.getQualifiedName().toString(), resources);
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

    /** javac has typed {@code type}: check the typed rules and write the C sources. */
    private void analyzed(TypeElement type) {
        Map<CBuild, Map<String, FileObject>> resources = pending.remove(type.getQualifiedName().toString());
        if (resources == null) {
            return;
        }
        KernelClass kernels = KernelClass.read(type, trees, false);
        for (KernelModel k : kernels.accepted()) {
            TreePath path = kernels.kernelPaths.get(k.name);
            Problems problems = new Problems(trees, kernels.unit, kernels.simpleName() + "." + k.name);
            TypeRules.check(k, path, kernels, trees, problems);
            if (problems.count() > 0) {
                continue;
            }
            try {
                for (CBuild build : CBuild.ALL) {
                    String source = CSourcePrinter.print(build.target(), k, kernels, trees, build.checked());
                    try (Writer w = resources.get(build).get(k.name).openWriter()) {
                        w.write(source);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (KernelPrinter.UnsupportedConstruct e) {
                problems.error(e.tree, e.getMessage());
            }
        }
    }
}
