package squall.profiles;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** scripts/profile and scripts/bench parse as bash and can be run (the real runs are theirs, not the tests'). */
class ScriptsTest {

    static Path root() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("mvnw"))) {
                return dir;
            }
        }
        throw new IllegalStateException("no folder holding mvnw above " + Path.of("").toAbsolutePath());
    }

    @Test
    void scriptsParse() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/bin/bash")), "no bash here");
        for (String script : List.of("scripts/profile", "scripts/bench", "scripts/lib/profiles-build.sh")) {
            Path file = root().resolve(script);
            assertTrue(Files.isRegularFile(file), script);
            if (!script.startsWith("scripts/lib/")) {
                assertTrue(Files.isExecutable(file), script + " is not executable");
            }
            Process p = new ProcessBuilder("/bin/bash", "-n", file.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), script + ": " + out);
        }
    }
}
