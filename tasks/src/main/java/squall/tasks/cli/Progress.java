package squall.tasks.cli;

import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarStyle;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * A progress bar on standard error (drawn by {@code me.tongfei:progressbar}), or nothing. By default it
 * shows only where it helps: standard error is a terminal, no {@code -v} logging would tear it, and the
 * work has lasted {@link #DELAY_MILLIS}; a run that ends sooner prints nothing at all. {@code --progress}
 * shows it from the start wherever standard error goes, {@code --no-progress} never.
 *
 * <pre>{@code
 * try (Progress bar = Progress.start(err, null, "decode", steps, "step")) {
 *     for (int i = 0; i < steps; i++) { step(); bar.step(); }
 * }
 * }</pre>
 */
final class Progress implements AutoCloseable {

    /** How long work runs before the default mode draws its bar. */
    static final long DELAY_MILLIS = 1000;
    private static final int DEFAULT_WIDTH = 80;

    private final ProgressBar bar;

    private Progress(ProgressBar bar) {
        this.bar = bar;
    }

    /**
     * @param option {@code --progress} ({@code true}), {@code --no-progress} ({@code false}), or {@code null}
     *               for the default
     * @param unit   what one step is, for the counter ({@code step}, {@code layer})
     */
    static Progress start(PrintWriter err, Boolean option, String task, long max, String unit) {
        if (Boolean.FALSE.equals(option) || (option == null && !(StandardError.isTerminal() && quietLogging()))) {
            return new Progress(null);
        }
        long delay = option == null ? TimeUnit.MILLISECONDS.toNanos(DELAY_MILLIS) : 0;
        boolean unicode = StandardCharsets.UTF_8.name().equalsIgnoreCase(System.getProperty("stderr.encoding", ""));
        ProgressBar bar = new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(max)
                .setUnit(" " + unit + "s", 1)
                .setStyle(unicode ? ProgressBarStyle.UNICODE_BLOCK : ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(200)
                .continuousUpdate()
                .setConsumer(new LineConsumer(err, delay))
                .build();
        return new Progress(bar);
    }

    void step() {
        if (bar != null) {
            bar.step();
        }
    }

    /** A task that one {@code step()} of this bar counts, to run on any thread. */
    Runnable stepper() {
        return this::step;
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }

    /** Redraws one line with a carriage return, after the delay; ends it with a newline if it drew anything. */
    private static final class LineConsumer implements ProgressBarConsumer {
        private final PrintWriter err;
        private final long shownAfter;
        private volatile int width;
        private boolean drawn;

        LineConsumer(PrintWriter err, long delayNanos) {
            this.err = err;
            this.shownAfter = System.nanoTime() + delayNanos;
        }

        /** Asks the terminal only once the bar shows (asking takes a few hundred ms, on the bar's own thread). */
        @Override
        public int getMaxRenderedLength() {
            if (width == 0 && System.nanoTime() >= shownAfter) {
                width = terminalWidth();
            }
            return (width == 0 ? DEFAULT_WIDTH : width) - 1;
        }

        @Override
        public synchronized void accept(String line) {
            if (!drawn && System.nanoTime() < shownAfter) {
                return;
            }
            drawn = true;
            err.print('\r');
            err.print(line);
            err.flush();
        }

        @Override
        public synchronized void close() {
            if (drawn) {
                err.println();
                err.flush();
            }
        }
    }

    /** {@code -v} logs to standard error, and every log line would break the bar in two. */
    private static boolean quietLogging() {
        String level = System.getProperty(Logging.LEVEL, "warn");
        return level.equals("warn") || level.equals("error") || level.equals("off");
    }

    /**
     * {@code COLUMNS} when the shell exports it, else the width of the terminal on standard error (JLine,
     * which the progress bar library brings), else the common 80: a line wider than the terminal wraps,
     * and every redraw would then leave a line behind.
     */
    private static int terminalWidth() {
        try {
            int columns = Integer.parseInt(System.getenv().getOrDefault("COLUMNS", ""));
            if (columns >= 20) {
                return columns;
            }
        } catch (NumberFormatException e) {
            // not exported: ask the terminal
        }
        // dumb(true): where there is no terminal JLine makes a dumb one quietly, instead of warning
        try (Terminal terminal = TerminalBuilder.builder().system(true).systemOutput(TerminalBuilder.SystemOutput.SysErr)
                .dumb(true).build()) {
            int columns = terminal.getWidth();
            return columns >= 20 ? columns : DEFAULT_WIDTH;
        } catch (IOException | RuntimeException | LinkageError e) {
            return DEFAULT_WIDTH;
        }
    }
}
