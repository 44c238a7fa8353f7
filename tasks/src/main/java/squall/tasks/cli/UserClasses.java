package squall.tasks.cli;

import com.sun.source.tree.ClassTree;
import com.sun.source.tree.CompilationUnitTree;
import com.sun.source.tree.Tree;
import com.sun.source.util.JavacTask;
import com.sun.source.util.TaskEvent;
import com.sun.source.util.TaskListener;

import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import java.io.File;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * A user's own code for {@code squall run} and {@code squall print-kernel}: jars, folders of classes, and {@code .java}
 * files. A {@code .java} file is compiled here, against squall's own class path, with javac and squall's kernel
 * compiler (the annotation processor in squall-host), so the kernels in it get their OpenCL, CUDA and JVM variants
 * as a Maven build would give them. Closing deletes what was compiled.
 *
 * <pre>{@code
 * try (UserClasses user = UserClasses.of(List.of("MySoftmax.java"), "PROGRAM", err)) {
 *     Class<?> main = user.loader().loadClass(user.topLevelClasses().getFirst());
 * }
 * }</pre>
 */
final class UserClasses implements AutoCloseable {

    private final URLClassLoader loader;
    private final Path compiled;
    private final List<String> topLevelClasses;
    /** Deletes what was compiled when a program ends the JVM itself ({@code System.exit}) before {@link #close()}. */
    private final Thread cleanup;

    private UserClasses(URLClassLoader loader, Path compiled, List<String> topLevelClasses) {
        this.loader = loader;
        this.compiled = compiled;
        this.topLevelClasses = List.copyOf(topLevelClasses);
        this.cleanup = compiled == null ? null : new Thread(() -> delete(compiled), "squall-run-cleanup");
        if (cleanup != null) {
            Runtime.getRuntime().addShutdownHook(cleanup);
        }
    }

    /**
     * Loads {@code entries} (each a jar, a folder of classes or a {@code .java} file) on top of squall's class path.
     *
     * @param option the argument the entries came from, for error messages
     * @param err    where javac's messages go when a source does not compile
     * @throws BadInputException naming {@code option} when an entry is missing or a source does not compile
     */
    static UserClasses of(List<String> entries, String option, PrintWriter err) {
        List<Path> sources = new ArrayList<>();
        List<Path> classPath = new ArrayList<>();
        for (String entry : entries) {
            if (entry.isBlank()) {
                continue;
            }
            Path path = Path.of(entry).toAbsolutePath().normalize();
            if (!Files.exists(path)) {
                throw new BadInputException(option, entry + ": no such file or folder");
            }
            if (entry.endsWith(".java")) {
                sources.add(path);
            } else if (Files.isDirectory(path) || entry.endsWith(".jar")) {
                classPath.add(path);
            } else {
                throw new BadInputException(option, entry + " is neither a .java file, a .jar nor a folder of classes");
            }
        }
        Path compiled = null;
        List<String> classes = new ArrayList<>();
        if (!sources.isEmpty()) {
            try {
                compiled = Files.createTempDirectory("squall-run-");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot make a folder to compile into", e);
            }
            try {
                classes = compile(sources, classPath, compiled, option, err);
            } catch (RuntimeException e) {
                delete(compiled);
                throw e;
            }
            classPath.addFirst(compiled);
        }
        URL[] urls = classPath.stream().map(UserClasses::url).toArray(URL[]::new);
        return new UserClasses(new URLClassLoader(urls, UserClasses.class.getClassLoader()), compiled, classes);
    }

    /** Squall's classes, then the user's. */
    ClassLoader loader() {
        return loader;
    }

    /** The top-level classes the {@code .java} entries declare, file by file in declaration order. */
    List<String> topLevelClasses() {
        return topLevelClasses;
    }

    @Override
    public void close() {
        try {
            loader.close();
        } catch (IOException e) {
            // nothing to do: the JVM reclaims the files at exit
        }
        if (compiled != null) {
            delete(compiled);
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway, and finds nothing left to delete
            }
        }
    }

    private static List<String> compile(List<Path> sources, List<Path> classPath, Path out, String option, PrintWriter err) {
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        if (javac == null) {
            throw new BadInputException(option, "compiling a .java file needs a JDK, and this Java (" + System.getProperty("java.home")
                    + ") has no compiler; compile it yourself and give the classes");
        }
        List<String> path = new ArrayList<>(List.of(System.getProperty("java.class.path").split(File.pathSeparator)));
        classPath.forEach(p -> path.add(p.toString()));
        List<String> options = List.of("-proc:full", "-classpath", String.join(File.pathSeparator, path),
                "-d", out.toString(), "-s", out.toString(), "-encoding", "UTF-8", "-Xlint:-options");
        List<String> classes = new ArrayList<>();
        try (StandardJavaFileManager files = javac.getStandardFileManager(null, null, StandardCharsets.UTF_8)) {
            Iterable<? extends JavaFileObject> units = files.getJavaFileObjectsFromPaths(sources);
            JavacTask task = (JavacTask) javac.getTask(err, files, null, options, null, units);
            task.addTaskListener(new TaskListener() {
                @Override
                public void finished(TaskEvent e) {
                    if (e.getKind() == TaskEvent.Kind.PARSE) {
                        classes.addAll(topLevel(e.getCompilationUnit()));
                    }
                }
            });
            boolean ok = task.call();
            err.flush();
            if (!ok) {
                throw new BadInputException(option, String.join(", ", sources.stream().map(Path::getFileName).map(Path::toString).toList())
                        + " did not compile (javac's messages above)");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return classes;
    }

    private static List<String> topLevel(CompilationUnitTree unit) {
        String pkg = unit.getPackageName() == null ? "" : unit.getPackageName() + ".";
        List<String> names = new ArrayList<>();
        for (Tree type : unit.getTypeDecls()) {
            if (type instanceof ClassTree c && !c.getSimpleName().isEmpty()) {
                names.add(pkg + c.getSimpleName());
            }
        }
        return names;
    }

    private static URL url(Path path) {
        try {
            return path.toUri().toURL();
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException(path + " is not a usable class path entry", e);
        }
    }

    private static void delete(Path folder) {
        try (Stream<Path> walk = Files.walk(folder)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // a temporary folder left behind is harmless
        }
    }
}
