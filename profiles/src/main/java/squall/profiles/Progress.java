package squall.profiles;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintStream;

/** Where a run reports how far it got: a progress bar on standard error, or nothing. */
interface Progress extends AutoCloseable {

    /** Says what runs now. */
    void status(String text);

    /** {@code units} more of the total are done. */
    void advance(long units);

    @Override
    void close();

    static Progress none() {
        return new Progress() {
            public void status(String text) {
            }

            public void advance(long units) {
            }

            public void close() {
            }
        };
    }

    /** A bar of {@code total} units on {@code err}. */
    static Progress bar(String name, long total, PrintStream err) {
        ProgressBar bar = new ProgressBarBuilder()
                .setTaskName(name)
                .setInitialMax(total)
                .setStyle(ProgressBarStyle.ASCII)
                .setConsumer(new ConsoleProgressBarConsumer(err))
                .setUpdateIntervalMillis(500)
                .build();
        return new Progress() {
            public void status(String text) {
                bar.setExtraMessage(text);
            }

            public void advance(long units) {
                bar.stepBy(units);
            }

            private boolean closed;

            public void close() {
                if (!closed) {
                    closed = true;
                    bar.close();
                }
            }
        };
    }
}
