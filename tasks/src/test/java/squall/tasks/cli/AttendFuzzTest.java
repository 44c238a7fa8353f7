package squall.tasks.cli;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import squall.kernels.AttentionShape;
import squall.kernels.ReferenceAttention;
import squall.runtime.Device;
import squall.tasks.io.Npy;
import squall.tasks.io.NpyTensor;
import squall.testing.OpenClTestDevice;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code squall attend} against random input: shapes, damaged {@code .npy} files, flag values in and out of range,
 * maps, outputs that are files, links, folders and FIFOs. Every run ends in exit 0 with the float64 reference's
 * result written, or in exit 2 with one line on standard error and nothing written; which one is known from the
 * input alone. On the jvm device and on {@code opencl:0}.
 */
class AttendFuzzTest {

    private static Path root;
    private static int run;

    @BeforeContainer
    static void folder() throws IOException {
        root = Files.createTempDirectory("squall-attend-fuzz");
    }

    @AfterContainer
    static void removeFolder() throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(f);
            }
        }
    }

    /** Where --out points. */
    enum Out { NEW, EXISTING, FOLDER, MISSING_FOLDER, FIFO, LINK_TO_FILE, LINK_TO_NOTHING, LINK_TO_FIFO }

    /** What is done to one input file. */
    enum Damage { NONE, TRUNCATED, EXTENDED, BAD_MAGIC, WRAPPING_SHAPE, WRONG_DTYPE, HUGE_VALUES, JUNK }

    /** One run: the shape and inputs, what goes wrong if anything, and the flags. */
    record Case(AttentionShape shape, long seed, String map, String damaged, Damage damage, boolean causal, String scale,
                String block, String variant, Out out, boolean check, boolean junkOption) {
    }

    @Property(tries = 400)
    void onTheJvm(@ForAll("cases") Case c) throws Exception {
        exitsWith0AndTheRightResultOr2AndNothing(c, "jvm");
    }

    @Property(tries = 60)
    @net.jqwik.api.Tag("opencl")
    void onOpenCl(@ForAll("cases") Case c) throws Exception {
        Device cl = OpenClTestDevice.opencl0();
        exitsWith0AndTheRightResultOr2AndNothing(c, cl.id());
    }

    /** What a case gets wrong: nothing, one input or flag, or several at once. */
    enum Wrong { NOTHING, MAP, FILE, SCALE, BLOCK, VARIANT, OUT, OPTION, SEVERAL }

    @Provide
    Arbitrary<Case> cases() {
        Arbitrary<AttentionShape> shapes = Combinators.combine(Arbitraries.integers().between(1, 2),
                        Arbitraries.integers().between(1, 3), Arbitraries.integers().between(1, 4),
                        Arbitraries.integers().between(1, 4), Arbitraries.integers().between(1, 40), Arbitraries.of(1, 2, 4, 8, 16))
                .as((b, hkv, g, tq, s, d) -> new AttentionShape(b, hkv * g, hkv, tq, s, d));
        Arbitrary<Wrong> wrongs = Arbitraries.frequency(Tuple.of(10, Wrong.NOTHING), Tuple.of(1, Wrong.MAP), Tuple.of(3, Wrong.FILE),
                Tuple.of(1, Wrong.SCALE), Tuple.of(1, Wrong.BLOCK), Tuple.of(1, Wrong.VARIANT), Tuple.of(2, Wrong.OUT),
                Tuple.of(1, Wrong.OPTION), Tuple.of(2, Wrong.SEVERAL));
        return wrongs.flatMap(wrong -> {
            Arbitrary<String> maps = pick(wrong, Wrong.MAP, Arbitraries.of("none", "none", "none", "none", "grouped", "custom"),
                    Arbitraries.of("outside", "short", "float"));
            Arbitrary<Damage> damages = pick(wrong, Wrong.FILE, Arbitraries.just(Damage.NONE),
                    Arbitraries.of(Damage.values()).filter(d -> d != Damage.NONE));
            Arbitrary<String> scales = pick(wrong, Wrong.SCALE, Arbitraries.of(null, null, null, "0.125", "1", "-2", "3.5", "1e-45"),
                    Arbitraries.of("NaN", "Infinity", "-Infinity", "1e39", "abc"));
            Arbitrary<String> blocks = pick(wrong, Wrong.BLOCK,
                    Arbitraries.of(null, null, "1", "3", "S", "S+1", "1000000", "2147483647"),
                    Arbitraries.of("-5", "0", "99999999999", "x"));
            Arbitrary<String> variants = pick(wrong, Wrong.VARIANT, Arbitraries.of(null, null, "broadcast", "gather", "repeat"),
                    Arbitraries.just("flash"));
            Arbitrary<Out> outs = pick(wrong, Wrong.OUT, Arbitraries.of(Out.NEW, Out.NEW, Out.NEW, Out.EXISTING, Out.LINK_TO_FILE,
                    Out.LINK_TO_NOTHING), Arbitraries.of(Out.FOLDER, Out.MISSING_FOLDER, Out.FIFO, Out.LINK_TO_FIFO));
            Arbitrary<Boolean> junk = pick(wrong, Wrong.OPTION, Arbitraries.just(false), Arbitraries.just(true));
            Arbitrary<Case> values = Combinators.combine(shapes, Arbitraries.longs(), maps, Arbitraries.of("q", "k", "v", "map"),
                            damages, Arbitraries.of(true, false), scales, blocks)
                    .as((shape, seed, map, damaged, damage, causal, scale, block) -> new Case(shape, seed, map, damaged, damage,
                            causal, scale, block, null, Out.NEW, false, false));
            return Combinators.combine(values, variants, outs, Arbitraries.of(true, false), junk)
                    .as((c, variant, out, check, option) -> new Case(c.shape(), c.seed(), c.map(), c.damaged(), c.damage(),
                            c.causal(), c.scale(), c.block(), variant, out, check, option));
        });
    }

    /** The right values, the wrong ones when this case gets {@code what} wrong, and either for several. */
    private static <T> Arbitrary<T> pick(Wrong wrong, Wrong what, Arbitrary<T> right, Arbitrary<T> bad) {
        return wrong == what ? bad : wrong == Wrong.SEVERAL ? Arbitraries.frequencyOf(Tuple.of(2, right), Tuple.of(1, bad)) : right;
    }

    private void exitsWith0AndTheRightResultOr2AndNothing(Case c, String device) throws Exception {
        Path dir = Files.createDirectories(root.resolve("run" + run++));
        Path outDir = Files.createDirectories(dir.resolve("out"));
        AttentionShape s = c.shape();
        SplittableRandom random = new SplittableRandom(c.seed());
        float[] q = uniform(random, s.qElements()), k = uniform(random, s.kvElements()), v = uniform(random, s.kvElements());
        int[] map = null;
        boolean bad = false;
        List<String> args = new ArrayList<>(List.of("attend", "--device", device));
        for (String name : List.of("q", "k", "v")) {
            Path file = dir.resolve(name + ".npy");
            float[] data = name.equals("q") ? q : name.equals("k") ? k : v;
            int[] shape = name.equals("q") ? new int[] {s.B(), s.Hq(), s.Tq(), s.D()} : new int[] {s.B(), s.Hkv(), s.S(), s.D()};
            Npy.writeFloat32(file, shape, data);
            args.addAll(List.of("--" + name, file.toString()));
        }
        if (!c.map().equals("none")) {
            map = c.map().equals("grouped") ? s.groupedKvMap() : new int[c.map().equals("short") ? s.Hq() - 1 : s.Hq()];
            if (!c.map().equals("grouped")) {
                for (int h = 0; h < map.length; h++) {
                    map[h] = c.map().equals("outside") && h == 0 ? s.Hkv() : random.nextInt(s.Hkv());
                }
            }
            Path file = dir.resolve("map.npy");
            if (c.map().equals("float")) {
                Npy.writeFloat32(file, new int[] {s.Hq()}, new float[s.Hq()]);
            } else if (map.length == 0) {
                Npy.writeInt32(file, new int[] {0}, map);
            } else {
                Npy.writeInt32(file, new int[] {map.length}, map);
            }
            args.addAll(List.of("--kv-map", file.toString()));
            bad |= List.of("outside", "short", "float").contains(c.map());
        }
        if (c.damage() != Damage.NONE && (!c.damaged().equals("map") || map != null)) {
            damage(dir.resolve(c.damaged() + ".npy"), c.damage(), random);
            bad = true;
        }
        boolean grouped = map == null || Arrays.equals(map, s.groupedKvMap());
        if (c.causal()) {
            args.add("--causal");
            bad |= s.Tq() > s.S();
        }
        float scale = s.defaultScale();
        if (c.scale() != null) {
            args.addAll(List.of("--scale", c.scale()));
            try {
                scale = Float.parseFloat(c.scale());
                bad |= !Float.isFinite(scale);
            } catch (NumberFormatException e) {
                bad = true;
            }
        }
        if (c.block() != null) {
            String block = c.block().equals("S") ? "" + s.S() : c.block().equals("S+1") ? "" + (s.S() + 1) : c.block();
            args.addAll(List.of("--block", block));
            try {
                bad |= Integer.parseInt(block) < 1;
            } catch (NumberFormatException e) {
                bad = true;
            }
        }
        if (c.variant() != null) {
            args.addAll(List.of("--variant", c.variant()));
            bad |= c.variant().equals("flash") || (c.variant().equals("broadcast") && !grouped);
        }
        Path out = outDir.resolve("out.npy"), written = out;
        switch (c.out()) {
            case NEW -> {
            }
            case EXISTING -> Files.writeString(out, "an older file");
            case FOLDER -> {
                Files.createDirectory(out);
                bad = true;
            }
            case MISSING_FOLDER -> {
                out = outDir.resolve("missing/out.npy");
                bad = true;
            }
            case FIFO -> {
                mkfifo(out);
                bad = true;
            }
            case LINK_TO_FILE -> {
                written = Files.writeString(dir.resolve("elsewhere.npy"), "the link's file");
                Files.createSymbolicLink(out, written);
            }
            case LINK_TO_NOTHING -> {
                written = dir.resolve("made-through-the-link.npy");
                Files.createSymbolicLink(out, written);
            }
            case LINK_TO_FIFO -> {
                written = mkfifo(dir.resolve("pipe"));
                Files.createSymbolicLink(out, written);
                bad = true;
            }
        }
        args.addAll(List.of("--out", out.toString()));
        if (c.check()) {
            args.add("--check");
        }
        if (c.junkOption()) {
            args.add("--bogus");
            bad = true;
        }
        List<String> before = listing(dir);
        byte[] oldContent = Files.isRegularFile(written) ? Files.readAllBytes(written) : null;

        Cli.Result result = Cli.run(args.toArray(String[]::new));

        String what = c + "\n" + String.join(" ", args) + "\n" + result;
        net.jqwik.api.statistics.Statistics.collect(bad ? "bad input" : "runs");
        assertEquals(bad ? 2 : 0, result.status(), what);
        if (bad) {
            assertEquals(1, result.errLines().length, what);
            assertTrue(result.errLines()[0].startsWith("squall attend: "), what);
            assertEquals(before, listing(dir), "nothing written or removed: " + what);
            if (oldContent != null) {
                assertArrayEquals(oldContent, Files.readAllBytes(written), "the old file is untouched: " + what);
            }
            return;
        }
        assertEquals("", result.err(), what);
        NpyTensor got = Npy.read(written);
        assertArrayEquals(new int[] {s.B(), s.Hq(), s.Tq(), s.D()}, got.shape(), what);
        double error = ReferenceAttention.relativeL2Error(got.floats(),
                ReferenceAttention.attend(q, k, v, s, map, c.causal(), scale));
        assertTrue(error < 1e-5, "relative L2 error " + error + ": " + what);
    }

    private static float[] uniform(SplittableRandom random, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return a;
    }

    /** Damages a valid float32 or int32 file as {@code damage} says; every damage is bad input. */
    private static void damage(Path file, Damage damage, SplittableRandom random) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        NpyTensor t = Npy.read(file);
        switch (damage) {
            case TRUNCATED -> bytes = Arrays.copyOf(bytes, random.nextInt(bytes.length));
            case EXTENDED -> bytes = Arrays.copyOf(bytes, bytes.length + 1 + random.nextInt(8));
            case BAD_MAGIC -> bytes[1 + random.nextInt(5)] ^= 0x20;
            case WRAPPING_SHAPE -> {
                // 65536^4 = 2^64 elements: a product that wraps to 0 in a long
                Npy.writeFloat32(file, new int[] {1}, new float[1]);
                String text = new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1);
                text = text.replace("(1,), }" + " ".repeat(24), "(65536, 65536, 65536, 65536), }");
                bytes = Arrays.copyOf(text.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), text.length() - 4);
            }
            case WRONG_DTYPE -> {
                Files.delete(file);
                org.jetbrains.bio.npy.NpyFile.write(file, new double[(int) t.elements()], t.shape());
                return;
            }
            case HUGE_VALUES -> {
                if (t.isInt32()) {
                    int[] map = Arrays.copyOf(t.ints(), Math.max(1, t.ints().length));
                    map[0] = -1;   // a map's huge value is one outside the KV heads
                    Npy.writeInt32(file, new int[] {map.length}, map);
                } else {
                    float[] values = t.floats().clone();
                    for (int i = 0; i < values.length; i++) {
                        values[i] *= 4e37f;  // finite, but products and sums of them overflow float32
                    }
                    values[0] = 3e38f;
                    Npy.writeFloat32(file, t.shape(), values);
                }
                return;
            }
            case JUNK -> {
                bytes = new byte[random.nextInt(200)];
                random.nextBytes(bytes);
            }
            case NONE -> {
                return;
            }
        }
        Files.write(file, bytes);
    }

    private static Path mkfifo(Path path) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("mkfifo", path.toString()).redirectErrorStream(true).start();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0, "mkfifo " + path);
        return path;
    }

    private static List<String> listing(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.map(f -> {
                try {
                    BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                    return dir.relativize(f) + (a.isSymbolicLink() ? " link" : a.isOther() ? " fifo" : a.isDirectory() ? "/" : "");
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            }).sorted().toList();
        }
    }
}
