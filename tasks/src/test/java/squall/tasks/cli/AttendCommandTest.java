package squall.tasks.cli;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import squall.kernels.AttentionShape;
import squall.kernels.ReferenceAttention;
import squall.tasks.TestVectors;
import squall.tasks.io.Npy;
import squall.tasks.io.NpyTensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every NumPy test vector through {@code squall attend} on every device present (jvm, opencl:0 from PoCL in
 * CI, cuda:0 on a GPU machine), read back from the written file.
 */
@Tag("opencl")
class AttendCommandTest {

    @TempDir
    Path tmp;

    static Stream<Arguments> casesAndVariants() {
        return squall.tasks.TestDevices.ids().stream().flatMap(device -> TestVectors.cases().stream()
                .flatMap(c -> Stream.of("broadcast", "gather", "repeat")
                        // broadcast cannot take a mapping other than h / (Hq / Hkv): that case is a bad-input test.
                        .filter(variant -> !(c.hasKvMap() && variant.equals("broadcast")))
                        .map(variant -> Arguments.of(device, c, variant))));
    }

    static List<String> args(TestVectors.Case c, Path out) {
        return args(c, out, "jvm");
    }

    static List<String> args(TestVectors.Case c, Path out, String device) {
        List<String> args = new ArrayList<>(List.of(
                "attend", "--q", c.file("q.npy").toString(), "--k", c.file("k.npy").toString(),
                "--v", c.file("v.npy").toString(), "--device", device, "--out", out.toString()));
        if (c.hasKvMap()) {
            args.addAll(List.of("--kv-map", c.file("kv_map.npy").toString()));
        }
        if (c.causal()) {
            args.add("--causal");
        }
        return args;
    }

    @ParameterizedTest(name = "{0}: {1} {2}")
    @MethodSource("casesAndVariants")
    void matchesTheNumPyOutputAndTheFloat64Reference(String device, TestVectors.Case c, String variant) throws IOException {
        Path out = tmp.resolve("out.npy");
        List<String> args = args(c, out, device);
        args.addAll(List.of("--scale", Double.toString(c.scale()), "--variant", variant, "--check"));

        Cli.Result result = Cli.run(args.toArray(String[]::new));

        assertEquals(0, result.status(), result::toString);
        assertTrue(result.out().contains("check: relative L2 error"), result::toString);
        assertTrue(result.out().contains("variant " + variant), result::toString);
        assertTrue(result.out().contains("on device " + device), result::toString);
        NpyTensor written = Npy.read(out);
        NpyTensor expected = Npy.read(c.file("out.npy"));
        assertTrue(written.isFloat32());
        assertArrayEquals(expected.shape(), written.shape());
        double vsNumPy = relativeL2(written.floats(), expected.floats());
        assertTrue(vsNumPy < 1e-4, "README acceptance: " + vsNumPy);
        assertTrue(vsNumPy < 1e-5, "float32 target: " + vsNumPy);
        assertTrue(relativeL2ToReference(c, written.floats()) < 1e-5);
    }

    @Test
    void scaleDefaultsToOneOverSqrtD() throws IOException {
        TestVectors.Case c = vector("gqa2_decode_d128_s131");
        assertEquals(1 / Math.sqrt(128), c.scale(), 1e-7);
        Path out = tmp.resolve("out.npy");

        Cli.Result result = Cli.run(args(c, out).toArray(String[]::new));

        assertEquals(0, result.status(), result::toString);
        assertTrue(relativeL2(Npy.read(out).floats(), Npy.read(c.file("out.npy")).floats()) < 1e-5);
    }

    @Test
    void explicitScaleIsUsed() throws IOException {
        // This case's scale is 0.1, not 1/sqrt(64): leaving --scale out must give a different answer.
        TestVectors.Case c = vector("gqa4_noncausal_scale0.1_d64_tq10_s50");
        Path out = tmp.resolve("out.npy");
        assertEquals(0, Cli.run(args(c, out).toArray(String[]::new)).status());
        assertTrue(relativeL2(Npy.read(out).floats(), Npy.read(c.file("out.npy")).floats()) > 1e-3);
    }

