package squall.device.cuda;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.jetbrains.bio.npy.NpyFile;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import squall.kernels.AttentionShape;
import squall.kernels.ReferenceAttention;
import squall.runtime.Devices;
import squall.runtime.ExecutionPlan;
import squall.tasks.Attention;
import squall.tasks.AttentionVariant;
import squall.tasks.TestVectors;
import squall.testing.CudaTestSupport;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every attention kernel through {@link Attention} (broadcast, gather, repeat) on {@code cuda:0},
 * against the float64 reference and the {@code jvm} device: MHA, GQA with groups 2 to 8, MQA,
 * decode, causal and chunked prefill, non-causal rows, B > 1, head dimensions that are not powers
 * of two, key counts that are not multiples of the tile, and the NumPy test vectors.
 */
@Tag(CudaTestSupport.GPU)
class CudaAttentionGpuTest {

    private static final double TOLERANCE = 1e-5;
    private static CudaDevice gpu;

    /** Per test rather than per class, so that every skipped test reports why. */
    @BeforeEach
    void requireGpu() {
        gpu = CudaTestSupport.gpu();
    }

    /** One random attention problem. */
    record Case(String name, AttentionShape shape, boolean causal, int tile, long seed) {
        @Override
        public String toString() {
            return name + " " + shape + (causal ? " causal" : "") + " tile " + tile;
        }
    }

    static List<Case> cases() {
        return List.of(
                new Case("MHA decode", new AttentionShape(1, 4, 4, 1, 100, 64), false, 64, 1),
                new Case("GQA g=2 decode, D=128, S=131", new AttentionShape(1, 4, 2, 1, 131, 128), true, 64, 2),
                new Case("GQA g=3 chunked prefill, B=2, D=48", new AttentionShape(2, 6, 2, 16, 100, 48), true, 32, 3),
                new Case("GQA g=4 causal prefill, S=61", new AttentionShape(1, 8, 2, 61, 61, 64), true, 16, 4),
                new Case("GQA g=5 non-causal rows, D=80", new AttentionShape(1, 10, 2, 7, 77, 80), false, 64, 5),
                new Case("GQA g=6 decode, B=2", new AttentionShape(2, 12, 2, 1, 200, 64), false, 64, 6),
                new Case("GQA g=7 chunked prefill, D=96", new AttentionShape(1, 14, 2, 5, 90, 96), true, 32, 7),
                new Case("GQA g=8 decode, S=300", new AttentionShape(1, 16, 2, 1, 300, 128), false, 64, 8),
                new Case("MQA decode", new AttentionShape(1, 8, 1, 1, 200, 128), false, 64, 9),
                new Case("MQA causal prefill, S=129", new AttentionShape(1, 4, 1, 129, 129, 128), true, 64, 10),
                new Case("MHA causal prefill, B=2, S=65", new AttentionShape(2, 4, 4, 65, 65, 64), true, 64, 11),
                new Case("tiny odd D=7, S=5 < tile", new AttentionShape(3, 3, 3, 3, 5, 7), true, 4, 12),
                new Case("tile of one key", new AttentionShape(1, 2, 1, 4, 9, 16), true, 1, 13),
                new Case("Llama-3-8B decode, S=2048", new AttentionShape(1, 32, 8, 1, 2048, 128), false, 64, 14),
                new Case("long chunk, B=2, g=4, S=700", new AttentionShape(2, 8, 2, 200, 700, 64), true, 64, 15));
    }

