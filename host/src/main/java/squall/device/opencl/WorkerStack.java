package squall.device.opencl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The stack of the threads a CPU OpenCL driver runs work-groups on, which bounds what a work-group's private arrays
 * may take. PoCL's pthread device runs all work-items of a group in loops on one worker thread and keeps every
 * work-item's private arrays on that thread's stack at once: {@code squall prefill} with 768-token chunks of
 * Llama-3-8B got groups of 1 x 384 x 8 = 3072 work-items of 3,104 bytes each (9.5 MB) and died with SIGSEGV in the
 * kernel; 640 tokens (2560 work-items, 7.9 MB) fit. The workers are made with the default thread attributes, so
 * their stack is glibc's default: the soft {@code RLIMIT_STACK} ({@code ulimit -s}, usually 8 MiB), or 2 MiB when
 * that is unlimited.
 */
final class WorkerStack {

    /** glibc's stack for new threads when RLIMIT_STACK is unlimited (ARCH_STACK_DEFAULT_SIZE on x86-64). */
    static final long UNLIMITED_DEFAULT = 2L << 20;

    private static final long BYTES = read(Path.of("/proc/self/limits"));

    private WorkerStack() {
    }

    /** The worker threads' stack size in bytes. */
    static long bytes() {
        return BYTES;
    }

    /** The soft "Max stack size" of a {@code /proc/<pid>/limits} file; the smaller default when unreadable. */
    static long read(Path limits) {
        try {
            return parse(Files.readAllLines(limits));
        } catch (IOException | RuntimeException e) {
            return UNLIMITED_DEFAULT;
        }
    }

    static long parse(List<String> lines) {
        for (String line : lines) {
            if (line.startsWith("Max stack size")) {
                String soft = line.substring("Max stack size".length()).trim().split("\\s+")[0];
                return soft.equals("unlimited") ? UNLIMITED_DEFAULT : Long.parseLong(soft);
            }
        }
        return UNLIMITED_DEFAULT;
    }
}
