package squall.tasks.cli;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import squall.testing.OpenClTestDevice;
import squall.tasks.TestVectors;
import squall.tasks.io.Npy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every case of {@code testdata/attention-variants/} (NumPy float64 results: sliding window, soft-cap, ALiBi, sinks)
 * through {@code squall attend} with its options and {@code --check}, on the contiguous path and on the paged one
 * (blocks of 7 or 16 tokens, fp32, split-KV in some): the output within the vectors' 1e-4 of NumPy's. The jvm device
 * runs every variant on both paths; opencl:0 one variant per case in turn, so each kernel meets several cases.
 */
class AttendVariantVectorsTest {

    private static final String[] VARIANTS = {"broadcast", "gather", "repeat"};

    @TempDir
    Path tmp;

    static Stream<Arguments> jvmRuns() {
        List<Arguments> runs = new ArrayList<>();
        List<TestVectors.Case> cases = TestVectors.variantCases();
        for (int i = 0; i < cases.size(); i++) {
            for (String variant : VARIANTS) {
                runs.add(Arguments.of(cases.get(i), variant, false, i));
                runs.add(Arguments.of(cases.get(i), variant, true, i));
            }
        }
        return runs.stream();
    }

    static Stream<Arguments> openClRuns() {
        List<Arguments> runs = new ArrayList<>();
        List<TestVectors.Case> cases = TestVectors.variantCases();
        for (int i = 0; i < cases.size(); i++) {
            runs.add(Arguments.of(cases.get(i), VARIANTS[i % 3], false, i));
            runs.add(Arguments.of(cases.get(i), VARIANTS[(i + 1) % 3], true, i));
        }
        return runs.stream();
    }

    @ParameterizedTest(name = "{0}, {1}, paged {2}")
    @MethodSource("jvmRuns")
    void onTheJvm(TestVectors.Case c, String variant, boolean paged, int index) throws IOException {
        matchesNumPy(c, variant, paged, index, "jvm");
    }

    @Tag("opencl")
    @ParameterizedTest(name = "{0}, {1}, paged {2}")
    @MethodSource("openClRuns")
    void onOpenCl(TestVectors.Case c, String variant, boolean paged, int index) throws IOException {
        matchesNumPy(c, variant, paged, index, OpenClTestDevice.opencl0().id());
    }

    /** The arguments of {@code squall attend} that give case {@code c}'s options. */
    static List<String> optionArguments(TestVectors.Case c) {
        List<String> args = new ArrayList<>();
        if (c.has("window")) {
            args.addAll(List.of("--window", "" + c.meta("window")));
        }
        if (c.has("softcap")) {
            args.addAll(List.of("--softcap", c.meta().get("softcap").asText()));
        }
        if (c.has("alibi")) {
            args.addAll(List.of("--alibi-slopes", c.file("alibi_slopes.npy").toString()));
        }
        if (c.has("sinks")) {
            args.addAll(List.of("--sinks", c.file("sinks.npy").toString()));
        }
        return args;
    }

    private void matchesNumPy(TestVectors.Case c, String variant, boolean paged, int index, String device)
            throws IOException {
        Path out = tmp.resolve("out.npy");
        List<String> args = new ArrayList<>(List.of("attend", "--q", c.file("q.npy").toString(), "--k",
                c.file("k.npy").toString(), "--v", c.file("v.npy").toString(), "--scale", c.meta().get("scale").asText(),
                "--variant", variant, "--device", device, "--out", out.toString(), "--check"));
        if (c.causal()) {
            args.add("--causal");
        }
        args.addAll(optionArguments(c));
        if (paged) {
            args.addAll(List.of("--page-size", index % 2 == 0 ? "7" : "16"));
            if (variant.equals("broadcast") && index % 3 != 2) {
                args.addAll(List.of("--slices", "" + (2 + index % 3)));
            }
        }
        Cli.Result result = Cli.run(args.toArray(String[]::new));
        assertEquals(0, result.status(), result::toString);
        double error = AttendCommandTest.relativeL2(Npy.read(out).floats(), Npy.read(c.file("out.npy")).floats());
        assertTrue(error < 1e-4, c + " " + variant + (paged ? " paged" : "") + " on " + device + ": relative L2 error "
                + error + " against NumPy's");
    }
}
