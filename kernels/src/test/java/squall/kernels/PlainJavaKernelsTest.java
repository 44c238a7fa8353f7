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

    private static float[] gaussian(Random random, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) random.nextGaussian();
        }
        return x;
    }

    @Test
    void broadcastGatherAndRepeatAgreeWithTheReference() {
        AttentionShape s = new AttentionShape(2, 12, 2, 5, 77, 40);
        Random random = new Random(3);
        float[] q = gaussian(random, s.qElements()), k = gaussian(random, s.kvElements()), v = gaussian(random, s.kvElements());
        double[] ref = ReferenceAttention.attend(q, k, v, s, null, true, s.defaultScale());

        float[] broadcast = new float[s.qElements()];
        AttentionKernels.attendBroadcast(q, k, v, broadcast, s.B(), s.Hkv(), s.groupSize(), s.Tq(), s.S(), s.D(),
                s.defaultScale(), true, 16);
        assertTrue(ReferenceAttention.relativeL2Error(broadcast, ref) < 1e-5);

        float[] gather = new float[s.qElements()];
        AttentionKernels.attendGather(q, k, v, s.groupedKvMap(), gather, s.B(), s.Hq(), s.Hkv(), s.Tq(), s.S(), s.D(),
                s.defaultScale(), true, 16);
        assertTrue(ReferenceAttention.relativeL2Error(gather, ref) < 1e-5);

        float[] kRep = new float[s.B() * s.Hq() * s.S() * s.D()], vRep = new float[kRep.length];
        AttentionKernels.repeatKv(k, v, s.groupedKvMap(), kRep, vRep, s.B(), s.Hq(), s.Hkv(), s.S(), s.D());
        float[] repeat = new float[s.qElements()];
        AttentionKernels.attendBroadcast(q, kRep, vRep, repeat, s.B(), s.Hq(), 1, s.Tq(), s.S(), s.D(),
                s.defaultScale(), true, 16);
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
        AttentionKernels.attendBroadcast(q, k, v, out, 1, 1, 2, 1, 50, 8, 1.0f, false, 7);
        double[] ref = ReferenceAttention.attend(q, k, v, s, null, false, 1.0);
        assertTrue(ReferenceAttention.relativeL2Error(out, ref) < 1e-5, "error " + ReferenceAttention.relativeL2Error(out, ref));
    }

    @Test
    void theRelativeErrorIsInfiniteForNonFiniteOutput() {
        assertEquals(Double.POSITIVE_INFINITY, ReferenceAttention.relativeL2Error(new float[] {Float.NaN}, new double[] {1}));
    }

    @Test
    void dotProductHandlesLengthsThatAreNotMultiplesOfFour() {
        float[] a = {1, 2, 3, 4, 5, 6, 7}, b = {1, 1, 1, 1, 1, 1, 2};
        assertEquals(35f, AttentionKernels.dotProduct(a, 0, b, 0, 7));
        assertEquals(4f + 5 + 6 + 14, AttentionKernels.dotProduct(a, 3, b, 3, 4));
    }
}