    @Test
    void defaultVariantIsBroadcastOrGatherForAMapThatIsNotGrouped() {
        TestVectors.Case grouped = vector("gqa4_decode_d64_s300");
        Cli.Result plain = Cli.run(args(grouped, tmp.resolve("a.npy")).toArray(String[]::new));
        assertEquals(0, plain.status(), plain::toString);
        assertTrue(plain.out().contains("variant broadcast"), plain::toString);

        TestVectors.Case custom = vector("custom_map_hq6_hkv4_d64_tq3_s40");
        Cli.Result mapped = Cli.run(args(custom, tmp.resolve("b.npy")).toArray(String[]::new));
        assertEquals(0, mapped.status(), mapped::toString);
        assertTrue(mapped.out().contains("variant gather"), mapped::toString);
    }

    @Test
    void checkNeedsNoOutputFileAndWritesNone() throws IOException {
        TestVectors.Case c = vector("gqa4_decode_d64_s300");
        List<String> args = new ArrayList<>(List.of("attend", "--q", c.file("q.npy").toString(), "--k", c.file("k.npy").toString(),
                "--v", c.file("v.npy").toString(), "--device", "jvm", "--check"));
        Cli.Result result = Cli.run(args.toArray(String[]::new));
        assertEquals(0, result.status(), result::toString);
        assertTrue(result.out().contains("check: relative L2 error") && result.out().contains(": ok"), result::toString);
        assertTrue(result.out().contains("no --out, nothing written"), result::toString);
        try (Stream<Path> files = Files.list(tmp)) {
            assertEquals(0, files.count(), "nothing written");
        }

        args.remove("--check");
        Cli.Result neither = Cli.run(args.toArray(String[]::new));
        assertEquals(2, neither.status(), neither::toString);
        assertTrue(neither.err().contains("--out: name the output file, or give --check"), neither::toString);
    }

    @Test
    void aGroupedMapStillAllowsBroadcast() throws IOException {
        TestVectors.Case c = vector("gqa8_decode_d64_s150");
        Path map = tmp.resolve("map.npy");
        int[] grouped = new int[16];
        for (int h = 0; h < 16; h++) {
            grouped[h] = h / 8;
        }
        Npy.writeInt32(map, new int[] {16}, grouped);
        List<String> args = args(c, tmp.resolve("out.npy"));
        args.addAll(List.of("--kv-map", map.toString()));

        Cli.Result result = Cli.run(args.toArray(String[]::new));

        assertEquals(0, result.status(), result::toString);
        assertTrue(result.out().contains("variant broadcast"), result::toString);
        assertTrue(relativeL2(Npy.read(tmp.resolve("out.npy")).floats(), Npy.read(c.file("out.npy")).floats()) < 1e-5);
    }

    @Test
    void aBlockLongerThanTheKeysIsClampedOnTheJvmToo() throws IOException {
        // G * TILE private floats: 4 * 2147483647 wrapped negative, a NegativeArraySizeException in the kernel
        TestVectors.Case c = vector("gqa4_decode_d64_s300");
        Path out = tmp.resolve("out.npy");
        List<String> args = args(c, out);
        args.addAll(List.of("--block", "" + Integer.MAX_VALUE, "--check"));
        Cli.Result result = Cli.run(args.toArray(String[]::new));
        assertEquals(0, result.status(), result::toString);
        assertTrue(relativeL2(Npy.read(out).floats(), Npy.read(c.file("out.npy")).floats()) < 1e-5);
    }

    static TestVectors.Case vector(String name) {
        return TestVectors.cases().stream().filter(c -> c.name().equals(name)).findFirst().orElseThrow();
    }

    static double relativeL2(float[] out, float[] expected) {
        double[] ref = new double[expected.length];
        for (int i = 0; i < ref.length; i++) {
            ref[i] = expected[i];
        }
        return ReferenceAttention.relativeL2Error(out, ref);
    }

    private static double relativeL2ToReference(TestVectors.Case c, float[] out) throws IOException {
        AttentionShape shape = new AttentionShape(c.meta("B"), c.meta("Hq"), c.meta("Hkv"), c.meta("Tq"), c.meta("S"), c.meta("D"));
        int[] map = c.hasKvMap() ? Npy.read(c.file("kv_map.npy")).ints() : null;
        double[] ref = ReferenceAttention.attend(Npy.read(c.file("q.npy")).floats(), Npy.read(c.file("k.npy")).floats(),
                Npy.read(c.file("v.npy")).floats(), shape, map, c.causal(), (float) c.scale());
        return ReferenceAttention.relativeL2Error(out, ref);
    }

    static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.findAny().isEmpty();
        }
    }
}
