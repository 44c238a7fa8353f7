package squall.examples;

import org.junit.jupiter.api.Test;

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

    @Test
    void everyExampleTheReadmeRunsExists() throws IOException {
        String readme = Files.readString(Checkout.root().resolve("README.md"));
        Matcher run = Pattern.compile("scripts/squall run (\\w+)").matcher(readme);
        int count = 0;
        while (run.find()) {
            Path file = Checkout.root().resolve("examples/src/main/java/squall/examples/" + run.group(1) + ".java");
            assertTrue(Files.isRegularFile(file), "README runs " + run.group(1) + ", which is no example");
            count++;
        }
        assertTrue(count > 0, "the README shows how to run an example");
    }
}
