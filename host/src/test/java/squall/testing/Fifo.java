package squall.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Named pipes for tests of what squall writes: a FIFO is one of the paths it must refuse and leave as it was. */
public final class Fifo {

    private Fifo() {
    }

    /** A FIFO at {@code path}, as {@code mkfifo} makes one; the calling test is skipped where there is no mkfifo. */
    public static Path at(Path path) throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder("mkfifo", path.toString()).redirectErrorStream(true).start();
        } catch (IOException e) {
            assumeTrue(false, "no mkfifo here: " + e.getMessage());
            throw e;
        }
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        assumeTrue(p.exitValue() == 0, "mkfifo failed: " + new String(p.getInputStream().readAllBytes()));
        return path;
    }
}
