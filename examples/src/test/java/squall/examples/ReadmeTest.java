package squall.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's Java is the examples' code: every {@code java} block follows a line
 * {@code <!-- example: examples/src/main/java/...java -->} and is that file, imports and all, so what a reader
 * copies compiles and is what {@link ExamplesTest} runs on every device.
 */
class ReadmeTest {

    private static final Pattern BLOCK = Pattern.compile("(?:<!-- example: (\\S+) -->\\s*\\n)?```java\\n(.*?)```", Pattern.DOTALL);

    record Snippet(String file, String code) {
    }

    static List<Snippet> snippets(Path markdown) throws IOException {
        List<Snippet> found = new ArrayList<>();
        Matcher m = BLOCK.matcher(Files.readString(markdown));
        while (m.find()) {
            found.add(new Snippet(m.group(1), m.group(2)));
        }
        return found;
    }

    @Test
    void everyJavaBlockIsAnExampleFileVerbatim() throws IOException {
        Path root = Checkout.root();
        List<Snippet> snippets = snippets(root.resolve("README.md"));
        assertTrue(snippets.size() >= 2, "the README shows at least the decode pipeline and a kernel of one's own");
        for (Snippet s : snippets) {
            assertTrue(s.file() != null, "a java block without '<!-- example: FILE -->' before it:\n" + s.code());
            Path file = root.resolve(s.file());
            assertTrue(Files.isRegularFile(file), s.file() + " does not exist");
            assertEquals(Files.readString(file).strip(), s.code().strip(), "README.md's copy of " + s.file()
                    + " differs from the file: paste the file again");
        }
        List<String> shown = snippets.stream().map(Snippet::file).toList();
        assertTrue(shown.contains("examples/src/main/java/squall/examples/DecodePipeline.java"), shown.toString());
        assertTrue(shown.contains("examples/src/main/java/squall/examples/SoftmaxRows.java"), shown.toString());
    }

    /**
     * "Make it your own", as a reader does it: SoftmaxRows.java copied to MySoftmax.java with the class renamed, then
     * every command of the README's block after it, run as the scripts run them, in the folder holding the copy.
     */
    @Test
    void aCopyOfTheKernelExampleRunsAndPrintsAsTheReadmeSays(@TempDir Path tmp) throws IOException {
        Path root = Checkout.root();
        String readme = Files.readString(root.resolve("README.md"));
        int from = readme.indexOf("Make it your own");
        assertTrue(from > 0, "the README shows how to make the example one's own");
        Matcher block = Pattern.compile("```bash\\n(.*?)```", Pattern.DOTALL).matcher(readme);
        assertTrue(block.find(from), "a bash block after 'Make it your own'");
        Files.writeString(tmp.resolve("MySoftmax.java"), Files.readString(root.resolve("examples/src/main/java/squall/examples/SoftmaxRows.java"))
                .replace("SoftmaxRows", "MySoftmax"));
        List<String> devices = ExamplesTest.devices();
        int ran = 0;
        for (String line : block.group(1).lines().map(String::strip).filter(l -> l.startsWith("scripts/squall ")).toList()) {
            List<String> words = List.of(line.replaceAll("\\s+#.*$", "").split("\\s+"));
            List<String> args = words.subList(1, words.size());
            if (args.stream().anyMatch(a -> a.matches("(opencl|cuda):\\d+") && !devices.contains(a))) {
                continue; // a device this machine does not have (ExamplesTest fails if CI lacks OpenCL)
            }
            Launched run = Launched.squall(tmp, args).succeeded();
            assertEquals("", run.err(), run::toString);
            if (args.contains("run")) {
                assertTrue(run.out().contains(args.getLast() + ": row 0 starts"), run::toString);
            } else if (args.contains("cuda")) {
                assertTrue(run.out().contains("extern \"C\" __global__ void softmaxRows("), run::toString);
            } else if (args.contains("--device")) {
                assertTrue(run.out().contains("// Specialised for N=256"), run::toString);
                assertTrue(run.out().contains("// Built on " + args.getLast()), run::toString);
            }
            ran++;
        }
        assertTrue(ran >= 3, "ran " + ran + " of the README's commands");
    }

    /** {@code scripts/squall run SoftmaxRows}, not {@code run NAME} or {@code run MySoftmax.java}. */
    @Test
    void everyExampleTheReadmeRunsExists() throws IOException {
        String readme = Files.readString(Checkout.root().resolve("README.md"));
        Matcher run = Pattern.compile("scripts/squall run ([A-Z][a-z]\\w*)(?![\\w.])").matcher(readme);
        int count = 0;
        while (run.find()) {
            Path file = Checkout.root().resolve("examples/src/main/java/squall/examples/" + run.group(1) + ".java");
            assertTrue(Files.isRegularFile(file), "README runs " + run.group(1) + ", which is no example");
            count++;
        }
        assertTrue(count > 0, "the README shows how to run an example");
    }
}