    private static float[] random(Random r, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = r.nextFloat() * 2 - 1;
        }
        return a;
    }

    @TestFactory
    Stream<DynamicTest> everyVariantMatchesTheReferenceAndTheJvm() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Case c : cases()) {
            for (AttentionVariant variant : AttentionVariant.forCalls()) {
                tests.add(DynamicTest.dynamicTest(variant + ": " + c, () -> {
                    Random r = new Random(c.seed());
                    AttentionShape s = c.shape();
                    Attention.Call call = Attention.call(s, random(r, s.qElements()), random(r, s.kvElements()),
                                    random(r, s.kvElements()))
                            .causal(c.causal()).tile(c.tile()).variant(variant);
                    check(call, null);
                }));
            }
        }
        return tests.stream();
    }

    /** Runs {@code call} on the GPU and the jvm; both within {@link #TOLERANCE} of the float64 reference and of each other. */
    private static void check(Attention.Call call, float[] expected) {
        float[] onGpu = call.run(gpu);
        double[] reference = ReferenceAttention.attend(call.q(), call.k(), call.v(), call.shape(), call.kvMap(), call.causal(),
                call.scale());
        double error = ReferenceAttention.relativeL2Error(onGpu, reference);
        assertTrue(error < TOLERANCE, () -> call.variant() + " on " + gpu.id() + ": relative L2 error " + error + " vs float64");
        float[] onJvm = call.run(Devices.get("jvm"));
        double[] jvmAsDouble = new double[onJvm.length];
        for (int i = 0; i < onJvm.length; i++) {
            jvmAsDouble[i] = onJvm[i];
        }
        double vsJvm = ReferenceAttention.relativeL2Error(onGpu, jvmAsDouble);
        assertTrue(vsJvm < TOLERANCE, () -> call.variant() + ": " + gpu.id() + " and jvm differ by " + vsJvm);
        if (expected != null) {
            double vsNumpy = ReferenceAttention.relativeL2Error(onGpu, toDouble(expected));
            assertTrue(vsNumpy < TOLERANCE, () -> call.variant() + ": relative L2 error " + vsNumpy + " vs NumPy");
        }
    }

    private static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }

    @Test
    void gatherWithACustomMappingOfSixQueryHeadsToFourKvHeads() {
        Random r = new Random(42);
        AttentionShape s = new AttentionShape(2, 6, 4, 3, 40, 64);
        int[] kvMap = {3, 0, 0, 2, 1, 3};
        for (AttentionVariant variant : List.of(AttentionVariant.GATHER, AttentionVariant.REPEAT)) {
            // Hq is not a multiple of Hkv, so the call is made whole, with its map, not through Attention.call.
            check(new Attention.Call(s, random(r, s.qElements()), random(r, s.kvElements()), random(r, s.kvElements()),
                    kvMap, true, s.defaultScale(), variant, Attention.DEFAULT_TILE), null);
        }
    }

    @TestFactory
    Stream<DynamicTest> theNumpyTestVectors() throws IOException {
        Path root = TestVectors.attentionDir();
        List<Path> folders;
        try (Stream<Path> list = Files.list(root)) {
            folders = list.filter(Files::isDirectory).sorted().toList();
        }
        assertTrue(folders.size() >= 12, "expected the twelve NumPy cases in " + root);
        List<DynamicTest> tests = new ArrayList<>();
        for (Path folder : folders) {
            tests.add(DynamicTest.dynamicTest(folder.getFileName().toString(), () -> {
                JsonNode meta = new ObjectMapper().readTree(folder.resolve("meta.json").toFile());
                AttentionShape s = new AttentionShape(meta.get("B").asInt(), meta.get("Hq").asInt(), meta.get("Hkv").asInt(),
                        meta.get("Tq").asInt(), meta.get("S").asInt(), meta.get("D").asInt());
                int[] kvMap = Files.exists(folder.resolve("kv_map.npy"))
                        ? NpyFile.read(folder.resolve("kv_map.npy"), Integer.MAX_VALUE).asIntArray() : null;
                Attention.Call call = new Attention.Call(s, floats(folder, "q"), floats(folder, "k"), floats(folder, "v"), kvMap,
                        meta.get("causal").asBoolean(), (float) meta.get("scale").asDouble(),
                        kvMap == null ? AttentionVariant.BROADCAST : AttentionVariant.GATHER, Attention.DEFAULT_TILE);
                float[] expected = floats(folder, "out");
                for (AttentionVariant variant : AttentionVariant.forCalls()) {
                    if (variant == AttentionVariant.BROADCAST && kvMap != null && !Attention.isGroupedMap(kvMap, s)) {
                        continue; // broadcast needs the grouped mapping
                    }
                    check(call.variant(variant), expected);
                }
            }));
        }
        return tests.stream();
    }

    private static float[] floats(Path folder, String name) {
        return NpyFile.read(folder.resolve(name + ".npy"), Integer.MAX_VALUE).asFloatArray();
    }

    @Test
    void aDecodeLoopOnOnePlanGivesTheSameAnswerEveryStep() {
        Random r = new Random(7);
        AttentionShape s = new AttentionShape(1, 32, 8, 1, 1024, 128);
        Attention.Call call = Attention.call(s, random(r, s.qElements()), random(r, s.kvElements()), random(r, s.kvElements()));
        float[] out = new float[s.qElements()];
        float[] first = null;
        try (ExecutionPlan plan = new ExecutionPlan(call.graph("decode", out)).withDevice(gpu)) {
            for (int step = 0; step < 20; step++) {
                java.util.Arrays.fill(out, Float.NaN);
                plan.execute();
                if (first == null) {
                    first = out.clone();
                } else {
                    assertArrayEquals(first, out, "step " + step);
                }
            }
        }
        double error = ReferenceAttention.relativeL2Error(first,
                ReferenceAttention.attend(call.q(), call.k(), call.v(), s, null, false, call.scale()));
        assertTrue(error < TOLERANCE, "relative L2 error " + error);
    }
}
