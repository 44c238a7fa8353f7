package squall.tasks.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The plain C yardstick ({@code scripts/c/peak.c}, on the class path as {@value #SOURCE}): built with
 * {@value #COMPILER} and run on every thread, it gives the read bandwidth and FMA throughput that squall's probes
 * are held against. {@code scripts/c-peak} runs the same file on its own.
 *
 * @param readGigabytesPerSecond its read loop's best, in GB/s
 * @param fmaGigaflops           its FMA chains' best, in GFLOP/s
 * @param threads                the OpenMP threads it ran
 */
record CLoop(double readGigabytesPerSecond, double fmaGigaflops, int threads) {

    static final String SOURCE = "/squall/tasks/c/peak.c";
    static final String COMPILER = "gcc -O3 -march=native -fopenmp";
    private static final Pattern READ = Pattern.compile("^read ([0-9.]+) GB/s threads (\\d+)", Pattern.MULTILINE);
    private static final Pattern FMA = Pattern.compile("^fma ([0-9.]+) GFLOP/s", Pattern.MULTILINE);
    private static final long LIMIT_SECONDS = 600;

    /** The higher read and the higher FMA figure of this run and {@code other} ({@code null}: this run's). */
    CLoop best(CLoop other) {
        if (other == null) {
            return this;
        }
        return new CLoop(Math.max(readGigabytesPerSecond, other.readGigabytesPerSecond),
                Math.max(fmaGigaflops, other.fmaGigaflops), threads);
    }

    /** Whether {@code gcc} is on the PATH. */
    static boolean gccPresent() {
        String path = System.getenv("PATH");
        return path != null && Stream.of(path.split(java.io.File.pathSeparator))
                .anyMatch(dir -> !dir.isEmpty() && Files.isExecutable(Path.of(dir, "gcc")));
    }

    /** Builds the loops in a temporary folder, runs them over {@code mib} MiB, best of {@code runs}, and parses them. */
    static CLoop run(long mib, int runs) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("squall-c-peak");
            Path source = dir.resolve("peak.c");
            try (InputStream in = CLoop.class.getResourceAsStream(SOURCE)) {
                if (in == null) {
                    throw new IllegalStateException(SOURCE + " is not on the class path (rebuild squall)");
                }
                Files.copy(in, source);
            }
            Path binary = dir.resolve("peak");
            List<String> build = new ArrayList<>(List.of(COMPILER.split(" ")));
            build.addAll(List.of("-o", binary.toString(), source.toString()));
            run(build, "building the C loop");
            String out = run(List.of(binary.toString(), Long.toString(mib), Integer.toString(runs)), "the C loop");
            return parse(out);
        } catch (IOException e) {
            throw new UncheckedIOException("the C loop: " + e.getMessage(), e);
        } finally {
            if (dir != null) {
                deleteQuietly(dir);
            }
        }
    }

    /** The figures in the C loop's output; a clear error when a line is missing. */
    static CLoop parse(String output) {
        Matcher read = READ.matcher(output);
        Matcher fma = FMA.matcher(output);
        if (!read.find() || !fma.find()) {
            throw new IllegalStateException("the C loop printed no 'read ... GB/s' and 'fma ... GFLOP/s' lines: " + output);
        }
        return new CLoop(Double.parseDouble(read.group(1)), Double.parseDouble(fma.group(1)),
                Integer.parseInt(read.group(2)));
    }

    private static String run(List<String> command, String what) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            byte[] bytes = p.getInputStream().readAllBytes();
            if (!p.waitFor(LIMIT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(what + " ran past " + LIMIT_SECONDS + " s: " + String.join(" ", command));
            }
            String out = new String(bytes, StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IllegalStateException(what + " failed (exit " + p.exitValue() + "): " + String.join(" ", command)
                        + "\n" + out.strip());
            }
            return out;
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IllegalStateException(what + " interrupted", e);
        }
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // a temporary folder left behind is harmless
        }
    }
}
