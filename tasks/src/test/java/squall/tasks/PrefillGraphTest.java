package squall.tasks;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import squall.kernels.AttentionShape;
import squall.kernels.KvStorage;
import squall.kernels.ReferenceAttention;
import squall.runtime.Devices;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Prefill, then chunked prefill onto the filled cache, against causal float64 attention. */
@Tag("opencl")
class PrefillGraphTest {

    static Stream<Arguments> devicesAndVariants() {
        List<Arguments> all = new ArrayList<>();
        for (String id : TestDevices.ids()) {
            for (AttentionVariant v : List.of(AttentionVariant.BROADCAST, AttentionVariant.GATHER, AttentionVariant.REPEAT)) {
                for (KvDtype dtype : List.of(KvDtype.FP32, KvDtype.BF16)) {
                    all.add(Arguments.of(id, v, dtype));
                }
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0}: {1}, {2}")
    @MethodSource("devicesAndVariants")
    void chunksMatchCausalAttentionOverThePrompt(String id, AttentionVariant variant, KvDtype dtype) {
        ModelPreset model = DecodeGraphTest.GQA7;
        int chunk = 23, chunks = 3, B = 2, L = model.layers(), Hq = model.queryHeads(), Hkv = model.kvHeads(), D = model.headDim();
        int S = chunk * chunks;
        KvCache cache = KvCache.forBatch(model, L, dtype, 6, B, S);
        SplittableRandom random = new SplittableRandom(21);
        // the whole prompt: q [L, B, Hq, S, D], k and v [L, B, Hkv, S, D], K/V rounded as the cache will hold them
        float[] q = gaussian(random, L * B * Hq * S * D), k = gaussian(random, L * B * Hkv * S * D), v = gaussian(random, k.length);
        for (int i = 0; i < k.length; i++) {
            k[i] = KvStorage.round(k[i], dtype.storage());
            v[i] = KvStorage.round(v[i], dtype.storage());
        }
        try (PrefillGraph prefill = PrefillGraph.builder(cache, chunk).device(Devices.get(id)).variant(variant).build()) {
            for (int c = 0; c < chunks; c++) {
                prefill.step(slice(q, L * B * Hq, S, D, c * chunk, chunk), slice(k, L * B * Hkv, S, D, c * chunk, chunk),
                        slice(v, L * B * Hkv, S, D, c * chunk, chunk));
                int end = (c + 1) * chunk;
                // reference: layer by layer, the chunk's queries over keys 0..end-1, causally
                for (int l = 0; l < L; l++) {
                    AttentionShape shape = new AttentionShape(B, Hq, Hkv, chunk, end, D);
                    double[] ref = ReferenceAttention.attend(slice(q, B * Hq, S, D, l, c * chunk, chunk),
                            slice(k, B * Hkv, S, D, l, 0, end), slice(v, B * Hkv, S, D, l, 0, end), shape, null, true,
                            (float) (1 / Math.sqrt(D)));
                    float[] got = new float[ref.length];
                    System.arraycopy(prefill.output(), l * ref.length, got, 0, ref.length);
                    double error = ReferenceAttention.relativeL2Error(got, ref);
                    assertTrue(error < 1e-5, "chunk " + c + ", layer " + l + ": " + error);
                }
            }
        }
        assertEquals(S, cache.length(0));
    }

    /** Tokens {@code from..from+n-1} of every row of {@code [rows, S, D]}. */
    private static float[] slice(float[] a, int rows, int S, int D, int from, int n) {
        float[] out = new float[rows * n * D];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(a, (r * S + from) * D, out, r * n * D, n * D);
        }
        return out;
    }

    /** Layer {@code layer}'s tokens {@code from..from+n-1} of {@code [L, rows, S, D]}. */
    private static float[] slice(float[] a, int rows, int S, int D, int layer, int from, int n) {
        float[] one = new float[rows * S * D];
        System.arraycopy(a, layer * one.length, one, 0, one.length);
        return slice(one, rows, S, D, from, n);
    }

    private static float[] gaussian(SplittableRandom random, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return x;
    }
}
