package squall.profiles;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code --compare A B}: the ratio B / A of ms/step and GB/s for each row both runs have, and nothing else. */
@Tag("opencl")
class ComparisonTest {

    static Path fixture(String name) {
        return ReportTest.resource("compare/" + name);
    }

    @Test
    void printsTheRatiosOfRowsPresentInBoth() {
        StringWriter text = new StringWriter();
        Comparison.of(fixture("a.csv"), fixture("b.csv")).print(new PrintWriter(text));
        List<String> lines = text.toString().lines().toList();

        assertEquals(List.of("10.0", "12.0", "1.200", "5.00", "4.00", "0.800"),
                cells(row(lines, "decode/llama3-8b/GQA/1024 jvm broadcast")));
        assertEquals(List.of("4.00", "3.00", "0.750", "12.5", "16.0", "1.280"),
                cells(row(lines, "decode/llama3-8b/GQA/1024 opencl:0 workgroup")));
        assertEquals(List.of("40.0", "50.0", "1.250", "5.00", "4.00", "0.800"),
                cells(row(lines, "decode/llama3-8b/GQA/4096 jvm broadcast")));
        // a row A could not time shows its status and no ratio
        assertEquals(List.of("wrong", "10.0", "wrong", "20.0"),
                cells(row(lines, "decode/llama3-8b/GQA/4096 opencl:0 workgroup")));
        assertTrue(lines.stream().noneMatch(l -> l.contains("MHA") || l.contains("MQA")), "rows of one run only are not compared");
        assertTrue(lines.contains("1 rows only in A, 1 only in B (not compared)"), text.toString());
    }

    @Test
    void takesResultsFolders(@TempDir Path tmp) throws Exception {
        Path a = Files.createDirectories(tmp.resolve("a")), b = Files.createDirectories(tmp.resolve("b"));
        Files.copy(fixture("a.csv"), a.resolve("data.csv"));
        Files.copy(fixture("b.csv"), b.resolve("data.csv"));
        StringWriter text = new StringWriter();
        Comparison.of(a, b).print(new PrintWriter(text));
        assertTrue(text.toString().contains("1.250"), text.toString());
    }

    @Test
    void saysWhenTheRunsDifferInSettingsOrMachine(@TempDir Path tmp) throws Exception {
        Path a = Files.createDirectories(tmp.resolve("a")), b = Files.createDirectories(tmp.resolve("b"));
        Files.copy(fixture("a.csv"), a.resolve("data.csv"));
        Files.copy(fixture("b.csv"), b.resolve("data.csv"));
        ProfileData base = Json.read(ReportTest.fixture("profile.json"));
        Json.write(base, a.resolve("profile.json"));
        Json.write(base, b.resolve("profile.json"));
        assertTrue(print(a, b).contains("same settings, machine and JDK"), print(a, b));

        RunOptions o = base.options();
        MachineInfo m = base.machine();
        ProfileData other = new ProfileData(base.format(), false, base.command(), base.started(), base.finished(),
                new MachineInfo("other-host", m.cpu(), 64, m.memoryBytes(), m.os(), m.llcBytes(), m.gpus()), base.software(),
                new RunOptions(o.model(), o.devices(), o.contexts(), o.variants(), 16, o.batch(), o.kvDtype(), 10, o.warmup(),
                        o.prefillTokens(), o.blockSize()),
                base.devices(), base.measurements(), 70.0, 1.0);
        Json.write(other, b.resolve("profile.json"));
        String text = print(a, b);
        assertTrue(text.contains("note: different settings: layers " + o.layers() + " / 16; timed steps " + o.steps() + " / 10"), text);
        assertTrue(text.contains("note: different machines or JDKs: host " + m.host() + " / other-host; cores " + m.cores() + " / 64"), text);
        assertTrue(text.contains("note: B ran on a busy machine (load average up to 70.00 on 64 cores)"), text);
        assertTrue(text.contains("1.250"), "and the ratios all the same:\n" + text);
    }

    @Test
    void saysWhenItCannotKnowTheSettings() {
        String text = print(fixture("a.csv"), fixture("b.csv"));
        assertTrue(text.contains("note: settings and machine unknown for A and B (no profile.json beside its data.csv)"), text);
    }

    private static String print(Path a, Path b) {
        StringWriter text = new StringWriter();
        Comparison.of(a, b).print(new PrintWriter(text));
        return text.toString();
    }

    @Test
    void namesWhatIsMissing(@TempDir Path tmp) {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Comparison.of(tmp, fixture("b.csv")));
        assertTrue(e.getMessage().contains("has no data.csv"), e.getMessage());
    }

    /** The line of a row, found by its workload, device and variant. */
    private static String row(List<String> lines, String key) {
        String[] k = key.split(" ");
        return lines.stream().filter(l -> {
            String[] c = l.trim().split("\\s+");
            return c.length > 3 && c[0].equals(k[0]) && c[1].equals(k[1]) && c[2].equals(k[2]);
        }).findFirst().orElseThrow(() -> new AssertionError("no row " + key + " in\n" + String.join("\n", lines)));
    }

    /** The numeric cells of a row, after workload, device and variant. */
    private static List<String> cells(String line) {
        List<String> all = Arrays.asList(line.trim().split("\\s+"));
        return all.subList(3, all.size());
    }
}
