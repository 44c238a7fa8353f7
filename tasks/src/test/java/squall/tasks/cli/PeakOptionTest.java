package squall.tasks.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import squall.tasks.BandwidthProbe;
import squall.tasks.Peak;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --peak} of {@code squall decode} and {@code prefill}: the run as a share of the peak, and who set it. */
class PeakOptionTest {

    private static String text(Map<String, Object> r, int width) {
        StringWriter s = new StringWriter();
        try (PrintWriter out = new PrintWriter(s)) {
            CacheRuns.printPeak(out, r, width);
        }
        return s.toString();
    }

    @Test
    void aReportGetsThePeakTheProbeThatSetItAndTheRunsShare() {
        Map<String, Object> r = new LinkedHashMap<>();
        CacheRuns.putPeak(r, Peak.of(20, 25, LocalDate.of(2026, 12, 1)), "read bandwidth", "GB/s", 5.0);
        @SuppressWarnings("unchecked")
        Map<String, Object> peak = (Map<String, Object>) r.get("peak");
        assertEquals("read bandwidth", peak.get("of"));
        assertEquals(25.0, peak.get("value"));
        assertEquals("host", peak.get("set_by"));
        assertEquals(20.0, peak.get("device"));
        assertEquals(25.0, peak.get("host"));
        assertEquals("2026-12-01", peak.get("measured"));
        assertEquals(20.0, (double) r.get("percent_of_peak"), 1e-12);
        assertEquals("peak:   25.00 GB/s read bandwidth, set by the host probe (measured 2026-12-01): this run 20.0 % of it\n",
                text(r, 8).replace(System.lineSeparator(), "\n"));

        Map<String, Object> gpu = new LinkedHashMap<>();
        CacheRuns.putPeak(gpu, Peak.of(3000, Double.NaN, LocalDate.of(2026, 12, 1)), "FMA throughput", "GFLOP/s", null);
        assertNull(gpu.get("percent_of_peak"), "no steady state, no share");
        assertTrue(((Map<?, ?>) gpu.get("peak")).containsKey("host") && ((Map<?, ?>) gpu.get("peak")).get("host") == null);
        assertFalse(text(gpu, 8).contains("this run"), text(gpu, 8));
        assertEquals("", text(new LinkedHashMap<>(), 8), "a run without --peak prints no peak line");
    }

    /**
     * End to end in a child JVM, so that the peak is measured into a folder of the test's own
     * ({@code SQUALL_CACHE_DIR}) rather than the user's: once, with the 1 GiB the probe uses.
     */
    @Test
    void decodeWithPeakMeasuresRemembersAndReportsTheShare(@TempDir Path cache) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("--add-modules") || arg.startsWith("--enable-native-access")
                    || arg.startsWith("--sun-misc-unsafe-memory-access")) {
                command.add(arg);
            }
        }
        // a crash report where it outlives the test's folder (the surefire JVM's go there too)
        command.add("-XX:ErrorFile=" + Path.of("target").toAbsolutePath() + "/hs_err_pid%p.log");
        command.addAll(List.of("-Xmx3g", "-cp", System.getProperty("java.class.path"), SquallCommand.class.getName(),
                "decode", "--model", "llama3-8b", "--layers", "1", "--context", "64", "--steps", "3", "--device", "jvm",
                "--peak", "--json", "--no-progress"));
        Path out = cache.resolve("out.json");
        Path err = cache.resolve("err.txt");
        int exit = runChild(command, cache, out, err);
        if (exit > 128) {
            // A child killed by a signal with nothing on its standard output (no JVM fatal-error banner) was seen in two
            // CI runs and in none of 190 runs here: it is run again once, and what it left is shown on
            // the test's standard error, so that a CI log holds the evidence. A second death fails the test.
            System.err.println("PeakOptionTest: the child JVM exited " + exit + " (signal " + (exit - 128)
                    + "); its standard error:\n" + Files.readString(err, StandardCharsets.UTF_8) + "\n" + crashReports());
            Files.deleteIfExists(cache.resolve(BandwidthProbe.FILE));   // so that the second run measures too
            exit = runChild(command, cache, out, err);
        }
        String stderr = Files.readString(err, StandardCharsets.UTF_8);
        // a JVM's fatal-error banner goes to standard output: show it with the exit code
        assertEquals(0, exit, () -> stderr + "\nstandard output: " + read(out) + "\n" + crashReports());

        JsonNode r = new ObjectMapper().readTree(Files.readString(out, StandardCharsets.UTF_8));
        JsonNode peak = r.get("peak");
        assertEquals("read bandwidth", peak.get("of").asText());
        assertEquals("GB/s", peak.get("unit").asText());
        assertTrue(Set.of("device", "host").contains(peak.get("set_by").asText()), peak::toString);
        double setBy = peak.get(peak.get("set_by").asText()).asDouble();
        assertEquals(setBy, peak.get("value").asDouble(), 1e-9, "the peak is the figure of the probe named");
        assertEquals(100 * r.get("gbps").asDouble() / peak.get("value").asDouble(), r.get("percent_of_peak").asDouble(), 1e-9);

        String remembered = Files.readString(cache.resolve(BandwidthProbe.FILE));
        assertTrue(remembered.contains("jvm_") && remembered.contains(" set-by " + peak.get("set_by").asText() + " "),
                remembered);
    }

    /** Runs the child with its own cache folder, its output to {@code out} and {@code err}: its exit code. */
    private static int runChild(List<String> command, Path cache, Path out, Path err) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().put("SQUALL_CACHE_DIR", cache.toString());
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "decode --peak finished");
        return p.exitValue();
    }

    /** The JVM crash reports in {@code target/}, each with its first lines. */
    private static String crashReports() {
        StringBuilder b = new StringBuilder("crash reports in " + Path.of("target").toAbsolutePath() + ":");
        try (var files = Files.list(Path.of("target"))) {
            for (Path f : files.filter(f -> f.getFileName().toString().startsWith("hs_err_pid")).toList()) {
                b.append("\n== ").append(f).append('\n');
                try (var lines = Files.lines(f, StandardCharsets.UTF_8)) {
                    lines.limit(40).forEach(line -> b.append(line).append('\n'));
                }
            }
        } catch (java.io.IOException | java.io.UncheckedIOException e) {
            b.append(" (unreadable: ").append(e.getMessage()).append(')');
        }
        return b.toString();
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (java.io.IOException e) {
            return "(unreadable: " + e.getMessage() + ")";
        }
    }
}
