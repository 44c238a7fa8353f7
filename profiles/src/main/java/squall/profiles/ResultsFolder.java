package squall.profiles;

import org.slf4j.LoggerFactory;
import squall.runtime.AtomicFile;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * A results folder being filled: {@code data.csv} and {@code profile.json} are rewritten whole, through
 * {@link AtomicFile} (complete, the JSON marked partial), after every measurement, so whatever stops the run leaves both readable;
 * the report and charts are written at the end, or by the shutdown hook (marked partial) when the run
 * is interrupted.
 */
final class ResultsFolder implements AutoCloseable {

    static final String CSV = "data.csv";
    static final String JSON = "profile.json";

    private final Path dir;
    private final StringBuilder csv = new StringBuilder();
    private ProfileData data;
    private boolean reported;

    ResultsFolder(Path dir, ProfileData initial) {
        this.dir = dir;
        this.data = initial;
        try {
            Files.createDirectories(dir);
            // An earlier run's report and charts in this folder would describe other data. Only files of the kind
            // a run writes are removed; anything else by those names stays, and writing over it is refused.
            removeEarlierFile(dir.resolve(Report.FILE));
            for (String chart : Charts.NAMES) {
                removeEarlierFile(dir.resolve(chart + ".png"));
                removeEarlierFile(dir.resolve(chart + ".svg"));
            }
            csv.append(CsvRow.header()).append(System.lineSeparator());
            writeCsv();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write to " + dir + ": " + e.getMessage(), e);
        }
        Json.write(data, dir.resolve(JSON));
    }

    private static void removeEarlierFile(Path file) throws IOException {
        if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
            Files.delete(file);
        }
    }

    private void writeCsv() throws IOException {
        String text = csv.toString();
        AtomicFile.write(dir.resolve(CSV), temp -> Files.writeString(temp, text, StandardCharsets.UTF_8));
    }

    Path dir() {
        return dir;
    }

    synchronized ProfileData data() {
        return data;
    }

    /** Records a finished measurement in both files. */
    synchronized void add(Measurement m) {
        data = data.withMeasurement(m);
        try {
            csv.append(CsvRow.of(m, data.device(m.device())).line());
            writeCsv();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir.resolve(CSV) + ": " + e.getMessage(), e);
        }
        Json.write(data, dir.resolve(JSON));
    }

    /** The run is complete: {@code profile.json} loses its partial mark, and the report and charts are written. */
    synchronized void finish() {
        data = data.finished(Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), MachineInfo.loadAverage());
        Json.write(data, dir.resolve(JSON));
        report();
    }

    /** Writes the report of what is recorded now (marked partial unless finished), once. */
    synchronized void report() {
        if (!reported) {
            reported = true;
            if (data.partial()) {
                data = data.stopped(MachineInfo.loadAverage());
            }
            Report.write(data, dir);
        }
    }

    /** A hook that writes the partial report if the JVM stops (Ctrl-C) before {@link #finish()}. */
    Thread shutdownHook() {
        return new Thread(() -> {
            try {
                report();
            } catch (RuntimeException e) {
                LoggerFactory.getLogger(ResultsFolder.class).error("could not write the partial report in {}", dir, e);
            }
        }, "squall-profile-report");
    }

    @Override
    public synchronized void close() {
        // every write is complete when it returns: nothing is left open
    }
}
