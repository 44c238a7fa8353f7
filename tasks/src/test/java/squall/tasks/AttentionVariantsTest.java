package squall.tasks;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import squall.device.jvm.JvmDevice;
import squall.kernels.AttentionShape;
import squall.kernels.ReferenceAttention;
import squall.kernels.testing.AttentionCases;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every variant on the jvm device against the float64 reference: named cases, then random shapes. */
class AttentionVariantsTest {

    private static final double TOLERANCE = 1e-5;
    private static final JvmDevice JVM = new JvmDevice(2);

    static Stream<Arguments> casesAndVariants() {
        List<Arguments> all = new ArrayList<>();
        for (AttentionCases.Case c : AttentionCases.all()) {
            for (AttentionVariant v : AttentionVariant.forCalls()) {
                all.add(Arguments.of(c, v));
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{1}: {0}")
    @MethodSource("casesAndVariants")
    void namedCases(AttentionCases.Case c, AttentionVariant variant) {
        assertMatchesReference(c.shape(), c.causal(), c.tile(), variant, c.name().hashCode());
    }

    @Property(tries = 120)
    void randomShapes(@ForAll("calls") Object[] call) {
        assertMatchesReference((AttentionShape) call[0], (Boolean) call[1], (Integer) call[2],
                (AttentionVariant) call[3], (Long) call[4]);
    }

    @Provide
    Arbitrary<Object[]> calls() {
        Arbitrary<AttentionShape> shapes = Combinators.combine(
                Arbitraries.integers().between(1, 3),            // B
                Arbitraries.integers().between(1, 4),            // Hkv
                Arbitraries.integers().between(1, 8),            // G
                Arbitraries.of(1, 2, 7, 16, 24, 48, 64, 80, 96), // D
                Arbitraries.integers().between(1, 160),          // S
                Arbitraries.integers().between(0, 2)             // 0: decode, 1: prefill, 2: chunk
        ).as((b, hkv, g, d, s, kind) -> new AttentionShape(b, hkv * g, hkv,
                kind == 0 ? 1 : kind == 1 ? Math.min(s, 48) : Math.max(1, Math.min(s, 48) / 3), kind == 1 ? Math.min(s, 48) : s, d));
        return Combinators.combine(shapes, Arbitraries.of(true, false), Arbitraries.of(1, 3, 16, 64),
                        Arbitraries.of(AttentionVariant.forCalls()), Arbitraries.longs())
                .as((shape, causal, tile, variant, seed) -> new Object[] {shape, causal, tile, variant, seed});
    }

    private static void assertMatchesReference(AttentionShape shape, boolean causal, int tile,
                                               AttentionVariant variant, long seed) {
        float[][] in = AttentionCases.inputs(shape, seed);
        Attention.Call call = Attention.call(shape, in[0], in[1], in[2]).causal(causal).tile(tile).variant(variant);
        float[] out = call.run(JVM);
        double[] ref = ReferenceAttention.attend(in[0], in[1], in[2], shape, null, causal, call.scale());
        double error = ReferenceAttention.relativeL2Error(out, ref);
        assertTrue(error < TOLERANCE, variant + " " + shape + (causal ? " causal" : "") + " tile " + tile
                + ": relative L2 error " + error);
    }
}
