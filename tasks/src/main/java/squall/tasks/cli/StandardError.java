package squall.tasks.cli;

import java.io.Console;
import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Standard error as squall's launchers leave it. The scripts start the JVM with its standard error passed
 * through a filter that drops the one line every start prints because squall adds the Vector API's incubator
 * module ({@code WARNING: Using incubator modules: jdk.incubator.vector}), and keep the real standard error open
 * on the descriptor {@code -Dsquall.stderr.fd} names. {@link #takeBack()}, first thing in every squall
 * {@code main}, puts that one back on descriptor 2: from then on the filter is out of the way, so terminals are
 * detected as before and nothing squall or a program prints waits on another process.
 *
 * <pre>{@code
 * public static void main(String[] args) {
 *     StandardError.takeBack();
 *     ...
 * }
 * }</pre>
 */
public final class StandardError {

    /** The system property naming the descriptor that holds the real standard error. */
    public static final String DESCRIPTOR_PROPERTY = "squall.stderr.fd";

    private StandardError() {
    }

    /**
     * Moves the launcher's saved standard error back to descriptor 2 and closes the saved copy; does nothing when
     * not started by a squall script. A failure leaves the filtered stream in place, which still works.
     */
    @SuppressWarnings("restricted") // the launcher runs java with --enable-native-access=ALL-UNNAMED
    public static void takeBack() {
        String property = System.getProperty(DESCRIPTOR_PROPERTY);
        if (property == null) {
            return;
        }
        System.clearProperty(DESCRIPTOR_PROPERTY); // a program that squall run starts must not do it again
        try {
            int saved = Integer.parseInt(property.strip());
            Linker linker = Linker.nativeLinker();
            Optional<MethodHandle> dup2 = linker.defaultLookup().find("dup2").map(f -> linker.downcallHandle(f,
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT)));
            Optional<MethodHandle> close = linker.defaultLookup().find("close").map(f -> linker.downcallHandle(f,
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT)));
            if (saved <= 2 || dup2.isEmpty() || close.isEmpty()) {
                return;
            }
            System.err.flush();
            if ((int) dup2.get().invokeExact(saved, 2) == 2) {
                int ignored = (int) close.get().invokeExact(saved);
            }
        } catch (Throwable e) {
            // keep the filtered standard error: it passes everything but the one line through
        }
    }

    /** Whether descriptor 2 is a terminal: Linux names its device; elsewhere ask the JDK's console. */
    public static boolean isTerminal() {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/2")).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            Console console = System.console();
            return console != null && console.isTerminal();
        }
    }
}
