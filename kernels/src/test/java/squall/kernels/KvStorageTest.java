package squall.kernels;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The cache conversions: bf16 rounds to nearest even, pairs pack low first. (fp16 uses the JDK's own
 * conversions; HalfPrecisionTest in tasks checks the C versions devices run against them.)
 */
class KvStorageTest {

    @Test
    void bf16RoundsToNearestEven() {
        SplittableRandom random = new SplittableRandom(12);
        for (int i = 0; i < 3_000_000; i++) {
            float f = Float.intBitsToFloat(random.nextInt());
            int bf16 = KvStorage.floatToBf16(f);
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
        assertEquals(0x3f80, KvStorage.floatToBf16(1.0f));
        assertEquals(0x3f80, KvStorage.floatToBf16(Float.intBitsToFloat(0x3f808000))); // tie: stays even
        assertEquals(0x3f82, KvStorage.floatToBf16(Float.intBitsToFloat(0x3f818000))); // tie: rounds up to even
    }

    @Test
    void pairsPackLowFirstAndLoadBack() {
        int[] cache = {KvStorage.packPair(1.5f, -2.25f, KvStorage.FP16), KvStorage.packPair(3f, 0.125f, KvStorage.BF16)};
        assertEquals(1.5f, KvStorage.load(cache, 0, KvStorage.FP16));
        assertEquals(-2.25f, KvStorage.load(cache, 1, KvStorage.FP16));
        assertEquals(3f, KvStorage.load(cache, 2, KvStorage.BF16));
        assertEquals(0.125f, KvStorage.load(cache, 3, KvStorage.BF16));
        assertEquals(7.5f, KvStorage.load(new int[] {Float.floatToRawIntBits(7.5f)}, 0, KvStorage.FP32));
    }
}
