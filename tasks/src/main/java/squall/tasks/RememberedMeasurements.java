package squall.tasks;

import squall.runtime.AtomicFile;
import squall.runtime.Device;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Facts about a device that cost seconds to measure and do not change until its hardware or driver does
 * (read bandwidth, FMA throughput, the faster kernel layout): measured once, then read from a properties file in
 * {@code $SQUALL_CACHE_DIR} (default {@code ~/.cache/squall}), one line per device keyed by its id, name and
 * driver. Delete the file, or its line, to measure again.
 */
final class RememberedMeasurements {

    private final Path file;
    private final String comment;

    /** {@code file} holds the lines; {@code comment} heads it and says what the values are. */
    RememberedMeasurements(Path file, String comment) {
        this.file = file;
        this.comment = comment;
    }

    /**
     * The remembered value for {@code device}, or {@code measure}'s, which is then remembered. Measuring holds the
     * class's lock, so two callers in one JVM do not measure one device twice; a file written meanwhile by another
     * JVM loses only its own new line.
     */
    String computeIfAbsent(Device device, Supplier<String> measure) {
        return computeIfAbsent(device, value -> true, measure);
    }

    /**
     * As {@link #computeIfAbsent(Device, Supplier)}, but a remembered value that is not {@code usable} (a line of an
     * older format) counts as absent: it is measured again and replaced.
     */
    String computeIfAbsent(Device device, Predicate<String> usable, Supplier<String> measure) {
        synchronized (RememberedMeasurements.class) {
            String known = load().getProperty(key(device));
            if (known != null && usable.test(known)) {
                return known;
            }
            String measured = measure.get();
            Properties now = load();
            now.setProperty(key(device), measured);
            save(now);
            return measured;
        }
    }

    private static String key(Device device) {
        String driver = device.properties().getOrDefault("driver", device.properties().getOrDefault("java", ""));
        return (device.id() + " " + device.name() + " " + driver).replaceAll("[=:#!\\s]+", "_");
    }

    private Properties load() {
        Properties p = new Properties();
        if (Files.isRegularFile(file)) {
            try (Reader r = Files.newBufferedReader(file)) {
                p.load(r);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + file, e);
            }
        }
        return p;
    }

    private void save(Properties p) {
        try {
            Files.createDirectories(file.getParent());
            AtomicFile.write(file, temp -> {
                try (Writer w = Files.newBufferedWriter(temp)) {
                    p.store(w, comment);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
