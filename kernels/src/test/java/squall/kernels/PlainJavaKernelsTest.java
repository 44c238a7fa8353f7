package squall.kernels;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The kernels called as ordinary Java, one thread, no device: the semantics every device
 * reproduces. Checked against the float64 reference.
 */
class PlainJavaKernelsTest {

    /** Per-head arrays of a kernel that uses no attention options. */
    private static final float[] NONE = new float[1];

    private static float[] gaussian(Random random, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) random.nextGaussian();
        }
        return x;
    }

    /** One block per sequence: how the contiguous kernels address K and V. */
    private static int[] blockTable(int B) {
        int[] p = new int[B];
        for (int b = 0; b < B; b++) {
            p[b] = b;
        }
        return p;
    }

    /** K or V as the kernels take them: fp32 bits. */
    private static int[] bits(float[] x) {
        int[] b = new int[x.length];
        for (int i = 0; i < x.length; i++) {
            b[i] = Float.floatToRawIntBits(x[i]);
        }
        return b;
    }

    @Test
    void broadcastGatherAndRepeatAgreeWithTheReference() {
        AttentionShape s = new AttentionShape(2, 12, 2, 5, 77, 40);
        Random random = new Random(3);
        float[] q = gaussian(random, s.qElements()), k = gaussian(random, s.kvElements()), v = gaussian(random, s.kvElements());
        double[] ref = ReferenceAttention.attend(q, k, v, s, null, true, s.defaultScale());

        float[] broadcast = new float[s.qElements()];
        AttentionKernels.attendBroadcast(q, bits(k), bits(v), blockTable(s.B()), broadcast, NONE, NONE, s.B(), s.Hkv(), s.groupSize(), s.Tq(), s.S(),
                s.D(), s.defaultScale(), true, 2, 16, 0, 0, 0f);
        assertTrue(ReferenceAttention.relativeL2Error(broadcast, ref) < 1e-5);

        float[] gather = new float[s.qElements()];
        AttentionKernels.attendGather(q, bits(k), bits(v), blockTable(s.B()), s.groupedKvMap(), gather, NONE, NONE, s.B(), s.Hq(), s.Hkv(), s.Tq(), s.S(), s.D(),
                s.defaultScale(), true, 16, 0, 0, 0f);
        assertTrue(ReferenceAttention.relativeL2Error(gather, ref) < 1e-5);

        int[] kRep = new int[s.B() * s.Hq() * s.S() * s.D()], vRep = new int[kRep.length];
        AttentionKernels.repeatKv(bits(k), bits(v), s.groupedKvMap(), kRep, vRep, s.B(), s.Hq(), s.Hkv(), s.S(), s.D());
        float[] repeat = new float[s.qElements()];
        AttentionKernels.attendBroadcast(q, kRep, vRep, blockTable(s.B()), repeat, NONE, NONE, s.B(), s.Hq(), 1, s.Tq(), s.S(), s.D(),
                s.defaultScale(), true, 1, 16, 0, 0, 0f);
        assertTrue(ReferenceAttention.relativeL2Error(repeat, ref) < 1e-5);
    }

    @Test
    void onlineSoftmaxSurvivesScoresThatWouldOverflowANaiveExp() {
        // Scores near 1e3: exp overflows float unless the running maximum is subtracted.
        AttentionShape s = new AttentionShape(1, 2, 1, 1, 50, 8);
        float[] q = new float[s.qElements()], k = new float[s.kvElements()], v = new float[s.kvElements()];
        Random random = new Random(5);
        for (int i = 0; i < q.length; i++) {
            q[i] = 30f;
        }
        for (int i = 0; i < k.length; i++) {
            k[i] = 10f + random.nextFloat();
            v[i] = random.nextFloat();
        }
        float[] out = new float[s.qElements()];
        AttentionKernels.attendBroadcast(q, bits(k), bits(v), blockTable(1), out, NONE, NONE, 1, 1, 2, 1, 50, 8, 1.0f, false, 1, 7, 0, 0, 0f);
        double[] ref = ReferenceAttention.attend(q, k, v, s, null, false, 1.0);
        assertTrue(ReferenceAttention.relativeL2Error(out, ref) < 1e-5, "error " + ReferenceAttention.relativeL2Error(out, ref));
    }

    @Test
    void theRelativeErrorIsInfiniteForNonFiniteOutput() {
        assertEquals(Double.POSITIVE_INFINITY, ReferenceAttention.relativeL2Error(new float[] {Float.NaN}, new double[] {1}));
    }

    @Test
    void queryBlocksAndKeyTilesThatDoNotDivideTheirLengthsStillCoverEveryPair() {
        AttentionShape s = new AttentionShape(1, 4, 2, 7, 23, 16);
        Random random = new Random(9);
        float[] q = gaussian(random, s.qElements()), k = gaussian(random, s.kvElements()), v = gaussian(random, s.kvElements());
        for (boolean causal : new boolean[] {true, false}) {
            double[] ref = ReferenceAttention.attend(q, k, v, s, null, causal, s.defaultScale());
            for (int queries : new int[] {1, 3, 7, 8}) {
                for (int block : new int[] {1, 5, 23, 64}) {
                    float[] out = new float[s.qElements()];
                    AttentionKernels.attendBroadcast(q, bits(k), bits(v), blockTable(s.B()), out, NONE, NONE, s.B(), s.Hkv(), s.groupSize(), s.Tq(),
                            s.S(), s.D(), s.defaultScale(), causal, queries, block, 0, 0, 0f);
                    double error = ReferenceAttention.relativeL2Error(out, ref);
                    assertTrue(error < 1e-5, "causal " + causal + ", " + queries + " queries, tiles of " + block + ": " + error);
                }
            }
        }
    }
}
