package squall.tasks.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code squall run}: one of squall's examples, or a program of the user's own, with squall's class path, JVM flags
 * and logging. A {@code .java} file is compiled first with squall's kernel compiler, so its kernels run on every
 * device; its main class is the top-level class named like the file, else the first one it declares.
 *
 * <pre>{@code
 * scripts/squall run SoftmaxRows opencl:0
 * scripts/squall run path/to/MySoftmax.java jvm
 * scripts/squall run --class-path my-kernels.jar org.example.Main
 * }</pre>
 */
@Command(name = "run", sortOptions = false,
        description = {"Runs a squall example (by class name; --list names them) or a program of your own: a .java file,"
                + " compiled first with squall's kernel compiler, or a class on --class-path. Arguments after the program"
                + " are the program's own.",
                "Like java, but with squall on the class path and its JVM flags; the program ends when its main returns."})
final class RunCommand implements Callable<Integer> {

    /** The examples' index in the examples jar: one line per example, its simple class name, a tab, what it shows. */
    static final String EXAMPLES_INDEX = "META-INF/squall/examples.txt";
    /** The examples' package: {@code squall run SoftmaxRows} means {@code squall.examples.SoftmaxRows}. */
    static final String EXAMPLES_PACKAGE = "squall.examples";

    @Spec
    CommandSpec spec;

    @Option(names = {"--class-path", "-cp"}, paramLabel = "<path>", split = ":",
            description = "More code for the program: jars, folders of classes and .java files, separated by ':'.")
    List<String> classPath = new ArrayList<>();

    @Option(names = "--list", description = "List the examples, one per line, with what each shows.")
    boolean list;

    @Parameters(index = "0", arity = "0..1", paramLabel = "PROGRAM",
            description = "An example (SoftmaxRows), a class name (org.example.Main) or a .java file.")
    String program;

