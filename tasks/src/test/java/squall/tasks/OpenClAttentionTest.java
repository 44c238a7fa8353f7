package squall.tasks;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import squall.kernels.AttentionShape;
import squall.kernels.ReferenceAttention;
import squall.runtime.Device;
import squall.runtime.Devices;
import squall.testing.OpenClTestDevice;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every attention kernel through {@link Attention} on {@code opencl:0}, against the float64
 * reference and against the {@code jvm} device, on shapes that cover MHA, GQA (g = 2..8, including
 * 5 and 7), MQA, decode, causal and chunked prefill, batches, a head size that is no power of two and
 * key lengths that are no multiple of the tile.
 */
@Tag("opencl")
class OpenClAttentionTest {

    private static Device opencl;
    private static final Device JVM = Devices.get("jvm");

    @BeforeAll
    static void device() {
        opencl = OpenClTestDevice.opencl0();
    }

    record Case(String name, AttentionShape shape, boolean causal, int tile) {
        @Override
        public String toString() {
            return name + " " + shape + (causal ? " causal" : "") + " tile " + tile;
        }
    }

    static List<Case> cases() {
        List<Case> c = new ArrayList<>();
        c.add(new Case("mha decode", new AttentionShape(1, 4, 4, 1, 100, 64), false, 64));
        c.add(new Case("gqa2 decode", new AttentionShape(1, 8, 4, 1, 131, 128), false, 64));
        c.add(new Case("gqa3 prefill", new AttentionShape(1, 6, 2, 37, 37, 48), true, 16));
        c.add(new Case("gqa4 decode B=3", new AttentionShape(3, 8, 2, 1, 77, 64), true, 32));
        c.add(new Case("gqa5 chunked", new AttentionShape(1, 10, 2, 9, 70, 40), true, 16));
        c.add(new Case("gqa6 noncausal", new AttentionShape(2, 12, 2, 5, 45, 24), false, 8));
        c.add(new Case("gqa7 decode D=80", new AttentionShape(1, 14, 2, 1, 129, 80), false, 64));
        c.add(new Case("gqa8 chunked B=2", new AttentionShape(2, 16, 2, 4, 33, 32), true, 16));
        c.add(new Case("mqa decode", new AttentionShape(1, 8, 1, 1, 200, 128), false, 64));
        c.add(new Case("mqa prefill D=72", new AttentionShape(1, 4, 1, 20, 20, 72), true, 7));
        c.add(new Case("mha prefill B=2", new AttentionShape(2, 3, 3, 17, 17, 36), true, 5));
        return c;
    }

    static Stream<Arguments> casesAndVariants() {
        return cases().stream().flatMap(c -> AttentionVariant.forCalls().stream().map(v -> Arguments.of(c, v)));
    }

    @ParameterizedTest(name = "{1}: {0}")
    @MethodSource("casesAndVariants")
    void matchesReferenceAndJvm(Case c, AttentionVariant variant) {
        AttentionShape s = c.shape();
        Random random = new Random(s.hashCode() * 31L + variant.ordinal());
        float[] q = gaussian(random, s.qElements());
        float[] k = gaussian(random, s.kvElements());
        float[] v = gaussian(random, s.kvElements());
        Attention.Call call = Attention.call(s, q, k, v).causal(c.causal()).tile(c.tile()).variant(variant);

        float[] onOpenCl = call.run(opencl);
        float[] onJvm = call.run(JVM);
        double[] reference = ReferenceAttention.attend(q, k, v, s, null, c.causal(), call.scale());

        double vsReference = ReferenceAttention.relativeL2Error(onOpenCl, reference);
        double vsJvm = ReferenceAttention.relativeL2Error(onOpenCl, toDouble(onJvm));
        assertTrue(vsReference < 1e-5, "relative L2 error against float64: " + vsReference);
        assertTrue(vsJvm < 1e-5, "relative L2 difference from the jvm device: " + vsJvm);
    }

    @Test
    void customKvMapThroughGather() {
        AttentionShape s = new AttentionShape(2, 6, 4, 3, 41, 64);
        int[] map = {0, 0, 1, 2, 3, 3};
        Random random = new Random(7);
        float[] q = gaussian(random, s.qElements());
        float[] k = gaussian(random, s.kvElements());
        float[] v = gaussian(random, s.kvElements());
        for (AttentionVariant variant : List.of(AttentionVariant.GATHER, AttentionVariant.REPEAT)) {
            Attention.Call call = new Attention.Call(s, q, k, v, map, true, s.defaultScale(), variant, 16);
            double error = ReferenceAttention.relativeL2Error(call.run(opencl),
                    ReferenceAttention.attend(q, k, v, s, map, true, call.scale()));
            assertTrue(error < 1e-5, variant + ": relative L2 error " + error);
        }
    }

    static float[] gaussian(Random random, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) random.nextGaussian();
        }
        return a;
    }

    static double[] toDouble(float[] a) {
        double[] d = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            d[i] = a[i];
        }
        return d;
    }
}
