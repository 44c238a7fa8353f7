package squall.profiles;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import squall.runtime.Device;
import squall.runtime.Devices;
import squall.tasks.AttentionVariant;
import squall.tasks.KvDtype;
import squall.tasks.ModelPreset;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A wrong device is reported as wrong and never timed; an interrupted run leaves readable, partial results. */
class ProfileRunnerTest {

    static final ModelPreset MODEL = ModelPreset.byId("llama3-8b");

    @Test
    void aWrongDeviceIsReportedAndNotTimed(@TempDir Path tmp) throws Exception {
        Device jvm = Devices.get("jvm");
        Workload w = Workload.decode(MODEL, 48, 1, 1, KvDtype.FP16, 16);
        ProfileRunner runner = new ProfileRunner(List.of(jvm, new WrongDevice(jvm)), List.of(w),
                List.of(AttentionVariant.BROADCAST), 1, 2, Map.of("jvm", 10.0), new OutputCheck());
        List<Measurement> got = new ArrayList<>();
        // the warning the wrong device earns is checked here, not left in the build's output (slf4j-simple looks
        // System.err up at every line)
        ByteArrayOutputStream logged = new ByteArrayOutputStream();
        PrintStream stderr = System.err;
        System.setErr(new PrintStream(logged, true, StandardCharsets.UTF_8));
        try {
            runner.run(got::add, Progress.none());
        } finally {
            System.setErr(stderr);
        }
        assertTrue(logged.toString(StandardCharsets.UTF_8).contains("WARN squall.profiles.ProfileRunner - wrong-jvm broadcast"
                + " decode/llama3-8b/GQA/48: output differs from jvm"), logged::toString);

        assertEquals(2, got.size());
        Measurement right = got.get(0), wrong = got.get(1);
        assertTrue(right.ok(), () -> "jvm: " + right.message());
        assertTrue(right.checkError() < OutputCheck.TOLERANCE, "the jvm device is checked against float64");
        assertEquals(2, right.steps().size());

        assertEquals(Measurement.Status.WRONG, wrong.status());
        assertTrue(wrong.checkError() > OutputCheck.TOLERANCE, () -> "error " + wrong.checkError());
        assertTrue(wrong.message().contains("output differs from jvm"), wrong.message());
        assertTrue(wrong.steps().isEmpty(), "a wrong device is not timed");
        assertNull(wrong.summary());

        ProfileData data = ReportTest.emptyRun(List.of(DeviceInfo.of(jvm, squall.tasks.Peak.of(10.0, Double.NaN, java.time.LocalDate.of(2026, 12, 1)), null), DeviceInfo.of(new WrongDevice(jvm), null, null)));
        try (ResultsFolder folder = new ResultsFolder(tmp, data)) {
            got.forEach(folder::add);
            folder.finish();
        }
        String report = Files.readString(tmp.resolve(Report.FILE));
        assertTrue(report.contains("| wrong-jvm | broadcast | **wrong**: output differs from jvm"), report);
        assertTrue(Files.readAllLines(tmp.resolve(ResultsFolder.CSV)).get(2).contains(",wrong,"));
    }

    @Test
    void anInterruptedRunLeavesPartialResults(@TempDir Path tmp) throws Exception {
        Device jvm = Devices.get("jvm");
        Workload w = Workload.decode(MODEL, 20, 1, 1, KvDtype.FP32, 16);
        ProfileRunner runner = new ProfileRunner(List.of(jvm), List.of(w),
                List.of(AttentionVariant.BROADCAST, AttentionVariant.GATHER), 1, 1, Map.of(), new OutputCheck());
        ResultsFolder folder = new ResultsFolder(tmp, ReportTest.emptyRun(List.of(DeviceInfo.of(jvm, null, null))));
        folder.add(runner.measure(jvm, w, AttentionVariant.BROADCAST, runner.cacheFor(w), Progress.none()));
        // what Ctrl-C does: the hook runs before the run finishes
        Thread hook = folder.shutdownHook();
        hook.start();
        hook.join();
        folder.close();

        ProfileData stored = Json.read(tmp.resolve(ResultsFolder.JSON));
        assertTrue(stored.partial());
        assertEquals(1, stored.measurements().size());
        assertEquals(2, Files.readAllLines(tmp.resolve(ResultsFolder.CSV)).size(), "header and one row");
        String report = Files.readString(tmp.resolve(Report.FILE));
        assertTrue(report.contains("**Partial results.**"), report);
        assertFalse(report.contains("| jvm | gather |"), report);
    }
}
