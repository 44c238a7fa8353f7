package squall.tasks;

import org.junit.jupiter.api.Test;
import squall.device.jvm.JvmDevice;
import squall.kernels.AttentionShape;
import squall.kernels.ReferenceAttention;
import squall.kernels.testing.AttentionCases;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Mappings other than h / G: gather and repeat take any, broadcast refuses rather than guess. */
class CustomKvMapTest {

    private static final AttentionShape SHAPE = new AttentionShape(2, 6, 4, 3, 40, 64);
    private static final int[] MAP = {0, 0, 1, 2, 3, 3};

    @Test
    void gatherAndRepeatFollowTheMap() {
        float[][] in = AttentionCases.inputs(SHAPE, 7);
        double[] ref = ReferenceAttention.attend(in[0], in[1], in[2], SHAPE, MAP, true, SHAPE.defaultScale());
        for (AttentionVariant variant : new AttentionVariant[] {AttentionVariant.GATHER, AttentionVariant.REPEAT}) {
            float[] out = Attention.call(SHAPE, in[0], in[1], in[2], MAP).causal(true).variant(variant)
                    .run(new JvmDevice(2));
            double error = ReferenceAttention.relativeL2Error(out, ref);
            assertTrue(error < 1e-5, variant + ": " + error);
        }
    }

    @Test
    void aMapThatIsNotGroupedDefaultsToGather() {
        float[][] in = AttentionCases.inputs(SHAPE, 7);
        assertEquals(AttentionVariant.GATHER, Attention.call(SHAPE, in[0], in[1], in[2], MAP).variant());
    }

    @Test
    void broadcastRefusesAMapThatIsNotGrouped() {
        float[][] in = AttentionCases.inputs(SHAPE, 7);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Attention.call(SHAPE, in[0], in[1], in[2], MAP).variant(AttentionVariant.BROADCAST));
        assertTrue(e.getMessage().contains("use the gather variant"), e.getMessage());
    }

    @Test
    void withoutAMapHeadsMustDivideEvenly() {
        float[][] in = AttentionCases.inputs(SHAPE, 7);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Attention.call(SHAPE, in[0], in[1], in[2]));
        assertTrue(e.getMessage().contains("Hq = 6 is not a multiple of Hkv = 4"), e.getMessage());
    }

    @Test
    void mapEntriesOutOfRangeNameTheIndex() {
        float[][] in = AttentionCases.inputs(SHAPE, 7);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Attention.call(SHAPE, in[0], in[1], in[2], new int[] {0, 1, 2, 3, 4, 0}));
        assertTrue(e.getMessage().contains("kvMap[4] = 4 is outside [0, Hkv = 4)"), e.getMessage());
    }
}
