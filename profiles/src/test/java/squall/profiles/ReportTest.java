package squall.profiles;

import org.jfree.chart.axis.LogAxis;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

import javax.imageio.ImageIO;
import javax.xml.parsers.DocumentBuilderFactory;
import java.awt.image.BufferedImage;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The report made from a stored {@code profile.json} (a small real run on jvm and PoCL, one row marked
 * wrong by hand) is the golden {@code report.md}, and its charts are a valid PNG and SVG each.
 * {@code -Dsquall.updateGolden=true} rewrites the golden file from the current code; read the diff.
 */
class ReportTest {

    static Path fixture(String name) {
        return resource("fixture/" + name);
    }

    /** A test resource of this package, by its path below {@code squall/profiles/}. */
    static Path resource(String path) {
        try {
            return Path.of(ReportTest.class.getResource(path).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void reportOfAStoredProfileIsTheGoldenOne(@TempDir Path tmp) throws Exception {
        ProfileData data = Json.read(fixture("profile.json"));
        Report.write(data, tmp);
        String actual = Files.readString(tmp.resolve(Report.FILE), StandardCharsets.UTF_8);
        if (Boolean.getBoolean("squall.updateGolden")) {
            Path source = Path.of("src/test/resources/squall/profiles/fixture/report.md");
            Files.writeString(source, actual, StandardCharsets.UTF_8);
        }
        assertEquals(Files.readString(fixture("report.md"), StandardCharsets.UTF_8), actual);

        assertEquals(Charts.NAMES.size(), Files.list(tmp).filter(p -> p.toString().endsWith(".png")).count());
        for (String chart : Charts.NAMES) {
            BufferedImage png = ImageIO.read(tmp.resolve(chart + ".png").toFile());
            assertNotNull(png, chart + ".png does not decode");
            assertEquals(Charts.WIDTH, png.getWidth());
            assertEquals(Charts.HEIGHT, png.getHeight());
            DocumentBuilderFactory xml = DocumentBuilderFactory.newInstance();
            // JFreeSVG names the SVG 1.1 DTD; parse offline
            xml.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
            Document svg = xml.newDocumentBuilder().parse(tmp.resolve(chart + ".svg").toFile());
            assertEquals("svg", svg.getDocumentElement().getTagName(), chart + ".svg");
            assertTrue(actual.contains("](" + chart + ".svg)"), "the report shows " + chart);
        }
    }

    @Test
    void aProfileRecordedWithTheCopyProbeSaysItsPeakIsACopyBandwidth(@TempDir Path tmp) throws Exception {
        ProfileData old = Json.read(fixture("profile.json"));
        assertTrue(old.devices().stream().allMatch(DeviceInfo::copyPeak), "the fixture predates the read probe");
        Report.write(old, tmp);
        String report = Files.readString(tmp.resolve(Report.FILE));
        assertTrue(report.contains("| copy GB/s |"), report);
        assertTrue(report.contains("% of the device's copy bandwidth"), report);
        assertFalse(report.contains("read bandwidth (`BandwidthProbe`"), report);
    }

    @Test
    void aProfileNamesTheProbeThatSetEachPeakAndGivesPrefillAsAShareOfTheFmaThroughput(@TempDir Path tmp)
            throws Exception {
        ProfileData old = Json.read(fixture("profile.json"));
        List<DeviceInfo> measured = old.devices().stream().map(d -> new DeviceInfo(d.id(), d.name(), d.type(), d.backend(),
                d.properties(), 25.0, d.id().equals("jvm") ? "host" : "device", 200.0, "host")).toList();
        ProfileData now = new ProfileData(old.format(), false, old.command(), old.started(), old.finished(), old.machine(),
                old.software(), old.options(), measured, old.measurements());
        Report.write(now, tmp);
        String report = Files.readString(tmp.resolve(Report.FILE));
        assertTrue(report.contains("| read GB/s (set by) | FMA GFLOP/s (set by) |"), report);
        assertTrue(report.contains("| jvm | ") && report.contains("| 25.0 (host) | 200 (host) |"), report);
        assertTrue(report.contains("| 25.0 (device) | 200 (host) |"), report);
        assertTrue(report.contains("% of the device's read bandwidth"), report);
        assertTrue(report.contains("the higher of a kernel on the device and, on CPUs, the JVM on the host"), report);
        assertFalse(report.contains("copy bandwidth"), report);

        Measurement prefill = now.measurements().stream()
                .filter(m -> m.ok() && m.workload().phase() == Workload.Phase.PREFILL).findFirst().orElseThrow();
        double percent = 100 * prefill.summary().gigaflopsPerSecond() / 200.0;
        String row = report.lines().filter(l -> l.startsWith("| " + prefill.device() + " | " + prefill.variant() + " | ")
                && l.contains(Numbers.fmt(prefill.summary().tokensPerSecond()))).findFirst().orElseThrow();
        assertTrue(row.contains("| " + Numbers.percent(percent) + " |"), row + " lacks " + Numbers.percent(percent));
    }

    @Test
    void aPartialProfileSaysSo(@TempDir Path tmp) throws Exception {
        ProfileData done = Json.read(fixture("profile.json"));
        ProfileData partial = new ProfileData(done.format(), true, done.command(), done.started(), null, done.machine(),
                done.software(), done.options(), done.devices(), done.measurements().subList(0, 3));
        Report.write(partial, tmp);
        String report = Files.readString(tmp.resolve(Report.FILE));
        assertTrue(report.contains("> **Partial results.** The run stopped before it finished; 3 measurements were recorded."),
                report);
        assertFalse(Files.exists(tmp.resolve(Charts.ATTENTION_KINDS + ".png")), "no MHA/MQA rows yet: no chart");
    }

    @Test
    void aTimeChartOfOnePointStillHasATickOnItsTimeAxis() throws Exception {
        ProfileData done = Json.read(fixture("profile.json"));
        Measurement one = Report.okDecode(done, false).getFirst();
        ProfileData single = new ProfileData(done.format(), false, done.command(), done.started(), done.finished(),
                done.machine(), done.software(), done.options(), done.devices(), List.of(one));
        LogAxis y = (LogAxis) Charts.timeVsContext(single).getXYPlot().getRangeAxis();
        double ms = one.summary().msPerStep();
        assertTrue(y.getLowerBound() <= ms && ms <= y.getUpperBound(), ms + " ms outside " + y.getRange());
        double firstTick = Math.pow(2, Math.ceil(Math.log(y.getLowerBound()) / Math.log(2)));
        assertTrue(firstTick <= y.getUpperBound(), "no power of two (a tick) in " + y.getRange() + " for " + ms + " ms");
    }

    /** A run with nothing measured yet, on a made-up machine. */
    static ProfileData emptyRun(List<DeviceInfo> devices) {
        return new ProfileData(ProfileData.FORMAT, true, "scripts/profile --test", "2026-01-01T00:00:00Z", null,
                new MachineInfo("test-host", "test CPU", 2, 8L << 30, "test OS", 32L << 20, List.of()),
                new SoftwareInfo("25", "test VM", "test", null),
                new RunOptions("llama3-8b", devices.stream().map(DeviceInfo::id).toList(), List.of(48), List.of("broadcast"),
                        1, 1, "fp16", 2, 1, 0, 16),
                devices, List.of());
    }
}
