package squall.examples;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import squall.profiles.ProfileCommand;
import squall.tasks.cli.SquallCommand;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * docs/tutorial.md is runnable: every command in its {@code bash} blocks runs (with small sizes, and scripts/profile
 * with one variant, so the whole tutorial takes a minute, not an hour) and ends as the tutorial says, the KV-cache sizes it quotes are what
 * {@code kv-size} prints, and every step links the kernel source it describes. Re-measuring the tutorial's numbers
 * is running the same commands at full size.
 */
class TutorialTest {

    static final String TUTORIAL = "docs/tutorial.md";

    @TempDir
    static Path tmp;

    /**
     * A command of the tutorial: its line, the script and its arguments, the exit status it should end with ({@code
     * # exits N} after it; 0 otherwise) and the text block after its bash block, if any.
     */
    record Command(int line, String script, List<String> args, int status, String shown) {
        @Override
        public String toString() {
            return TUTORIAL + ":" + line + ": " + script + " " + String.join(" ", args);
        }
    }

    static List<Command> commands() throws IOException {
        List<String> lines = Files.readAllLines(Checkout.root().resolve(TUTORIAL));
        List<Command> commands = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (!lines.get(i).strip().equals("```bash")) {
                continue;
            }
            List<Command> block = new ArrayList<>();
            int j = i + 1;
            for (; j < lines.size() && !lines.get(j).strip().equals("```"); j++) {
                String line = lines.get(j).strip();
                int first = j + 1;
                while (line.endsWith("\\") && j + 1 < lines.size()) {
                    line = line.substring(0, line.length() - 1) + " " + lines.get(++j).strip();
                }
                if (!line.startsWith("scripts/")) {
                    continue;
                }
                int status = 0;
                Matcher comment = Pattern.compile("\\s+#(.*)$").matcher(line);
                if (comment.find()) {
                    Matcher exits = Pattern.compile("exits (\\d+)").matcher(comment.group(1));
                    status = exits.find() ? Integer.parseInt(exits.group(1)) : 0;
                    line = line.substring(0, comment.start());
                }
                List<String> words = List.of(line.strip().split("\\s+"));
                block.add(new Command(first, words.getFirst(), words.subList(1, words.size()), status, null));
            }
            String shown = null;
            int k = j + 1;
            while (k < lines.size() && lines.get(k).isBlank()) {
                k++;
            }
            if (k < lines.size() && lines.get(k).strip().equals("```text")) {
                StringBuilder text = new StringBuilder();
                for (k++; k < lines.size() && !lines.get(k).strip().equals("```"); k++) {
                    text.append(lines.get(k)).append('\n');
                }
                shown = text.toString();
            }
            for (int c = 0; c < block.size(); c++) {
                Command command = block.get(c);
                // the output shown belongs to the block's last command
                commands.add(c == block.size() - 1 ? new Command(command.line(), command.script(), command.args(),
                        command.status(), shown) : command);
            }
            i = j;
        }
        return commands;
    }

    @TestFactory
    Stream<DynamicTest> everyCommandRunsWithSmallSizes() throws IOException {
        List<Command> commands = commands();
        assertTrue(commands.size() >= 20, "the tutorial's commands: " + commands);
        return commands.stream().map(c -> DynamicTest.dynamicTest(c.toString(), () -> {
            List<String> args = small(c.script(), c.args());
            Ran ran = run(c.script(), args);
            assertEquals(c.status(), ran.status(), () -> "as run: " + c.script() + " " + String.join(" ", args) + "\n" + ran);
            if (c.args().getFirst().equals("kv-size") && c.shown() != null) {
                for (String line : c.shown().lines().filter(l -> !l.isBlank()).toList()) {
                    assertTrue(ran.out().lines().anyMatch(l -> squeeze(l).equals(squeeze(line))),
                            () -> "the tutorial shows '" + line + "', which kv-size does not print:\n" + ran);
                }
            }
        }));
    }

    @Test
    void quotesTheKvCacheSizesOfTheIssue() throws IOException {
        String tutorial = Files.readString(Checkout.root().resolve(TUTORIAL));
        for (String bytes : List.of("536,870,912", "134,217,728", "16,777,216")) {
            assertTrue(tutorial.contains(bytes), bytes);
        }
    }

    @Test
    void everyStepLinksTheKernelSourceItDescribesAndEveryLinkResolves() throws IOException {
        Path root = Checkout.root();
        String tutorial = Files.readString(root.resolve(TUTORIAL));
        String[] steps = tutorial.split("(?m)^## ");
        int numbered = 0;
        for (String step : steps) {
            if (step.matches("(?s)^\\d+\\..*")) {
                numbered++;
                String title = step.lines().findFirst().orElse("");
                assertTrue(step.contains("](../kernels/src/main/java/squall/kernels/") || step.contains("](../examples/src/main/java/"),
                        "step '" + title + "' links the kernel source it describes");
            }
        }
        assertTrue(numbered >= 9, "the tutorial's numbered steps: " + numbered);
        Matcher link = Pattern.compile("\\]\\((\\.\\./[^)#\\s]+)(#[^)]*)?\\)").matcher(tutorial);
        while (link.find()) {
            Path target = root.resolve("docs").resolve(link.group(1)).normalize();
            assertTrue(Files.exists(target), "the tutorial links " + link.group(1) + ", which does not exist");
        }
    }

    @Test
    void saysWhereAndWhenItsNumbersWereMeasured() throws IOException {
        String tutorial = Files.readString(Checkout.root().resolve(TUTORIAL));
        assertTrue(Pattern.compile("(?s)Measured on .*?\\son\\s+20\\d\\d-\\d\\d-\\d\\d").matcher(tutorial).find(),
                "the tutorial names the machine and the date of its numbers");
    }

    private static String squeeze(String line) {
        return line.strip().replaceAll("\\s+", " ");
    }

    // ---------------------------------------------------------------- small sizes

    /** Options whose value is a size, and the small value the test runs with. */
    private static final Map<String, String> SMALL = Map.of(
            "--context", "64", "--steps", "2", "--layers", "1", "--tokens", "32", "--chunk", "16",
            "--contexts", "48,64", "--prefill-tokens", "8", "--warmup", "1", "--batch", "1");

    /** The command as the test runs it: sizes small, paths from the repository root, profiles into a temporary folder. */
    static List<String> small(String script, List<String> args) {
        List<String> small = new ArrayList<>();
        String command = args.isEmpty() ? "" : args.getFirst();
        boolean sizes = script.equals("scripts/profile") && !args.contains("--compare") || command.equals("decode")
                || command.equals("prefill");
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (sizes && SMALL.containsKey(arg) && i + 1 < args.size()) {
                small.add(arg);
                small.add(SMALL.get(arg));
                i++;
            } else {
                small.add(fromRoot(arg));
            }
        }
        if (sizes && !small.contains("--layers")) {
            small.addAll(List.of("--layers", "1"));
        }
        if (command.equals("run") && args.size() > 1 && args.get(1).equals("DecodePipeline")) {
            // DecodePipeline DEVICE CONTEXT STEPS
            for (int i = 3; i < small.size() && i < 5; i++) {
                small.set(i, i == 3 ? "64" : "2");
            }
        }
        if (script.equals("scripts/profile") && !args.contains("--compare")) {
            // one variant: every variant on every device at every workload is a minute and a half even at these sizes
            small.addAll(List.of("--variants", "broadcast", "--probe-mib", "4", "--no-progress", "--out",
                    tmp.resolve("profile").toString()));
        }
        return small;
    }

    private static String fromRoot(String arg) {
        if (arg.startsWith("-") || !arg.contains("/")) {
            return arg;
        }
        Path p = Checkout.root().resolve(arg);
        return Files.exists(p) ? p.toString() : arg;
    }

    // ---------------------------------------------------------------- running

    record Ran(int status, String out, String err) {
        @Override
        public String toString() {
            return "exit " + status + "\n--- stdout ---\n" + out + "--- stderr ---\n" + err;
        }
    }

    /** Runs the command in this JVM, standard output and error (the program's and picocli's) captured. */
    static Ran run(String script, List<String> args) {
        if (!script.equals("scripts/squall") && !script.equals("scripts/profile")) {
            throw new AssertionError("the tutorial runs " + script + ", which this test cannot run");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        PrintStream stdout = System.out, stderr = System.err;
        PrintStream capturedOut = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream capturedErr = new PrintStream(err, true, StandardCharsets.UTF_8);
        System.setOut(capturedOut);
        System.setErr(capturedErr);
        int status;
        try {
            // made after System.out is replaced: a command line made before keeps writing to the old one
            CommandLine cli = script.equals("scripts/squall") ? SquallCommand.commandLine() : ProfileCommand.commandLine();
            status = cli.setOut(new PrintWriter(capturedOut, true)).setErr(new PrintWriter(capturedErr, true))
                    .execute(args.toArray(String[]::new));
        } finally {
            System.setOut(stdout);
            System.setErr(stderr);
        }
        return new Ran(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }
}
