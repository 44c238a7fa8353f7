package squall.tasks;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import squall.kernels.AttentionOptions;
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
 * Decode and prefill with options per layer (a window on alternate layers, soft-cap, sinks, ALiBi), on every
 * device, variant and KV dtype: each step against the float64 reference over the history kept on the host, with
 * the layer's options, and against plain attention to show the options moved the output; with a window, the KV
 * bytes a step reads are the window's, not the context's.
 */
@Tag("opencl")
class LayerOptionsTest {

    /** Gemma-2 and gpt-oss in miniature: window 24 on layers 0 and 2, soft-cap 20 and sinks on all three. */
    static final ModelPreset ALTERNATE = new ModelPreset("test-alternate", "alternate", 3, 8, 2, 32, 24, true, 20, true);

    record Case(AttentionVariant variant, KvDtype dtype, int blockSize, int slices, boolean alibi) {
        @Override
        public String toString() {
            return variant + ", " + dtype + ", BS " + blockSize + ", " + slices + " slices" + (alibi ? ", ALiBi" : "");
        }
    }

    static Stream<Arguments> decodeCases() {
        List<Case> cases = List.of(
                new Case(AttentionVariant.BROADCAST, KvDtype.FP32, 5, 1, false),
                new Case(AttentionVariant.BROADCAST, KvDtype.INT8, 16, 3, true),
                new Case(AttentionVariant.WORKGROUP, KvDtype.FP16, 5, 2, false),
                new Case(AttentionVariant.WORKGROUP, KvDtype.INT8, 7, 1, true),
                new Case(AttentionVariant.GATHER, KvDtype.BF16, 16, 1, true),
                new Case(AttentionVariant.REPEAT, KvDtype.INT8, 5, 1, false));
        List<Arguments> all = new ArrayList<>();
        for (String device : TestDevices.ids()) {
            for (Case c : cases) {
                all.add(Arguments.of(device, c));
            }
        }
        return all.stream();
    }

    private static List<AttentionOptions> options(Case c) {
        return ALTERNATE.layerOptions(ALTERNATE.layers(), o -> c.alibi()
                ? o.withAlibiSlopes(AttentionOptions.alibiSlopes(ALTERNATE.queryHeads())) : o);
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("decodeCases")
    void decodeStepsMatchTheReferenceWithEachLayersOptions(String deviceId, Case c) {
        Device device = Devices.get(deviceId);
        int[] context = {5, 30, 47};   // inside the window, across it, far past it
        int steps = 12, blocks = (47 + steps) / c.blockSize() + 1;
        KvCache cache = new KvCache(ALTERNATE, ALTERNATE.layers(), c.dtype(), c.blockSize(), 3 * blocks, 3, blocks);
        for (int s = 0; s < 3; s++) {
            cache.admit(context[s] + steps);
            cache.fillRandom(s, context[s], 7 + s);
        }
        DecodeHistory history = new DecodeHistory(cache);
        List<AttentionOptions> options = options(c);
        SplittableRandom random = new SplittableRandom(c.hashCode());
        int L = ALTERNATE.layers(), Hkv = ALTERNATE.kvHeads(), D = ALTERNATE.headDim();
        long rowBytes = 2L * Hkv * ((long) D * c.dtype().bytes() + c.dtype().scaleBytes());
        try (DecodeGraph decode = DecodeGraph.builder(cache).device(device).variant(c.variant()).slices(c.slices())
                .layerOptions(options).build()) {
            for (int l = 0; l < L; l++) {
                assertEquals(options.get(l), decode.layerOptions(l));
            }
            for (int step = 0; step < steps; step++) {
                float[][] in = history.randomStep(random);
                StepResult r = decode.step(in[0], in[1], in[2]);
                history.append(in[1], in[2], true);
                double error = ReferenceAttention.relativeL2Error(decode.output(), history.attend(in[0], options::get));
                double plain = ReferenceAttention.relativeL2Error(decode.output(),
                        history.attend(in[0], l -> AttentionOptions.NONE));
                int at = step;
                assertTrue(error < 1e-5, () -> "step " + at + ": relative L2 error " + error + " against the reference");
                assertTrue(plain > 1e-2, () -> "step " + at + ": the options changed nothing (" + plain + " from plain)");
                // layers 0 and 2 read the last 24 keys at most, layer 1 every key
                long keys = 0;
                for (int s = 0; s < 3; s++) {
                    int length = context[s] + step + 1;
                    keys += 2L * Math.min(length, 24) + length;
                }
                assertEquals(keys * rowBytes, r.kvBytesRead(), "KV bytes read at step " + step);
            }
            assertTrue(CacheReference.worstError(decode, cache) < 1e-5);
            assertTrue(CacheReference.worstError(decode, cache, l -> AttentionOptions.NONE) > 1e-2);
        }
    }

    static Stream<Arguments> prefillCases() {
        List<Arguments> all = new ArrayList<>();
        for (String device : TestDevices.ids()) {
            for (AttentionVariant v : List.of(AttentionVariant.BROADCAST, AttentionVariant.GATHER, AttentionVariant.REPEAT)) {
                all.add(Arguments.of(device, v, v == AttentionVariant.GATHER ? KvDtype.INT8 : KvDtype.FP16));
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0}: {1}, {2}")
    @MethodSource("prefillCases")
    void chunkedPrefillSeesTheWindowAcrossChunks(String deviceId, AttentionVariant variant, KvDtype dtype) {
        int chunk = 16, chunks = 3, B = 2;
        KvCache cache = KvCache.forBatch(ALTERNATE, ALTERNATE.layers(), dtype, 6, B, chunk * chunks);
        List<AttentionOptions> options = ALTERNATE.layerOptions(ALTERNATE.layers(),
                o -> o.withAlibiSlopes(AttentionOptions.alibiSlopes(ALTERNATE.queryHeads())));
        try (PrefillGraph prefill = PrefillGraph.builder(cache, chunk).device(Devices.get(deviceId)).variant(variant)
                .layerOptions(options).build()) {
            for (int c = 0; c < chunks; c++) {
                prefill.fillInputs(5L + c);
                prefill.step();
                double error = CacheReference.worstError(prefill, cache);
                double plain = CacheReference.worstError(prefill, cache, l -> AttentionOptions.NONE);
                int at = c;
                assertTrue(error < 1e-5, () -> "chunk " + at + ": relative L2 error " + error);
                assertTrue(plain > 1e-2, () -> "chunk " + at + ": the options changed nothing (" + plain + ")");
            }
        }
    }
}
