package squall.logging;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * What a block of code writes to standard error, slf4j-simple's log lines among it (it looks {@code System.err} up
 * at every line): so a test that provokes a warning on purpose checks it, and the warning does not sit in the
 * build's output looking like a failure.
 *
 * <pre>{@code
 * String logged = CapturedStandardError.during(() -> cache.get(key, compile));
 * assertTrue(logged.contains("WARN"));
 * }</pre>
 */
public final class CapturedStandardError {

    /** Code that may throw, as a test body may. */
    public interface Block {
        void run() throws Exception;
    }

    private CapturedStandardError() {
    }

    public static String during(Block block) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream before = System.err;
        System.setErr(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        try {
            block.run();
        } finally {
            System.setErr(before);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
