package squall.tasks.cli;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import squall.tasks.GqaConversionTest;
import squall.tasks.io.Npy;
import squall.tasks.io.NpyTensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code squall convert}: pooled weights through files, every bad input, and {@code --compare}. */
class ConvertCommandTest {

    static final Pattern DIFFERENCE = Pattern.compile("attention output, .*relative L2 difference (\\S+)");
    static final Pattern K_DIFFERENCE = Pattern.compile("K, pooled .*relative L2 difference (\\S+)");

    @TempDir
    Path tmp;
    Path k, v, out;

    @BeforeEach
    void handMadeWeights() throws IOException {
        k = tmp.resolve("k_proj.npy");
        v = tmp.resolve("v_proj.npy");
        out = tmp.resolve("gqa");
        float[] w = GqaConversionTest.handMade();
        Npy.writeFloat32(k, new int[] {8, 3}, w);
        float[] negated = w.clone();
        for (int i = 0; i < negated.length; i++) {
            negated[i] = -negated[i];
        }
        Npy.writeFloat32(v, new int[] {8, 3}, negated);
    }

    Cli.Result convert(String... more) {
        List<String> args = new ArrayList<>(List.of("convert", "--k", k.toString(), "--v", v.toString(), "--out", out.toString()));
        args.addAll(List.of(more));
        return Cli.run(args.toArray(String[]::new));
    }

    @Test
    void writesTheGroupMeansOfKAndV() throws IOException {
        Cli.Result result = convert("--kv-heads", "2", "--head-dim", "2");
        assertEquals(0, result.status(), result::toString);
        assertEquals("", result.err(), result::toString);
        assertTrue(result.out().contains("Hq = 4 heads of 2 pooled into 2 KV heads, groups of 2"), result::toString);
        NpyTensor kOut = Npy.read(out.resolve("k_proj.npy"));
        NpyTensor vOut = Npy.read(out.resolve("v_proj.npy"));
        assertArrayEquals(new int[] {4, 3}, kOut.shape());
        assertArrayEquals(new float[] {5, 6, 7, 8, 9, 10, 25, 26, 27, 28, 29, 30}, kOut.floats());
        assertArrayEquals(new float[] {-5, -6, -7, -8, -9, -10, -25, -26, -27, -28, -29, -30}, vOut.floats());
        try (Stream<Path> files = Files.list(out)) {
            assertEquals(List.of("k_proj.npy", "v_proj.npy"), files.map(p -> p.getFileName().toString()).sorted().toList(),
                    "no staging files left behind");
        }
    }

    @Test
    void overwritesAnEarlierConversionAndMakesMissingFolders() throws IOException {
        out = tmp.resolve("a/b/c");
        assertEquals(0, convert("--kv-heads", "4", "--head-dim", "2").status());
        assertEquals(0, convert("--kv-heads", "1", "--head-dim", "2").status());
        assertArrayEquals(new float[] {15, 16, 17, 18, 19, 20}, Npy.read(out.resolve("k_proj.npy")).floats());
    }

