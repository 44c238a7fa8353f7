package squall.tasks;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import squall.device.jvm.JvmDevice;
import squall.kernels.AttentionOptions;
import squall.kernels.AttentionShape;
import squall.kernels.ReferenceAttention;
import squall.tasks.io.Npy;

import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ONNX Runtime's {@code com.microsoft.GroupQueryAttention} (CPU) as an independent oracle for squall's attention
 * options: the same inputs through ORT and through squall's kernels agree. The mapping, where ORT's convention
 * differs from squall's:
 * <ul>
 *   <li>window: ORT 1.29's {@code local_window_size = L} keeps the keys {@code j > p - L}, as squall's window W keeps
 *       the last W positions including p: {@code L = W} (with {@code L = W - 1}, which reads its name as the keys
 *       before p, ORT misses NumPy's result on eight of the window cases, by 1e-3 to 100 %);</li>
 *   <li>ALiBi: ORT has no slopes; squall's bias {@code -slope[h] (p - j)} goes in as ORT's additive
 *       {@code attention_bias} (ALiBi and soft-cap are never combined here: ORT's order of the two is its own);</li>
 *   <li>sinks: ORT's {@code head_sink [Hq]}, the same extra logit per head;</li>
 *   <li>soft-cap: ORT's {@code softcap}, the same {@code C tanh(s / C)} of the scaled score;</li>
 *   <li>layout: ORT takes {@code [B, T, H * D]} tokens and a past cache; the operator is always causal, with the
 *       queries the last Tq of the S positions, as squall's causal mask. It refuses a chunk (Tq > 1 with a past)
 *       for a batch of more than one.</li>
 * </ul>
 * Each case of {@code testdata/attention-variants/} runs through both and is compared with NumPy's result too, so a
 * wrong mapping fails here; a combination the vectors lack (window, soft-cap and sinks at once) runs on random
 * inputs, as a prefill, a chunk and a decode.
 */
class OrtOracleTest {

    private static final double TOLERANCE = 1e-4;
    private static final JvmDevice JVM = new JvmDevice(2);

    @BeforeAll
    static void onnxRuntime() {
        Assumptions.assumeTrue(OrtGqa.available(), "ONNX Runtime is not on the class path (the GPU bundle leaves it out)");
    }

    static List<TestVectors.Case> cases() {
        return TestVectors.variantCases();
    }

    /** The model built for a case: its heads, head dim and options, as make_models.py names them. */
    static String model(TestVectors.Case c) {
        StringBuilder name = new StringBuilder(String.format(Locale.ROOT, "gqa_h%d_kv%d_d%d", c.meta("Hq"), c.meta("Hkv"),
                c.meta("D")));
        if (c.has("window")) {
            name.append("_w").append(c.meta("window"));
        }
        if (c.has("softcap")) {
            name.append("_cap").append((int) c.meta().get("softcap").asDouble());
        }
        if (c.has("alibi")) {
            name.append("_alibi");
        }
        if (c.has("sinks")) {
            name.append("_sinks");
        }
        return name.toString();
    }

    static AttentionOptions options(TestVectors.Case c) throws java.io.IOException {
        AttentionOptions o = AttentionOptions.NONE;
        if (c.has("window")) {
            o = o.withWindow(c.meta("window"));
        }
        if (c.has("softcap")) {
            o = o.withSoftcap((float) c.meta().get("softcap").asDouble());
        }
        if (c.has("alibi")) {
            o = o.withAlibiSlopes(Npy.read(c.file("alibi_slopes.npy")).floats());
        }
        if (c.has("sinks")) {
            o = o.withSinks(Npy.read(c.file("sinks.npy")).floats());
        }
        return o;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void ortAndSquallAgreeOnTheVectors(TestVectors.Case c) throws Exception {
        AttentionShape s = new AttentionShape(c.meta("B"), c.meta("Hq"), c.meta("Hkv"), c.meta("Tq"), c.meta("S"), c.meta("D"));
        float[] q = Npy.read(c.file("q.npy")).floats(), k = Npy.read(c.file("k.npy")).floats();
        float[] v = Npy.read(c.file("v.npy")).floats(), numpy = Npy.read(c.file("out.npy")).floats();
        AttentionOptions o = options(c);
        float[] ort = OrtGqa.run(model(c), s, q, k, v, o);
        float[] squall = Attention.call(s, q, k, v).causal(true).scale((float) c.scale()).options(o).run(JVM);
        double ortVsNumpy = relativeL2(ort, numpy), squallVsOrt = relativeL2(squall, ort);
        assertTrue(ortVsNumpy < TOLERANCE, c + ": ORT against NumPy, relative L2 " + ortVsNumpy + " (the mapping is wrong)");
        assertTrue(squallVsOrt < TOLERANCE, c + ": squall against ORT, relative L2 " + squallVsOrt);
    }

    @ParameterizedTest(name = "B={0} Tq={1} S={2}")
    @CsvSource({"2, 40, 40", "1, 5, 40", "1, 1, 40", "3, 1, 7"})   // ORT takes chunks with a past for B = 1 only
    void ortAndSquallAgreeOnWindowSoftcapAndSinksTogether(int B, int Tq, int S) throws Exception {
        AttentionShape s = new AttentionShape(B, 8, 2, Tq, S, 32);
        SplittableRandom random = new SplittableRandom(31L * Tq + S);
        float[] q = gaussian(random, s.qElements(), 3), k = gaussian(random, s.kvElements(), 1);
        float[] v = gaussian(random, s.kvElements(), 1), sinks = gaussian(random, s.Hq(), 2);
        AttentionOptions o = AttentionOptions.NONE.withWindow(9).withSoftcap(5).withSinks(sinks);
        float[] ort = OrtGqa.run("gqa_h8_kv2_d32_w9_cap5_sinks", s, q, k, v, o);
        float[] squall = Attention.call(s, q, k, v).causal(true).options(o).run(JVM);
        double error = relativeL2(squall, ort);
        assertTrue(error < TOLERANCE, s + ": squall against ORT, relative L2 " + error);
        // and the option matters: without the window the result moves well past the tolerance
        float[] noWindow = Attention.call(s, q, k, v).causal(true).options(o.withWindow(0)).run(JVM);
        assertTrue(S <= 9 || relativeL2(noWindow, ort) > 100 * TOLERANCE, "the window changes nothing here: " + s);
    }

    private static float[] gaussian(SplittableRandom random, int n, double sigma) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (random.nextGaussian() * sigma);
        }
        return x;
    }

    private static double relativeL2(float[] out, float[] expected) {
        double[] ref = new double[expected.length];
        for (int i = 0; i < ref.length; i++) {
            ref[i] = expected[i];
        }
        return ReferenceAttention.relativeL2Error(out, ref);
    }
}
