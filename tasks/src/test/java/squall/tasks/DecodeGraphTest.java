package squall.tasks;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import squall.kernels.ReferenceAttention;
import squall.runtime.Device;
import squall.runtime.Devices;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 64 decode steps on every device equal the float64 reference recomputed from the full K/V history,
 * for MHA, GQA (g = 4, 7) and MQA, sequences of different lengths, block sizes 1, 16 and 5 (which
 * divides no context here), every variant and KV dtype.
 */
@Tag("opencl")
class DecodeGraphTest {

    static final ModelPreset MHA = new ModelPreset("test-mha", "MHA", 2, 4, 4, 16);
    static final ModelPreset GQA4 = new ModelPreset("test-gqa4", "GQA g=4", 2, 8, 2, 32);
    static final ModelPreset GQA7 = new ModelPreset("test-gqa7", "GQA g=7", 2, 14, 2, 24);
    static final ModelPreset MQA = new ModelPreset("test-mqa", "MQA", 2, 6, 1, 48);

    /** Case: model, block size, variant, dtype, slices (0: the device's choice). */
    record Case(ModelPreset model, int blockSize, AttentionVariant variant, KvDtype dtype, int slices) {
        @Override
        public String toString() {
            return model.name() + ", BS " + blockSize + ", " + variant + ", " + dtype
                    + (slices == 0 ? "" : ", " + slices + " slices");
        }
    }

    static List<Case> cases() {
        return List.of(
                new Case(GQA4, 16, AttentionVariant.BROADCAST, KvDtype.FP32, 1),
                new Case(GQA4, 5, AttentionVariant.WORKGROUP, KvDtype.FP32, 1),
                new Case(GQA4, 1, AttentionVariant.GATHER, KvDtype.FP32, 1),
                new Case(GQA4, 16, AttentionVariant.REPEAT, KvDtype.FP32, 1),
                new Case(GQA7, 5, AttentionVariant.BROADCAST, KvDtype.FP16, 3),
                new Case(GQA7, 16, AttentionVariant.WORKGROUP, KvDtype.BF16, 2),
                new Case(MHA, 1, AttentionVariant.BROADCAST, KvDtype.BF16, 1),
                new Case(MHA, 16, AttentionVariant.WORKGROUP, KvDtype.FP16, 1),
                new Case(MQA, 16, AttentionVariant.BROADCAST, KvDtype.FP32, 4),
                new Case(MQA, 5, AttentionVariant.WORKGROUP, KvDtype.FP32, 3),
                new Case(MQA, 1, AttentionVariant.REPEAT, KvDtype.FP16, 1));
    }

    static Stream<Arguments> devicesAndCases() {
        List<Arguments> all = new ArrayList<>();
        for (String device : TestDevices.ids()) {
            for (Case c : cases()) {
                all.add(Arguments.of(device, c));
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("devicesAndCases")
    void sixtyFourStepsMatchTheReference(String deviceId, Case c) {
        Device device = Devices.get(deviceId);
        int[] context = {3, 17, 40};
        int steps = 64;
        KvCache cache = new KvCache(c.model(), c.model().layers(), c.dtype(), c.blockSize(),
                3 * ((40 + steps) / c.blockSize() + 1), 3, (40 + steps) / c.blockSize() + 1);
        for (int s = 0; s < 3; s++) {
            cache.admit(context[s] + steps);
            cache.fillRandom(s, context[s], 100 + s);
        }
        DecodeHistory stored = new DecodeHistory(cache);
        DecodeHistory exact = new DecodeHistory(cache);
        SplittableRandom random = new SplittableRandom(c.hashCode());
        boolean lowPrecision = c.dtype() != KvDtype.FP32;
        try (DecodeGraph decode = DecodeGraph.builder(cache).device(device).variant(c.variant())
                .slices(c.slices() == 0 ? 0 : c.slices()).build()) {
            for (int step = 0; step < steps; step++) {
                float[][] in = stored.randomStep(random);
                decode.step(in[0], in[1], in[2]);
                stored.append(in[1], in[2], true);
                exact.append(in[1], in[2], false);
                double error = ReferenceAttention.relativeL2Error(decode.output(), stored.attend(in[0]));
                int at = step;
                assertTrue(error < 1e-5, () -> "step " + at + ": relative L2 error " + error + " against the stored values");
                if (lowPrecision) {
                    // against the unrounded inputs: the cache's rounding is all that separates them
                    double tolerance = c.dtype() == KvDtype.FP16 ? 2e-3 : 1.5e-2;
                    double vsExact = ReferenceAttention.relativeL2Error(decode.output(), exact.attend(in[0]));
                    assertTrue(vsExact < tolerance, () -> "step " + at + ": " + vsExact + " against unrounded K/V");
                }
            }
        }
        for (int s = 0; s < 3; s++) {
            assertEquals(context[s] + steps, cache.length(s));
        }
    }
}