    @Parameters(index = "1..*", paramLabel = "ARGS", description = "The program's own arguments.")
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (list) {
            if (program != null) {
                throw new BadInputException("--list", "takes no program, got '" + program + "'");
            }
            examples(getClass().getClassLoader()).forEach((name, what) -> out.printf(Locale.ROOT, "%-16s %s%n", name, what));
            out.flush();
            return 0;
        }
        if (program == null) {
            throw new BadInputException("PROGRAM", "name an example (" + String.join(", ", examples(getClass().getClassLoader()).keySet())
                    + "), a class or a .java file");
        }
        List<String> entries = new ArrayList<>(classPath);
        boolean source = program.endsWith(".java");
        if (source) {
            entries.addFirst(program);
        }
        try (UserClasses user = UserClasses.of(entries, source ? "PROGRAM" : "--class-path", err)) {
            Class<?> main = mainClass(user);
            Thread thread = Thread.currentThread();
            ClassLoader before = thread.getContextClassLoader();
            thread.setContextClassLoader(user.loader());
            out.flush();
            try {
                invokeMain(main, args.toArray(String[]::new));
            } catch (InvocationTargetException e) {
                System.out.flush();
                System.err.print("Exception in thread \"" + thread.getName() + "\" ");
                programFramesOnly(e.getCause()).printStackTrace();
                System.err.flush();
                return SquallCommand.FAILED;
            } finally {
                thread.setContextClassLoader(before);
                System.out.flush();
            }
        }
        return 0;
    }

    private Class<?> mainClass(UserClasses user) {
        if (program.endsWith(".java")) {
            String file = program.substring(program.lastIndexOf('/') + 1, program.length() - ".java".length());
            List<String> declared = user.topLevelClasses();
            String name = declared.stream().filter(c -> c.equals(file) || c.endsWith("." + file)).findFirst()
                    .orElse(declared.isEmpty() ? null : declared.getFirst());
            if (name == null) {
                throw new BadInputException("PROGRAM", program + " declares no class");
            }
            return load(user, name);
        }
        for (String name : List.of(program, EXAMPLES_PACKAGE + "." + program)) {
            try {
                return Class.forName(name, false, user.loader());
            } catch (ClassNotFoundException | NoClassDefFoundError e) {
                // try the next reading of the name
            }
        }
        Map<String, String> examples = examples(user.loader());
        List<String> similar = examples.keySet().stream().filter(e -> e.equalsIgnoreCase(program)
                || e.toLowerCase(Locale.ROOT).contains(program.toLowerCase(Locale.ROOT))).toList();
        throw new BadInputException("PROGRAM", "no class '" + program + "' on the class path"
                + (similar.isEmpty() ? "" : "; did you mean '" + String.join("' or '", similar) + "'?")
                + (examples.isEmpty() ? "" : " (examples: " + String.join(", ", examples.keySet()) + ")"));
    }

    private static Class<?> load(UserClasses user, String name) {
        try {
            return Class.forName(name, false, user.loader());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("compiled " + name + " but cannot load it", e);
        }
    }

    /** The trace as java would print it: down to the program's main, without squall's reflective call of it. */
    private static Throwable programFramesOnly(Throwable thrown) {
        StackTraceElement[] frames = thrown.getStackTrace();
        int end = frames.length;
        for (int i = 0; i < frames.length; i++) {
            if (frames[i].getClassName().equals(RunCommand.class.getName())) {
                end = i;
                while (end > 0 && (frames[end - 1].getClassName().startsWith("jdk.internal.reflect.")
                        || frames[end - 1].getClassName().equals(Method.class.getName()))) {
                    end--;
                }
                break;
            }
        }
        thrown.setStackTrace(Arrays.copyOf(frames, end));
        return thrown;
    }

    /** Calls {@code main} as the java launcher of JDK 25 would: an instance main on a new instance. */
    private static void invokeMain(Class<?> type, String[] args) throws InvocationTargetException {
        Method method = mainMethod(type);
        if (method == null) {
            throw new BadInputException("PROGRAM", type.getName() + " has no main method (static void main(String[] args))");
        }
        try {
            method.setAccessible(true);
            Object target = null;
            if (!Modifier.isStatic(method.getModifiers())) {
                Constructor<?> constructor = type.getDeclaredConstructor();
                constructor.setAccessible(true);
                target = constructor.newInstance();
            }
            if (method.getParameterCount() == 1) {
                method.invoke(target, (Object) args);
            } else {
                method.invoke(target);
            }
        } catch (NoSuchMethodException e) {
            throw new BadInputException("PROGRAM", type.getName() + "'s main is an instance method, and the class has no"
                    + " constructor without parameters to make the instance with");
        } catch (InstantiationException | IllegalAccessException e) {
            throw new BadInputException("PROGRAM", "cannot call " + type.getName() + ".main: " + e.getMessage());
        }
    }

    /** {@code main(String[])} if the class declares or inherits one (static or not), else {@code main()}; not private. */
    private static Method mainMethod(Class<?> type) {
        for (Class<?>[] params : List.of(new Class<?>[] {String[].class}, new Class<?>[0])) {
            for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
                try {
                    Method m = c.getDeclaredMethod("main", params);
                    if (!Modifier.isPrivate(m.getModifiers()) && m.getReturnType() == void.class) {
                        return m;
                    }
                } catch (NoSuchMethodException e) {
                    // look further up
                }
            }
        }
        return null;
    }

    /** Every example the class path's examples index lists, by simple name, with what it shows. */
    static Map<String, String> examples(ClassLoader loader) {
        Map<String, String> examples = new LinkedHashMap<>();
        try {
            Enumeration<URL> indexes = loader.getResources(EXAMPLES_INDEX);
            while (indexes.hasMoreElements()) {
                try (InputStream in = indexes.nextElement().openStream();
                     BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                    for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                        if (!line.isBlank() && !line.startsWith("#")) {
                            String[] parts = line.split("\t", 2);
                            examples.put(parts[0].strip(), parts.length > 1 ? parts[1].strip() : "");
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + EXAMPLES_INDEX, e);
        }
        return examples;
    }
}
