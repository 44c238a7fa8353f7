package squall.compiler;

import squall.runtime.KernelTarget;

import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Compiles Java source in-process with squall's kernel compiler, as javac would in a build. */
final class KernelCompilation {

    /** The outcome: javac's diagnostics and the folder the class files and generated sources went to. */
    record Result(boolean success, List<Diagnostic<? extends JavaFileObject>> diagnostics, Path output) {

        List<Diagnostic<? extends JavaFileObject>> errors() {
            return diagnostics.stream().filter(d -> d.getKind() == Diagnostic.Kind.ERROR).toList();
        }

        String errorText() {
            StringBuilder b = new StringBuilder();
            errors().forEach(d -> b.append(d.getLineNumber()).append(':').append(d.getColumnNumber()).append(' ')
                    .append(d.getMessage(Locale.ROOT)).append('\n'));
            return b.toString();
        }

        /** A generated source, e.g. the OpenCL C of {@code Golden.scale}. */
        String generated(String className, String kernel, KernelTarget target) {
            return read(target.resourcePath(className, kernel), className + "." + kernel, target);
        }

        /** The bounds-checked build of a kernel. */
        String generatedChecked(String className, String kernel, KernelTarget target) {
            return read(target.checkedResourcePath(className, kernel), className + "." + kernel + " (checked)", target);
        }

        private String read(String path, String what, KernelTarget target) {
            try {
                return Files.readString(output.resolve(path));
            } catch (IOException e) {
                throw new UncheckedIOException("no generated " + target + " source for " + what, e);
            }
        }
    }

    private KernelCompilation() {
    }

    /** Compiles one class, named with its package ({@code bad.Bad}). */
    static Result compile(String className, String source) {
        return compile(List.of(new Unit(className, source)));
    }

    /** One source file: a class named with its package, and its text. */
    record Unit(String className, String source) {
    }

    /** Compiles {@code units} together, in this order (the order javac types them in). */
    static Result compile(List<Unit> units) {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        try (StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, Locale.ROOT, StandardCharsets.UTF_8)) {
            Path output = Files.createTempDirectory("squall-kernel-compilation");
            List<JavaFileObject> sources = units.stream().map(KernelCompilation::file).toList();
            List<String> options = List.of("-classpath", System.getProperty("java.class.path"),
                    "-d", output.toString(), "-s", output.toString(), "-proc:full", "-Xlint:none");
            JavaCompiler.CompilationTask task = javac.getTask(null, files, diagnostics, options, null, sources);
            task.setProcessors(List.of(new KernelProcessor()));
            boolean ok = task.call();
            return new Result(ok, diagnostics.getDiagnostics(), output);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JavaFileObject file(Unit unit) {
        return new SimpleJavaFileObject(URI.create("string:///" + unit.className().replace('.', '/') + ".java"),
                JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return unit.source();
            }
        };
    }
}
