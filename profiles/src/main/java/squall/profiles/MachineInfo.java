package squall.profiles;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The machine a profile ran on.
 *
 * @param host        host name
 * @param cpu         CPU model, as {@code /proc/cpuinfo} names it
 * @param cores       processors the JVM may use
 * @param memoryBytes physical memory
 * @param os          distribution and kernel
 * @param llcBytes    the CPU's last-level cache (0 if unknown): a working set below it measures the cache
 * @param gpus        GPUs among the devices found
 */
public record MachineInfo(String host, String cpu, int cores, long memoryBytes, String os, long llcBytes,
                          List<String> gpus) {

    /** Used when the cache size cannot be read: this project's build machine's L3. */
    public static final long ASSUMED_LLC_BYTES = 32L << 20;

    public MachineInfo {
        gpus = List.copyOf(gpus);
    }

    /** This machine; {@code gpus} from the devices found. */
    public static MachineInfo detect(List<String> gpus) {
        return new MachineInfo(hostName(), cpuModel(), Runtime.getRuntime().availableProcessors(), physicalMemory(),
                osName(), lastLevelCacheBytes().orElse(0L), gpus);
    }

    /**
     * The system's load average over the last minute (processes running or waiting to run), or {@code null} where
     * the platform gives none. Above {@link #cores} other work competed with the measurement.
     */
    public static Double loadAverage() {
        double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        return load < 0 ? null : load;
    }

    /** The last-level cache size, or {@link #ASSUMED_LLC_BYTES} if it cannot be read. */
    public static long lastLevelCacheOrAssumed() {
        return lastLevelCacheBytes().orElse(ASSUMED_LLC_BYTES);
    }

    /** The largest cache of CPU 0 in sysfs (Linux), e.g. {@code index3/size = 32768K}. */
    static Optional<Long> lastLevelCacheBytes() {
        Path dir = Path.of("/sys/devices/system/cpu/cpu0/cache");
        long largest = 0;
        try (var entries = Files.list(dir)) {
            for (Path index : entries.filter(p -> p.getFileName().toString().startsWith("index")).toList()) {
                Path size = index.resolve("size");
                if (Files.isReadable(size)) {
                    largest = Math.max(largest, parseSize(Files.readString(size).strip()));
                }
            }
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
        return largest > 0 ? Optional.of(largest) : Optional.empty();
    }

    /** {@code 32768K}, {@code 1M}, {@code 512} (bytes). */
    static long parseSize(String text) {
        String t = text.strip().toUpperCase(Locale.ROOT);
        long unit = 1;
        if (t.endsWith("K")) {
            unit = 1L << 10;
        } else if (t.endsWith("M")) {
            unit = 1L << 20;
        } else if (t.endsWith("G")) {
            unit = 1L << 30;
        }
        String digits = unit == 1 ? t : t.substring(0, t.length() - 1);
        return Long.parseLong(digits.strip()) * unit;
    }

    /** This host's name, for results folders. */
    public static String hostName() {
        for (Path p : List.of(Path.of("/proc/sys/kernel/hostname"), Path.of("/etc/hostname"))) {
            Optional<String> name = firstLine(p);
            if (name.isPresent() && !name.get().isBlank()) {
                return name.get().strip();
            }
        }
        String env = System.getenv("HOSTNAME");
        return env != null && !env.isBlank() ? env : "unknown-host";
    }

    private static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).strip();
                }
            }
        } catch (IOException e) {
            // not Linux: fall through
        }
        return System.getProperty("os.arch");
    }

    private static long physicalMemory() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize();
        }
        return 0;
    }

    private static String osName() {
        String kernel = System.getProperty("os.name") + " " + System.getProperty("os.version");
        try {
            for (String line : Files.readAllLines(Path.of("/etc/os-release"))) {
                if (line.startsWith("PRETTY_NAME=")) {
                    return line.substring("PRETTY_NAME=".length()).replace("\"", "") + " (" + kernel + ")";
                }
            }
        } catch (IOException e) {
            // no os-release: the kernel alone
        }
        return kernel;
    }

    private static Optional<String> firstLine(Path p) {
        try {
            return Files.lines(p).findFirst();
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }
}
