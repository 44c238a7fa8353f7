package squall.tasks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs a main class of the test class path in a JVM of its own: how tests exercise paths that could kill a JVM
 * (a driver's SIGSEGV, an abort) and assert the exit status and message instead of dying with it.
 */
public final class ChildJvm {

    /** The outcome: exit status (134 abort, 139 SIGSEGV), standard output and error. */
    public record Result(int status, String out, String err) {
        @Override
        public String toString() {
            return "exit " + status + "\n--- stdout ---\n" + out + "--- stderr ---\n" + err;
        }
    }

    private ChildJvm() {
    }

    /**
     * Runs {@code main} with {@code args}; {@code folder} receives its output files and any crash report, and
     * {@code env} is added to this JVM's environment.
     */
    public static Result run(Path folder, Map<String, String> env, Class<?> main, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "-XX:ErrorFile=" + folder.resolve("hs_err_pid%p.log"), "-Xss4m",
                "-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        Files.createDirectories(folder);
        Path out = Files.createTempFile(folder, "stdout", ".txt");
        Path err = Files.createTempFile(folder, "stderr", ".txt");
        ProcessBuilder pb = new ProcessBuilder(command).directory(folder.toFile())
                .redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        assertTrue(p.waitFor(10, TimeUnit.SECONDS), "the child JVM ended");
        return new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }
}
