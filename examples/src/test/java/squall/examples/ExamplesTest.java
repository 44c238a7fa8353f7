package squall.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import squall.runtime.Device;
import squall.runtime.Devices;
import squall.tasks.KvCache;
import squall.tasks.KvDtype;
import squall.tasks.ModelPreset;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every example on every device present, each checked against what the test works out itself (float64 softmax and
 * attention, the reversal, the sizes of the copies), not against another run of the example.
 */
class ExamplesTest {

    /** jvm, and every OpenCL and CUDA device; with {@code SQUALL_REQUIRE_OPENCL=1} (CI, scripts/test) an OpenCL one must be among them. */
    static List<String> devices() {
        List<String> ids = Devices.all().stream().map(Device::id).toList();
        if ("1".equals(System.getenv("SQUALL_REQUIRE_OPENCL")) && ids.stream().noneMatch(id -> id.startsWith("opencl:"))) {
            fail("SQUALL_REQUIRE_OPENCL=1 but no OpenCL device: " + Devices.unavailableBackends());
        }
        return ids;
    }

    private static Matcher find(String pattern, String out) {
        Matcher m = Pattern.compile(pattern).matcher(out);
        assertTrue(m.find(), () -> "no line matching '" + pattern + "' in:\n" + out);
        return m;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void softmaxRowsMatchesAFloat64Softmax(String device) {
        String out = Captured.run(SoftmaxRows.class, device);
        long bytes = device.equals("jvm") ? 0 : 1024L * 256 * Float.BYTES;   // jvm copies nothing
        for (int execution = 0; execution < 2; execution++) {
            find(Pattern.quote(device) + ", execution " + execution + ": .* in all = compile .* \\(" + String.format("%,d", bytes)
                    + " bytes\\) \\+ kernels [0-9.]+ ms .*; softmax.rows [0-9.]+ ms", out);
        }
        Matcher m = find("(\\S+): row 0 starts (\\S+) (\\S+) (\\S+); largest difference from plain Java (\\S+)", out);
        assertEquals(device, m.group(1));
        int n = 256;
        Random random = new Random(42);
        double[] row = new double[n];
        for (int i = 0; i < n; i++) {
            row[i] = (float) random.nextGaussian();
        }
        double max = Arrays.stream(row).max().orElseThrow(), sum = 0;
        for (double x : row) {
            sum += Math.exp(x - max);
        }
        for (int i = 0; i < 3; i++) {
            assertEquals(Math.exp(row[i] - max) / sum, Double.parseDouble(m.group(2 + i)), 1e-6, "y[" + i + "] on " + device);
        }
        assertTrue(Double.parseDouble(m.group(5)) <= 1e-6, out);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void reverseInGroupsMirrorsEveryGroupOf64(String device) {
        String out = Captured.run(ReverseInGroups.class, device);
        int[] at = {0, 1, 2, 3, 64, 1023};
        long[] expected = Arrays.stream(at).mapToLong(i -> (i / 64) * 64 + 63 - i % 64).toArray();
        assertEquals(String.format("%s: out[0..3] = %d %d %d %d, out[64] = %d, out[1023] = %d", device, expected[0], expected[1],
                expected[2], expected[3], expected[4], expected[5]), out.strip());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void readProfileReportsTheCopiesTheGraphMakes(String device) {
        String out = Captured.run(ReadProfile.class, device);
        long n = 1 << 22;
        // the jvm device's buffers are the host arrays: it copies nothing
        long in = device.equals("jvm") ? 0 : 2 * n * Float.BYTES, back = device.equals("jvm") ? 0 : n * Float.BYTES;
        for (int execution = 0; execution < 3; execution++) {
            Matcher m = find("execution " + execution + " on " + Pattern.quote(device) + ": .* copy in ([0-9,]+) bytes"
                    + " .* kernels ([0-9.]+) ms, copy out ([0-9,]+) bytes", out);
            assertEquals(in, Long.parseLong(m.group(1).replace(",", "")), out);
            assertTrue(Double.parseDouble(m.group(2)) > 0, out);
            assertEquals(back, Long.parseLong(m.group(3).replace(",", "")), out);
        }
        Matcher task = find("task saxpy: [0-9.]+ ms, ([0-9.]+) GB/s", out);
        assertTrue(Double.parseDouble(task.group(1)) > 0, out);
        if (!device.equals("jvm")) {
            assertEquals(1, out.lines().filter(l -> l.contains("compiled saxpy [")).count(), "compiled once, at the first execution:\n" + out);
        }
        assertTrue(out.contains("out[999] = 1999.0"), out);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void chooseDeviceListsTheDevicesAndRunsOnTheOneNamed(String device) {
        String out = Captured.run(ChooseDevice.class, device);
        for (String id : devices()) {
            assertTrue(out.contains("device " + id + " "), id + " listed:\n" + out);
        }
        assertTrue(out.contains("default: "), out);
        assertTrue(out.contains("squared on " + device + ": [1, 4, 9, 16, 25, 36, 49, 64]"), out);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void prebuiltBinaryRunsFromTheBinaryOnOpenClAndSaysSoElsewhere(String device) {
        String out = Captured.run(PrebuiltBinary.class, device);
        if (device.startsWith("opencl:")) {
            find(Pattern.quote(device) + ": [0-9,]+-byte program binary for PrebuiltBinary.scale \\{FACTOR=3}", out);
            assertTrue(out.contains("loaded: scale [prebuilt binary]"), out);
            assertTrue(out.contains("x = 3 6 9 12"), out);
        } else {
            assertEquals("PrebuiltBinary needs an OpenCL device, and " + device + " is not one", out.strip().split(" \\(")[0], out);
            assertTrue(out.strip().endsWith("nothing to do."), out);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void decodePipelineMatchesFloat64AttentionOverTheCacheAndTheAppendedRows(String device) {
        int context = 40, steps = 3;
        String out = Captured.run(DecodePipeline.class, device, String.valueOf(context), String.valueOf(steps));
        for (int step = 0; step < steps; step++) {
            find("step " + step + ": [0-9.]+ ms, [0-9.]+ GB/s", out);
        }
        Matcher m = find("last step, layer 0, head 0: (\\S+) (\\S+) (\\S+) (\\S+)", out);
        double[] expected = lastStepLayer0Head0(context, steps);
        for (int d = 0; d < 4; d++) {
            assertEquals(expected[d], Double.parseDouble(m.group(1 + d)), 2e-5, "output " + d + " on " + device + ":\n" + out);
        }
    }

    /**
     * Attention of the last step's query (layer 0, head 0) over KV head 0: the context the cache was filled with,
     * read back widened from fp16, then each step's new key and value rounded to fp16, all in float64.
     */
    private static double[] lastStepLayer0Head0(int context, int steps) {
        ModelPreset llama = ModelPreset.byId("llama3-8b");
        int L = llama.layers(), Hq = llama.queryHeads(), Hkv = llama.kvHeads(), D = llama.headDim();
        KvCache cache = KvCache.forBatch(llama, L, KvDtype.FP16, 16, 1, context + steps);
        cache.fillRandom(0, context, 42);
        int S = context + steps;
        double[][] k = new double[S][D], v = new double[S][D];
        for (int j = 0; j < context; j++) {
            for (int d = 0; d < D; d++) {
                k[j][d] = cache.read(true, 0, 0, j, 0, d);
                v[j][d] = cache.read(false, 0, 0, j, 0, d);
            }
        }
        Random random = new Random(1);
        float[] q = new float[L * Hq * D];
        for (int step = 0; step < steps; step++) {
            float[] kNew = new float[L * Hkv * D], vNew = new float[L * Hkv * D];
            for (float[] a : new float[][] {q, kNew, vNew}) {
                for (int i = 0; i < a.length; i++) {
                    a[i] = (float) random.nextGaussian();
                }
            }
            for (int d = 0; d < D; d++) {     // layer 0, KV head 0: the first D values
                k[context + step][d] = Float.float16ToFloat(Float.floatToFloat16(kNew[d]));
                v[context + step][d] = Float.float16ToFloat(Float.floatToFloat16(vNew[d]));
            }
        }
        double scale = (float) (1 / Math.sqrt(D));
        double[] scores = new double[S];
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < S; j++) {
            for (int d = 0; d < D; d++) {
                scores[j] += q[d] * k[j][d];
            }
            scores[j] *= scale;
            max = Math.max(max, scores[j]);
        }
        double sum = 0;
        double[] out = new double[D];
        for (int j = 0; j < S; j++) {
            double p = Math.exp(scores[j] - max);
            sum += p;
            for (int d = 0; d < D; d++) {
                out[d] += p * v[j][d];
            }
        }
        for (int d = 0; d < D; d++) {
            out[d] /= sum;
        }
        return out;
    }

    @Test
    void theExamplesIndexNamesEveryExampleWithAMain() throws Exception {
        List<String> indexed;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("META-INF/squall/examples.txt")) {
            indexed = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().filter(l -> !l.isBlank() && !l.startsWith("#"))
                    .map(l -> l.split("\t")[0]).sorted().toList();
        }
        List<String> withMain;
        try (Stream<Path> files = Files.list(Checkout.root().resolve("examples/src/main/java/squall/examples"))) {
            withMain = files.filter(f -> {
                try {
                    return Files.readString(f).contains("public static void main(String[] args)");
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).map(f -> f.getFileName().toString().replace(".java", "")).sorted().toList();
        }
        assertEquals(withMain, indexed, "META-INF/squall/examples.txt lists every example, so 'squall run --list' shows it");
    }
}
