package squall.tasks;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import squall.device.jvm.JvmDevice;
import squall.kernels.AttentionOptions;
import squall.kernels.AttentionShape;
import squall.kernels.ReferenceAttention;
import squall.runtime.Device;
import squall.tasks.io.Npy;

import java.io.IOException;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a cache's storage costs in accuracy: attention through a paged cache of each dtype against the float64
 * result over the unrounded K and V, on random Gaussian K and V and on the NumPy vectors. The bounds are the ones
 * {@code docs/design.md} gives (measured, then rounded up); int8 must be worse than fp16 and better than a tenth
 * of the output, bf16 between them, so a broken quantisation (no scale, a wrong scale, a clipped row) fails.
 */
class KvDtypeErrorTest {

    private static final Device JVM = new JvmDevice(2);

    /** Bound on the relative L2 error against the unrounded inputs, per dtype. */
    static double bound(KvDtype dtype) {
        return switch (dtype) {
            case FP32 -> 1e-5;
            case FP16 -> 1e-3;
            case BF16 -> 8e-3;
            case INT8 -> 2e-2;
        };
    }

    private static double error(Attention.Call call, KvDtype dtype, double[] exact) {
        return ReferenceAttention.relativeL2Error(PagedAttention.run(call, 16, dtype, 1, JVM).out(), exact);
    }

    @Test
    void gaussianKeysAndValuesLoseWhatEachDtypeRounds() {
        AttentionShape shape = new AttentionShape(1, 32, 8, 1, 2048, 128);   // a Llama-3-8B layer's decode
        SplittableRandom random = new SplittableRandom(3);
        float[] q = gaussian(random, shape.qElements()), k = gaussian(random, shape.kvElements()),
                v = gaussian(random, shape.kvElements());
        Attention.Call call = Attention.call(shape, q, k, v).causal(true);
        double[] exact = ReferenceAttention.attend(q, k, v, shape, null, true, call.scale());
        double fp16 = error(call, KvDtype.FP16, exact), bf16 = error(call, KvDtype.BF16, exact),
                int8 = error(call, KvDtype.INT8, exact), fp32 = error(call, KvDtype.FP32, exact);
        System.out.printf("relative L2 vs unrounded K/V, Gaussian, S 2048: fp32 %.2e fp16 %.2e bf16 %.2e int8 %.2e%n",
                fp32, fp16, bf16, int8);
        assertTrue(fp32 < bound(KvDtype.FP32) && fp16 < bound(KvDtype.FP16) && bf16 < bound(KvDtype.BF16)
                && int8 < bound(KvDtype.INT8), fp32 + " " + fp16 + " " + bf16 + " " + int8);
        assertTrue(fp32 < fp16 && fp16 < bf16 && bf16 < int8, "each dtype rounds more: " + fp16 + " " + bf16 + " " + int8);
        assertTrue(int8 > 1e-3, "int8 holds 8 bits: it cannot be as close as " + int8);
    }

    static Stream<TestVectors.Case> vectorCases() {
        return Stream.concat(TestVectors.cases().stream(), TestVectors.variantCases().stream())
                .filter(c -> !c.hasKvMap() && (c.causal() || c.meta("Tq") == 1) && c.meta("D") % 4 == 0);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vectorCases")
    void theVectorsThroughAnInt8CacheStayWithinItsBound(TestVectors.Case c) throws IOException {
        float[] q = Npy.read(c.file("q.npy")).floats(), k = Npy.read(c.file("k.npy")).floats(),
                v = Npy.read(c.file("v.npy")).floats();
        AttentionShape shape = new AttentionShape(c.meta("B"), c.meta("Hq"), c.meta("Hkv"), c.meta("Tq"), c.meta("S"),
                c.meta("D"));
        AttentionOptions o = OrtOracleTest.options(c);
        Attention.Call call = Attention.call(shape, q, k, v).causal(true).scale((float) c.scale()).options(o);
        float[] numpy = Npy.read(c.file("out.npy")).floats();
        double[] expected = new double[numpy.length];
        for (int i = 0; i < numpy.length; i++) {
            expected[i] = numpy[i];
        }
        for (KvDtype dtype : List.of(KvDtype.FP16, KvDtype.INT8)) {
            double error = error(call, dtype, expected);
            assertTrue(error < bound(dtype), c + " through a " + dtype + " cache: " + error + " against NumPy's");
        }
    }

    private static float[] gaussian(SplittableRandom random, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            double u = 1 - random.nextDouble(), w = random.nextDouble();
            a[i] = (float) (Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * w));
        }
        return a;
    }
}
