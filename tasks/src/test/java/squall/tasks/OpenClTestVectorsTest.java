package squall.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import squall.kernels.AttentionShape;
import squall.kernels.ReferenceAttention;
import squall.runtime.Device;
import squall.testing.OpenClTestDevice;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every case of {@code testdata/attention/} (NumPy float64 results) through {@link Attention} on {@code opencl:0}. */
@Tag("opencl")
class OpenClTestVectorsTest {

    private static Device opencl;

    @BeforeAll
    static void device() {
        opencl = OpenClTestDevice.opencl0();
    }

    static Path vectors() {
        return TestVectors.attentionDir();
    }

    static List<Path> cases() throws IOException {
        Path root = vectors();
        assertTrue(Files.isDirectory(root), "no test vectors at " + root);
        try (Stream<Path> dirs = Files.list(root)) {
            List<Path> cases = dirs.filter(Files::isDirectory).sorted().toList();
            assertEquals(12, cases.size(), "test vector folders in " + root);
            return cases;
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void matchesNumPy(Path dir) throws IOException {
        JsonNode meta = new ObjectMapper().readTree(dir.resolve("meta.json").toFile());
        AttentionShape shape = new AttentionShape(meta.get("B").asInt(), meta.get("Hq").asInt(), meta.get("Hkv").asInt(),
                meta.get("Tq").asInt(), meta.get("S").asInt(), meta.get("D").asInt());
        float[] q = MinimalNpy.floats(dir.resolve("q.npy"));
        float[] k = MinimalNpy.floats(dir.resolve("k.npy"));
        float[] v = MinimalNpy.floats(dir.resolve("v.npy"));
        float[] expected = MinimalNpy.floats(dir.resolve("out.npy"));
        int[] kvMap = Files.exists(dir.resolve("kv_map.npy")) ? MinimalNpy.ints(dir.resolve("kv_map.npy")) : null;
        boolean causal = meta.get("causal").asBoolean();
        float scale = (float) meta.get("scale").asDouble();

        List<AttentionVariant> variants = new ArrayList<>(List.of(AttentionVariant.GATHER, AttentionVariant.REPEAT));
        if (kvMap == null || Attention.isGroupedMap(kvMap, shape)) {
            variants.addFirst(AttentionVariant.BROADCAST);
        }
        double[] reference = new double[expected.length];
        for (int i = 0; i < expected.length; i++) {
            reference[i] = expected[i];
        }
        for (AttentionVariant variant : variants) {
            Attention.Call call = new Attention.Call(shape, q, k, v, kvMap, causal, scale, variant, Attention.DEFAULT_TILE);
            double error = ReferenceAttention.relativeL2Error(call.run(opencl), reference);
            assertTrue(error < 1e-5, dir.getFileName() + ", " + variant + ": relative L2 error " + error);
        }
    }
}
