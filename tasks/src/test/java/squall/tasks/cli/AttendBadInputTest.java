package squall.tasks.cli;

import org.jetbrains.bio.npy.NpyFile;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import squall.tasks.TestVectors;
import squall.tasks.io.Npy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each kind of bad input to {@code squall attend}: exit status 2, one line on standard error naming the
 * argument (and what was expected), and no output file.
 */
class AttendBadInputTest {

    /** B=1, Hq=8, Hkv=2, Tq=10, S=50, D=64, non-causal. */
    private static final String BASE = "gqa4_noncausal_scale0.1_d64_tq10_s50";

    @TempDir
    Path tmp;

    /** Input files copied from the base case, to be damaged one way per test. */
    static final class Inputs {
        final Path dir;
        final Path outDir;
        final float[] q;
        final float[] k;

        Inputs(Path root) throws IOException {
            dir = Files.createDirectories(root.resolve("in"));
            outDir = Files.createDirectories(root.resolve("out"));
            Path base = TestVectors.attentionDir().resolve(BASE);
            for (String name : List.of("q.npy", "k.npy", "v.npy")) {
                Files.copy(base.resolve(name), dir.resolve(name));
            }
            q = Npy.read(dir.resolve("q.npy")).floats();
            k = Npy.read(dir.resolve("k.npy")).floats();
        }

        String path(String name) {
            return dir.resolve(name).toString();
        }

        Path out() {
            return outDir.resolve("out.npy");
        }

        void floats(String name, int[] shape, float[] data) throws IOException {
            Npy.writeFloat32(dir.resolve(name), shape, data);
        }

        void ints(String name, int... map) throws IOException {
            Npy.writeInt32(dir.resolve(name), new int[] {map.length}, map);
        }

        void bytes(String name, byte[] data) throws IOException {
            Files.write(dir.resolve(name), data);
        }

        byte[] bytes(String name) throws IOException {
            return Files.readAllBytes(dir.resolve(name));
        }

        void replaceInHeader(String name, String from, String to) throws IOException {
            String text = new String(bytes(name), StandardCharsets.ISO_8859_1);
            assertTrue(text.contains(from));
            bytes(name, text.replace(from, to).getBytes(StandardCharsets.ISO_8859_1));
        }
    }

    @FunctionalInterface
    interface Setup {
        /** Damages the inputs; returns the extra command-line arguments. */
        List<String> apply(Inputs in) throws IOException;
    }

    private DynamicTest bad(String name, String argument, List<String> fragments, Setup setup) {
        return DynamicTest.dynamicTest(name, () -> {
            Inputs in = new Inputs(Files.createDirectories(tmp.resolve(name.replaceAll("\\W+", "_"))));
            List<String> extra = setup.apply(in);
            List<String> args = new ArrayList<>(List.of("attend"));
            // Defaults, unless the case gives its own value (picocli rejects an option given twice).
            for (List<String> option : List.of(List.of("--q", in.path("q.npy")), List.of("--k", in.path("k.npy")),
                    List.of("--v", in.path("v.npy")), List.of("--device", "jvm"), List.of("--out", in.out().toString()))) {
                if (!extra.contains(option.getFirst())) {
                    args.addAll(option);
                }
            }
            args.addAll(extra);

            Cli.Result result = Cli.run(args.toArray(String[]::new));

            assertEquals(2, result.status(), result::toString);
            String[] lines = result.errLines();
            assertEquals(1, lines.length, result::toString);
            assertTrue(lines[0].startsWith("squall attend: "), lines[0]);
            assertTrue(lines[0].contains(argument), () -> "names " + argument + ": " + lines[0]);
            for (String fragment : fragments) {
                assertTrue(lines[0].contains(fragment), () -> "says '" + fragment + "': " + lines[0]);
            }
            assertFalse(Files.exists(in.out()), "no output on failure");
            assertTrue(!Files.exists(in.outDir) || AttendCommandTest.isEmpty(in.outDir), "no temporary file left");
            assertEquals("", result.out(), "nothing on stdout");
        });
    }

