package squall.profiles;

import org.jfree.chart.axis.LogAxis;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What makes a report's numbers untrustworthy is said at its top: a busy machine (load average above the cores),
 * too few warm-up steps, a first timed step far slower than the rest. Every time carries its spread.
 */
class ReportWarningsTest {

    private static ProfileData fixture() {
        return Json.read(ReportTest.fixture("profile.json"));
    }

    /** The fixture's settings with {@code warmup}, its machine's load averages, and {@code measurements}. */
    private static ProfileData run(int warmup, Double loadAtStart, Double loadAtEnd, List<Measurement> measurements) {
        ProfileData f = fixture();
        RunOptions o = f.options();
        RunOptions options = new RunOptions(o.model(), o.devices(), o.contexts(), o.variants(), o.layers(), o.batch(),
                o.kvDtype(), o.steps(), warmup, o.prefillTokens(), o.blockSize());
        return new ProfileData(f.format(), false, f.command(), f.started(), f.finished(), f.machine(), f.software(), options,
                f.devices(), measurements, loadAtStart, loadAtEnd);
    }

    private static StepRecord step(double totalMs, double kernelMs) {
        return new StepRecord(1, (long) (totalMs * 1e6), Map.of("TOTAL_TIME", (long) (totalMs * 1e6),
                "TOTAL_KERNEL_TIME", (long) (kernelMs * 1e6)), List.of());
    }

    /** The fixture's first OK decode measurement, timed anew with these steps (ms: total, kernel). */
    private static Measurement timed(double[][] steps) {
        Measurement m = Report.okDecode(fixture(), false).getFirst();
        List<StepRecord> records = new ArrayList<>();
        for (double[] s : steps) {
            records.add(step(s[0], s[1]));
        }
        return new Measurement(m.workload(), m.device(), m.variant(), m.slices(), m.status(), m.checkError(), m.message(),
                m.peak(), m.compileNanos(), Summary.of(records, 1), records);
    }

    private static String report(ProfileData data) {
        return Report.markdown(data, List.of());
    }

    private static String beforeSummary(String report) {
        return report.substring(0, report.indexOf("## Summary"));
    }

    @Test
    void aQuietMachineWithEnoughWarmUpGetsNoWarning() {
        String report = report(run(2, 0.4, 1.9, fixture().measurements()));
        assertFalse(report.contains("Warning"), report);
        assertTrue(report.contains("| load average | 0.40 at the start, 1.90 at the end"), report);
    }

    @Test
    void aLoadAverageAboveTheCoresIsAWarningAtTheTop() {
        int cores = fixture().machine().cores();
        String top = beforeSummary(report(run(2, cores + 1.5, 0.2, fixture().measurements())));
        assertTrue(top.contains("> **Warning: the machine was busy.** Load average " + String.format("%.2f", cores + 1.5)
                + " at the start and 0.20 at the end, on " + cores + " cores"), top);
    }

    @Test
    void tooFewWarmUpStepsIsAWarningAtTheTop() {
        String top = beforeSummary(report(run(1, 0.1, 0.1, fixture().measurements())));
        assertTrue(top.contains("> **Warning: 1 warm-up step.**"), top);
    }

    @Test
    void aFirstTimedStepFarSlowerThanTheRestSaysStillWarmingUp() {
        Measurement warming = timed(new double[][] {{30, 29}, {10, 9}, {11, 10}, {12, 11}});
        String report = report(run(2, 0.1, 0.1, List.of(warming)));
        String top = beforeSummary(report);
        assertTrue(top.contains("> **Warning: still warming up.**"), top);
        assertTrue(top.contains(warming.workload().key() + " " + warming.device() + " " + warming.variant() + " (30.0 against 11.0 ms)"), top);

        Measurement steady = timed(new double[][] {{12, 11}, {10, 9}, {11, 10}, {12, 11}});
        assertFalse(report(run(2, 0.1, 0.1, List.of(steady))).contains("still warming up"));
    }

    @Test
    void everyTimeShowsTheFastestAndSlowestStep() {
        Measurement m = timed(new double[][] {{12, 11}, {10, 9}, {11, 10.5}, {14, 13}});
        String report = report(run(2, 0.1, 0.1, List.of(m)));
        String row = report.lines().filter(l -> l.startsWith("| " + m.device() + " | " + m.variant() + " |")).findFirst()
                .orElseThrow(() -> new AssertionError(report));
        // medians of four: (11 + 12) / 2 ms per step, (10.5 + 11) / 2 kernel ms
        assertTrue(row.contains("| 11.5 (10.0–14.0) | 10.8 (9.00–13.0) |"), row);
        assertTrue(report.contains("| " + m.device() + " | 11.5 (10.0–14.0), " + m.variant()), report);
    }

    @Test
    void theGqaMhaMqaChartHasALogAxisSoTheRepeatBarsDoNotFlattenTheRest() {
        ProfileData data = fixture();
        double slowest = Report.okDecode(data, true).stream().mapToDouble(x -> x.summary().msPerStep()).max().orElseThrow();
        double fastest = Report.okDecode(data, true).stream().mapToDouble(x -> x.summary().msPerStep()).min().orElseThrow();
        LogAxis y = assertInstanceOf(LogAxis.class, Charts.attentionKinds(data).getCategoryPlot().getRangeAxis());
        assertTrue(y.getLowerBound() <= fastest && slowest <= y.getUpperBound(), y.getRange() + " holds " + fastest + "–" + slowest);
        assertEquals(2, y.getBase());
    }
}
