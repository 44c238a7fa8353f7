package squall.profiles;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command end to end on the jvm device with tiny workloads, and its answers to bad input. */
class ProfileCommandTest {

    record Run(int status, String out, String err) {
    }

    static Run run(String... args) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int status = ProfileCommand.commandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
        return new Run(status, out.toString(), err.toString());
    }

    @Test
    void theProgressBarShowsOnATerminalOnlyUnlessAskedFor() {
        assertTrue(ProfileCommand.showProgress(null, true), "a terminal: a bar");
        assertFalse(ProfileCommand.showProgress(null, false), "a file or a pipe (CI logs): none, as squall decode does");
        assertTrue(ProfileCommand.showProgress(true, false), "--progress");
        assertFalse(ProfileCommand.showProgress(false, true), "--no-progress");
    }

    @Test
    void profilesCheckedWorkloadsIntoAResultsFolder(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("run");
        Run r = run("--devices", "jvm", "--layers", "1", "--contexts", "64,32", "--variants", "broadcast,gather",
                "--steps", "2", "--warmup", "1", "--prefill-tokens", "8", "--probe-mib", "4", "--no-progress",
                "--out", dir.toString());
        assertEquals(0, r.status(), r.err());

        // GQA at 32 and 64, MHA and MQA at the middle context (32), prefill; two variants each
        List<String> csv = Files.readAllLines(dir.resolve(ResultsFolder.CSV));
        assertEquals(1 + 5 * 2, csv.size(), String.join("\n", csv));
        assertEquals(CsvRow.header(), csv.getFirst());
        assertTrue(csv.stream().skip(1).allMatch(l -> l.contains(",ok,")), String.join("\n", csv));

        ProfileData data = Json.read(dir.resolve(ResultsFolder.JSON));
        assertFalse(data.partial());
        DeviceInfo jvm = data.device("jvm");
        assertTrue(jvm.peak() > 0 && jvm.fmaPeak() > 0, jvm::toString);
        assertTrue(List.of("device", "host").containsAll(List.of(jvm.peakSetBy(), jvm.fmaSetBy())), jvm::toString);
        assertEquals(10, data.measurements().size());
        for (Measurement m : data.measurements()) {
            assertEquals(2, m.steps().size());
            for (StepRecord s : m.steps()) {
                assertTrue(s.metrics().containsKey("TOTAL_KERNEL_TIME"), s.metrics().toString());
                assertEquals(m.workload().layers() * (m.variant().equals("repeat") ? 3 : 2), s.tasks().size());
            }
        }
        assertEquals(List.of("decode/llama3-8b/GQA/32", "decode/llama3-8b/GQA/64", "decode/llama3-8b/MHA/32",
                        "decode/llama3-8b/MQA/32", "prefill/llama3-8b/GQA/0+8"),
                data.measurements().stream().map(m -> m.workload().key()).distinct().toList());

        String report = Files.readString(dir.resolve(Report.FILE));
        assertTrue(report.contains(" (" + jvm.peakSetBy() + ") | ") && report.contains("% of the device's read bandwidth"),
                report);
        assertTrue(report.contains("### decode · Llama-3 8B · MQA (forced) (Hq 32, Hkv 1, D 128) · context 32"), report);
        for (String chart : Charts.NAMES) {
            assertTrue(Files.size(dir.resolve(chart + ".png")) > 0, chart);
        }
        assertTrue(r.out().contains("results: "), r.out());

        Run same = run("--compare", dir.toString(), dir.resolve(ResultsFolder.CSV).toString());
        assertEquals(0, same.status(), same.err());
        long ratios = same.out().lines().filter(l -> l.contains("1.000")).count();
        assertEquals(10, ratios, "a run against itself: every ratio 1\n" + same.out());
    }

    @Test
    void badInputNamesTheOptionAndExitsWithTwo(@TempDir Path tmp) {
        for (String[] args : List.of(
                new String[] {"--contexts", "0,64"},
                new String[] {"--devices", "jvm,nope:7"},
                new String[] {"--variants", "broadcast,fastest"},
                new String[] {"--model", "gpt-99"},
                new String[] {"--kv-dtype", "int4"},
                new String[] {"--layers", "33"},
                new String[] {"--steps", "0"},
                new String[] {"--compare", tmp.toString(), tmp.toString()})) {
            Run r = run(args);
            assertEquals(2, r.status(), String.join(" ", args) + ": " + r.err());
            assertTrue(r.err().startsWith("profile: " + args[0] + ": "), r.err());
            assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
        }
    }

    @Test
    void aTerminatedRunLeavesAPartialReport(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("run"), log = tmp.resolve("log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                "--add-modules=jdk.incubator.vector",
                "-cp", classPath, ProfileCommand.class.getName(), "--devices", "jvm", "--layers", "1",
                "--contexts", "64,128,256,512,1024", "--steps", "300", "--warmup", "1", "--probe-mib", "4",
                "--no-progress", "--out", dir.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            Path csv = dir.resolve(ResultsFolder.CSV);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (!Files.exists(csv) || Files.readAllLines(csv).size() < 2) {
                assertTrue(p.isAlive(), () -> "the run ended early: " + read(log));
                assertTrue(System.nanoTime() < deadline, "no measurement within 90 s");
                Thread.sleep(50);
            }
            p.destroy(); // SIGTERM, which runs the shutdown hooks as Ctrl-C's SIGINT does
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the run did not stop");
        } finally {
            p.destroyForcibly();
        }
        String report = Files.readString(dir.resolve(Report.FILE));
        assertTrue(report.contains("**Partial results.**"), report + "\n" + read(log));
        ProfileData data = Json.read(dir.resolve(ResultsFolder.JSON));
        assertTrue(data.partial());
        assertFalse(data.measurements().isEmpty());
        assertEquals(1 + data.measurements().size(), Files.readAllLines(dir.resolve(ResultsFolder.CSV)).size());
        for (String chart : Charts.of(data).keySet()) {
            assertTrue(Files.size(dir.resolve(chart + ".svg")) > 0, chart);
        }
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    @Test
    void reportAgainFromAStoredProfile(@TempDir Path tmp) throws Exception {
        Files.copy(ReportTest.fixture("profile.json"), tmp.resolve(ResultsFolder.JSON));
        Run r = run("--report", tmp.toString());
        assertEquals(0, r.status(), r.err());
        assertEquals(Files.readString(ReportTest.fixture("report.md")), Files.readString(tmp.resolve(Report.FILE)));
    }

    @Test
    void anOutFolderHoldingAFifoIsRefusedBeforeMeasuring(@TempDir Path tmp) throws Exception {
        Path dir = Files.createDirectory(tmp.resolve("run"));
        Path pipe = dir.resolve(Report.FILE);
        Process mkfifo = new ProcessBuilder("mkfifo", pipe.toString()).start();
        org.junit.jupiter.api.Assumptions.assumeTrue(mkfifo.waitFor(10, TimeUnit.SECONDS) && mkfifo.exitValue() == 0,
                "no mkfifo here");
        Run r = run("--devices", "jvm", "--layers", "1", "--contexts", "32", "--variants", "broadcast", "--steps", "1",
                "--warmup", "0", "--prefill-tokens", "8", "--probe-mib", "4", "--no-progress", "--out", dir.toString());
        assertEquals(2, r.status(), r.err());
        assertTrue(r.err().contains("--out") && r.err().contains("is a FIFO"), r.err());
        assertFalse(Files.isRegularFile(pipe), "the FIFO is left alone");
        try (var files = Files.list(dir)) {
            assertEquals(List.of(pipe), files.toList(), "nothing else was written");
        }
    }
}