    @TestFactory
    Stream<DynamicTest> badInputExitsWith2AndNamesTheArgument() {
        return Stream.of(
                bad("q of rank 3", "--q", List.of("(8, 10, 64)", "[B, Hq, Tq, D]"), in -> {
                    in.floats("q.npy", new int[] {8, 10, 64}, in.q);
                    return List.of();
                }),
                bad("q of float64", "--q", List.of("float64", "float32 [B, Hq, Tq, D]"), in -> {
                    double[] wide = new double[in.q.length];
                    NpyFile.write(in.dir.resolve("q.npy"), wide, new int[] {1, 8, 10, 64});
                    return List.of();
                }),
                bad("q whose shape's product wraps to zero", "--q", List.of("more than 2^63 elements"), in -> {
                    // the same header length: the longer shape takes 14 of the padding's spaces
                    in.replaceInHeader("q.npy", "(1, 8, 10, 64), }" + " ".repeat(14), "(65536, 65536, 65536, 65536), }");
                    byte[] bytes = in.bytes("q.npy");
                    in.bytes("q.npy", Arrays.copyOf(bytes, bytes.length - 4 * in.q.length)); // and no data, which 0 needs
                    return List.of();
                }),
                bad("q with an empty dimension", "--q", List.of("(1, 8, 0, 64)", ">= 1"), in -> {
                    in.floats("q.npy", new int[] {1, 8, 0, 64}, new float[0]);
                    return List.of();
                }),
                bad("k of rank 5", "--k", List.of("[B, Hkv, S, D]"), in -> {
                    in.floats("k.npy", new int[] {1, 2, 1, 50, 64}, in.k);
                    return List.of();
                }),
                bad("k and v shapes differ", "--v", List.of("(1, 2, 49, 64)", "(1, 2, 50, 64)", "[B, Hkv, S, D]"), in -> {
                    in.floats("v.npy", new int[] {1, 2, 49, 64}, Arrays.copyOf(in.k, 2 * 49 * 64));
                    return List.of();
                }),
                bad("batch of k differs from q", "--k", List.of("B = 2", "B = 1", "[B=1, Hkv, S, D=64]"), in -> {
                    float[] two = Arrays.copyOf(in.k, 2 * in.k.length);
                    in.floats("k.npy", new int[] {2, 2, 50, 64}, two);
                    in.floats("v.npy", new int[] {2, 2, 50, 64}, two);
                    return List.of();
                }),
                bad("head dim of k differs from q", "--k", List.of("D = 32", "D = 64"), in -> {
                    in.floats("k.npy", new int[] {1, 2, 100, 32}, in.k);
                    in.floats("v.npy", new int[] {1, 2, 100, 32}, in.k);
                    return List.of();
                }),
                bad("Hq not a multiple of Hkv without a map", "--kv-map", List.of("Hq = 8", "Hkv = 3", "int32 [Hq] = (8,)"), in -> {
                    float[] three = Arrays.copyOf(in.k, 3 * 50 * 64);
                    in.floats("k.npy", new int[] {1, 3, 50, 64}, three);
                    in.floats("v.npy", new int[] {1, 3, 50, 64}, three);
                    return List.of();
                }),
                bad("map entry past Hkv", "--kv-map", List.of("[7] = 2", "[0, Hkv = 2)"), in -> {
                    in.ints("map.npy", 0, 0, 0, 0, 1, 1, 1, 2);
                    return List.of("--kv-map", in.path("map.npy"), "--variant", "gather");
                }),
                bad("negative map entry", "--kv-map", List.of("[0] = -1"), in -> {
                    in.ints("map.npy", -1, 0, 0, 0, 1, 1, 1, 1);
                    return List.of("--kv-map", in.path("map.npy"), "--variant", "gather");
                }),
                bad("map of the wrong length", "--kv-map", List.of("(7,)", "int32 [Hq] = (8,)"), in -> {
                    in.ints("map.npy", 0, 0, 0, 0, 1, 1, 1);
                    return List.of("--kv-map", in.path("map.npy"));
                }),
                bad("map of float32", "--kv-map", List.of("float32", "int32 [Hq]"), in -> {
                    in.floats("map.npy", new int[] {8}, new float[8]);
                    return List.of("--kv-map", in.path("map.npy"));
                }),
                bad("broadcast with a map that is not grouped", "--variant", List.of("broadcast", "use --variant gather"), in -> {
                    in.ints("map.npy", 1, 1, 1, 1, 0, 0, 0, 0);
                    return List.of("--kv-map", in.path("map.npy"), "--variant", "broadcast");
                }),
                bad("causal with Tq > S", "--causal", List.of("Tq = 60", "S = 50"), in -> {
                    in.floats("q.npy", new int[] {1, 8, 60, 64}, Arrays.copyOf(in.q, 8 * 60 * 64));
                    return List.of("--causal");
                }),
                bad("NaN in q", "--q", List.of("NaN", "[0, 3, 2, 5]"), in -> {
                    in.q[((3 * 10) + 2) * 64 + 5] = Float.NaN;
                    in.q[((5 * 10) + 2) * 64 + 5] = Float.NaN; // a later one: the first is reported
                    in.floats("q.npy", new int[] {1, 8, 10, 64}, in.q);
                    return List.of();
                }),
                bad("infinity in v", "--v", List.of("Infinity", "[0, 1, 49, 63]"), in -> {
                    float[] v = in.k.clone();
                    v[v.length - 1] = Float.NEGATIVE_INFINITY;
                    in.floats("v.npy", new int[] {1, 2, 50, 64}, v);
                    return List.of();
                }),
                bad("k with bad magic", "--k", List.of("bad magic"), in -> {
                    byte[] k = in.bytes("k.npy");
                    k[0] = 'P';
                    in.bytes("k.npy", k);
                    return List.of();
                }),
                bad("q with a bad header", "--q", List.of("bad header"), in -> {
                    in.replaceInHeader("q.npy", "'shape': (1, 8, 10, 64)", "'shape': [1; 8; 10; 64]");
                    return List.of();
                }),
                bad("v truncated", "--v", List.of("truncated"), in -> {
                    byte[] v = in.bytes("v.npy");
                    in.bytes("v.npy", Arrays.copyOf(v, v.length - 1000));
                    return List.of();
                }),
                bad("q in Fortran order", "--q", List.of("Fortran"), in -> {
                    in.replaceInHeader("q.npy", "'fortran_order': False", "'fortran_order': True ");
                    return List.of();
                }),
                bad("missing q file", "--q", List.of("no such file"), in -> {
                    Files.delete(in.dir.resolve("q.npy"));
                    return List.of();
                }),
                bad("block of 0", "--block", List.of(">= 1"), in -> List.of("--block", "0")),
                // --tile is --block's new name and --block-size is --page-size's: each error names what was typed
                bad("tile of 0", "--tile", List.of(">= 1"), in -> List.of("--tile", "0")),
                bad("cache block of 0", "--block-size", List.of(">= 1 token"), in -> List.of("--block-size", "0")),
                bad("cache page of 0", "--page-size", List.of(">= 1 token"), in -> List.of("--page-size=0")),
                bad("scale not a number", "--scale", List.of("finite"), in -> List.of("--scale", "NaN")),
                bad("scale not numeric", "--scale", List.of("abc"), in -> List.of("--scale", "abc")),
                bad("unknown device", "--device", List.of("no device 'tpu:3'", "jvm"), in -> List.of("--device", "tpu:3")),
                bad("unknown variant", "--variant", List.of("broadcast, gather, repeat"), in -> List.of("--variant", "flash")),
                bad("output folder missing", "--out", List.of("does not exist"), in -> {
                    Files.delete(in.outDir);
                    return List.of("--out", in.out().toString());
                }),
                bad("output is a folder", "--out", List.of("is a folder"), in -> {
                    Path folder = Files.createDirectories(in.dir.resolve("sub"));
                    return List.of("--out", folder.toString());
                }));
    }

    @Test
    void missingRequiredOptionIsOneLineNamingIt() {
        Cli.Result result = Cli.run("attend", "--q", "q.npy", "--v", "v.npy", "--out", tmp.resolve("out.npy").toString());
        assertEquals(2, result.status(), result::toString);
        assertEquals(1, result.errLines().length, result::toString);
        assertTrue(result.errLines()[0].contains("--k"), result::toString);
        assertFalse(Files.exists(tmp.resolve("out.npy")));
    }
}
