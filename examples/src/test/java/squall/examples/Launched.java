package squall.examples;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A squall command run as the scripts run it: a child JVM started by {@code squall_exec_java} from
 * {@code scripts/lib/common.sh}, with squall's JVM flags and this test's class path (the scripts' own build step is
 * left out: Maven has just built what the test runs).
 *
 * @param status the exit status
 * @param out    standard output
 * @param err    standard error
 */
record Launched(int status, String out, String err) {

    static final String SQUALL = "squall.tasks.cli.SquallCommand";
    static final String PROFILE = "squall.profiles.ProfileCommand";

    /** {@code scripts/squall ARGS}, in {@code folder}. */
    static Launched squall(Path folder, List<String> args) {
        return java(folder, Map.of(), SQUALL, args);
    }

    /** {@code java MAIN ARGS} through the launcher, in {@code folder}, with {@code env} added to the environment. */
    static Launched java(Path folder, Map<String, String> env, String main, List<String> args) {
        return run(folder, env, command(main, args));
    }

    /** The bash command line that starts {@code main} with {@code args} as the scripts do. */
    static List<String> command(String main, List<String> args) {
        Path common = Checkout.root().resolve("scripts/lib/common.sh");
        assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "no /bin/bash: the launcher cannot run here");
        // TEST_JVM_OPTIONS (split on spaces) adds JVM options, as SQUALL_JAVA_OPTS does in scripts/squall.
        String script = "set -euo pipefail; source \"$1\"; shift; squall_find_jdk; read -r -a extra <<<\"${TEST_JVM_OPTIONS:-}\";"
                + " squall_exec_java \"${SQUALL_JVM_FLAGS[@]}\" -Djava.awt.headless=true ${extra[@]+\"${extra[@]}\"}"
                + " -cp \"$CLASSPATH_FOR_TEST\" \"$@\"";
        List<String> command = new ArrayList<>(List.of("/bin/bash", "-c", script, "launcher", common.toString(), main));
        command.addAll(args);
        return command;
    }

    static Launched run(Path folder, Map<String, String> env, List<String> command) {
        try {
            ProcessBuilder pb = new ProcessBuilder(command).directory(folder.toFile());
            pb.environment().put("CLASSPATH_FOR_TEST", System.getProperty("java.class.path"));
            pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
            pb.environment().putAll(env);
            Path out = Files.createTempFile(folder, "stdout", ".txt"), err = Files.createTempFile(folder, "stderr", ".txt");
            Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail("did not finish in 300 s: " + command);
            }
            Launched result = new Launched(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                    Files.readString(err, StandardCharsets.UTF_8));
            Files.delete(out);
            Files.delete(err);
            return result;
        } catch (IOException e) {
            throw new AssertionError("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    Launched succeeded() {
        assertTrue(status == 0, this::toString);
        return this;
    }

    @Override
    public String toString() {
        return "exit " + status + "\n--- stdout ---\n" + out + "--- stderr ---\n" + err;
    }
}
