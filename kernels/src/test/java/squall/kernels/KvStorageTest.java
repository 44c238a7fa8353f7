package squall.kernels;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The cache conversions agree bit for bit with the JDK's (NaNs: a NaN of the same sign). */
class KvStorageTest {

    @Test
    void everyHalfWidensAsTheJdkDoes() {
        for (int h = 0; h < 1 << 16; h++) {
            float expected = Float.float16ToFloat((short) h);
            int bits = h;
            if (Float.isNaN(expected)) {
                assertNaNWithSign(expected, PagedAttentionKernels.halfToFloat(h));
                continue;
            }
            assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(PagedAttentionKernels.halfToFloat(h)),
                    () -> "fp16 bits " + Integer.toHexString(bits));
        }
    }

    @Test
    void floatsNarrowToHalfAsTheJdkDoes() {
        // every half, the midpoints between neighbours (ties), and a few million random bit patterns
        for (int h = 0; h < 1 << 16; h++) {
            float value = Float.float16ToFloat((short) h);
            float next = Float.float16ToFloat((short) (h + 1));
            assertHalf(value);
            assertHalf((value + next) / 2);
            assertHalf(Math.nextUp(value));
            assertHalf(Math.nextDown(value));
        }
        SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < 3_000_000; i++) {
            assertHalf(Float.intBitsToFloat(random.nextInt()));
        }
        for (float special : new float[] {0f, -0f, 65504f, 65519.99f, 65520f, 1e-8f, 2.980232e-8f, 2.9802326e-8f,
                Float.MIN_VALUE, Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN}) {
            assertHalf(special);
        }
    }

    private static void assertNaNWithSign(float expected, float actual) {
        assertTrue(Float.isNaN(actual), "not a NaN: " + actual);
        assertEquals(Float.floatToRawIntBits(expected) < 0, Float.floatToRawIntBits(actual) < 0, "sign of NaN");
    }

    private static void assertHalf(float f) {
        if (Float.isNaN(f)) {
            assertNaNWithSign(f, PagedAttentionKernels.halfToFloat(PagedAttentionKernels.floatToHalf(f)));
            return;
        }
        assertEquals(Float.floatToFloat16(f) & 0xffff, PagedAttentionKernels.floatToHalf(f),
                () -> "float " + f + " (bits " + Integer.toHexString(Float.floatToRawIntBits(f)) + ")");
    }

    @Test
    void bf16RoundsToNearestEven() {
        SplittableRandom random = new SplittableRandom(12);
        for (int i = 0; i < 3_000_000; i++) {
            float f = Float.intBitsToFloat(random.nextInt());
            int bf16 = PagedAttentionKernels.floatToBf16(f);
            if (Float.isNaN(f)) {
                assertEquals(true, Float.isNaN(Float.intBitsToFloat(bf16 << 16)));
                continue;
            }
            // the nearest bf16: no other bf16 is closer, and ties go to the even one
            double exact = f;
            double chosen = Float.intBitsToFloat(bf16 << 16);
            double below = Float.intBitsToFloat(((bf16 - 1) & 0xffff) << 16);
            double above = Float.intBitsToFloat(((bf16 + 1) & 0xffff) << 16);
            double error = Math.abs(chosen - exact);
            if (Double.isFinite(chosen) && Double.isFinite(below) && Double.isFinite(above)) {
                assertEquals(true, error <= Math.abs(below - exact) && error <= Math.abs(above - exact),
                        "bf16 of " + f);
            }
        }
        assertEquals(0x3f80, PagedAttentionKernels.floatToBf16(1.0f));
        assertEquals(0x3f80, PagedAttentionKernels.floatToBf16(Float.intBitsToFloat(0x3f808000))); // tie: stays even
        assertEquals(0x3f82, PagedAttentionKernels.floatToBf16(Float.intBitsToFloat(0x3f818000))); // tie: rounds up to even
    }

    @Test
    void pairsPackLowFirstAndLoadBack() {
        int[] cache = {PagedAttentionKernels.packPair(1.5f, -2.25f, KvStorage.FP16), PagedAttentionKernels.packPair(3f, 0.125f, KvStorage.BF16)};
        assertEquals(1.5f, PagedAttentionKernels.load(cache, 0, KvStorage.FP16));
        assertEquals(-2.25f, PagedAttentionKernels.load(cache, 1, KvStorage.FP16));
        assertEquals(3f, PagedAttentionKernels.load(cache, 2, KvStorage.BF16));
        assertEquals(0.125f, PagedAttentionKernels.load(cache, 3, KvStorage.BF16));
        assertEquals(7.5f, PagedAttentionKernels.load(new int[] {Float.floatToRawIntBits(7.5f)}, 0, KvStorage.FP32));
    }
}
