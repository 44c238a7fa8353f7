package squall.examples;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The squall checkout these tests run in: its README, docs, scripts and examples. */
final class Checkout {

    private Checkout() {
    }

    /** The repository root: the first folder at or above the working directory with scripts/lib/common.sh. */
    static Path root() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("scripts/lib/common.sh")) && Files.isRegularFile(p.resolve("README.md"))) {
                return p;
            }
        }
        assumeTrue(false, "no squall checkout at or above " + Path.of("").toAbsolutePath()
                + " (a GPU bundle carries no README, docs or scripts): nothing to check here");
        throw new AssertionError("unreachable");
    }
}