    void badWritesNothing(String argument, String... args) throws IOException {
        Cli.Result result = convert(args);
        assertEquals(2, result.status(), result::toString);
        assertEquals(1, result.errLines().length, result::toString);
        assertTrue(result.errLines()[0].contains(argument), () -> "names " + argument + ": " + result);
        assertFalse(Files.exists(out), () -> "nothing written: " + out);
        try (Stream<Path> files = Files.list(tmp)) {
            assertEquals(List.of(), files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(".")).toList(),
                    "no staging files");
        }
    }

    @Test
    void everyBadInputExitsTwoAndWritesNothing() throws IOException {
        badWritesNothing("--head-dim", "--kv-heads", "1", "--head-dim", "3");  // 8 rows are not heads of 3
        badWritesNothing("--head-dim", "--kv-heads", "1");                      // the default 128 neither
        badWritesNothing("--head-dim", "--kv-heads", "1", "--head-dim", "0");
        badWritesNothing("--kv-heads", "--kv-heads", "3", "--head-dim", "2");   // Hq = 4
        badWritesNothing("--kv-heads", "--kv-heads", "8", "--head-dim", "2");
        badWritesNothing("--kv-heads", "--kv-heads", "0", "--head-dim", "2");
        badWritesNothing("--tokens", "--kv-heads", "2", "--head-dim", "2", "--tokens", "4");
        badWritesNothing("--seed", "--kv-heads", "2", "--head-dim", "2", "--seed", "4");
        badWritesNothing("--tokens", "--kv-heads", "2", "--head-dim", "2", "--compare", "--tokens", "0");
        badWritesNothing("--device", "--kv-heads", "2", "--head-dim", "2", "--compare", "--device", "tpu:0");
        badWritesNothing("--kv-heads", "--head-dim", "2");

        Path original = v;
        v = tmp.resolve("missing.npy");
        badWritesNothing("--v", "--kv-heads", "2", "--head-dim", "2");
        v = original;
    }

    @Test
    void badWeightFilesExitTwoAndWriteNothing() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("inputs"));
        Path good = k, goodV = v;
        k = dir.resolve("k3d.npy");
        Npy.writeFloat32(k, new int[] {2, 4, 3}, new float[24]);
        badWritesNothing("--k", "--kv-heads", "2", "--head-dim", "2");
        k = dir.resolve("ints.npy");
        Npy.writeInt32(k, new int[] {8, 3}, new int[24]);
        badWritesNothing("--k", "--kv-heads", "2", "--head-dim", "2");
        k = dir.resolve("nan.npy");
        float[] nan = GqaConversionTest.handMade();
        nan[7] = Float.NaN;
        Npy.writeFloat32(k, new int[] {8, 3}, nan);
        badWritesNothing("--k", "--kv-heads", "2", "--head-dim", "2");
        k = good;
        v = dir.resolve("wide.npy");
        Npy.writeFloat32(v, new int[] {8, 4}, new float[32]);
        badWritesNothing("--v", "--kv-heads", "2", "--head-dim", "2");
        v = goodV;
        out = Files.writeString(dir.resolve("a-file"), "not a folder");
        Cli.Result result = convert("--kv-heads", "2", "--head-dim", "2");
        assertEquals(2, result.status(), result::toString);
        assertTrue(result.errLines()[0].contains("--out"), result::toString);
        assertEquals("not a folder", Files.readString(out));
    }

    /** Random weights with Hq = 8 heads of 16 over hidden = 32, written as k_proj and v_proj. */
    void randomWeights(long seed) throws IOException {
        SplittableRandom random = new SplittableRandom(seed);
        for (Path file : List.of(k, v)) {
            float[] w = new float[8 * 16 * 32];
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) (random.nextGaussian() / Math.sqrt(32));
            }
            Npy.writeFloat32(file, new int[] {8 * 16, 32}, w);
        }
    }

    static double number(Pattern pattern, String out) {
        Matcher m = pattern.matcher(out);
        assertTrue(m.find(), () -> pattern + " in\n" + out);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void compareReportsHowFarTheConvertedAttentionIs() throws IOException {
        randomWeights(1);
        Cli.Result result = convert("--kv-heads", "2", "--head-dim", "16", "--compare", "--tokens", "12", "--seed", "7",
                "--device", "jvm");
        assertEquals(0, result.status(), result::toString);
        double output = number(DIFFERENCE, result.out());
        double kPooled = number(K_DIFFERENCE, result.out());
        assertTrue(output > 0 && output < 10, result::toString);
        // four independent random heads averaged: the mean keeps about half of each head's norm
        assertTrue(kPooled > 0.5 && kPooled < 1.2, result::toString);
        assertTrue(Files.exists(out.resolve("k_proj.npy")), "compare still writes the weights");

        Cli.Result again = convert("--kv-heads", "2", "--head-dim", "16", "--compare", "--tokens", "12", "--seed", "7",
                "--device", "jvm");
        assertEquals(result.out(), again.out(), "seeded: the same numbers twice");
    }

    @Test
    void compareFindsNoDifferenceWhenNothingIsPooled() throws IOException {
        randomWeights(2);
        Cli.Result result = convert("--kv-heads", "8", "--head-dim", "16", "--compare", "--tokens", "5", "--device", "jvm");
        assertEquals(0, result.status(), result::toString);
        assertEquals(0.0, number(DIFFERENCE, result.out()), result::toString);
        assertEquals(0.0, number(K_DIFFERENCE, result.out()), result::toString);
    }

    @Test
    void compareFindsNoDifferenceWhenEachGroupsHeadsAreAlike() throws IOException {
        // heads 2j and 2j+1 identical: their mean is each of them, so GQA with 4 KV heads is the MHA model
        SplittableRandom random = new SplittableRandom(3);
        for (Path file : List.of(k, v)) {
            float[] w = new float[8 * 16 * 32];
            for (int h = 0; h < 8; h += 2) {
                for (int i = 0; i < 16 * 32; i++) {
                    w[h * 16 * 32 + i] = w[(h + 1) * 16 * 32 + i] = (float) (random.nextGaussian() / Math.sqrt(32));
                }
            }
            Npy.writeFloat32(file, new int[] {8 * 16, 32}, w);
        }
        Cli.Result result = convert("--kv-heads", "4", "--head-dim", "16", "--compare", "--tokens", "9", "--device", "jvm");
        assertEquals(0, result.status(), result::toString);
        assertTrue(number(DIFFERENCE, result.out()) < 1e-6, result::toString);
        assertEquals(0.0, number(K_DIFFERENCE, result.out()), result::toString);
    }
}
