package squall.tasks;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class KvCacheSizeTest {

    private static final ModelPreset LLAMA2_7B = ModelPreset.byId("llama2-7b");

    @Test
    void thirtyTwoLayersOf32HeadsAt1024TokensInFp16() {
        KvCacheSize mha = KvCacheSize.of(LLAMA2_7B, 1024, 1, KvDtype.FP16);
        // 2 (K and V) x 32 layers x 32 heads x 1024 tokens x 128 dims x 2 bytes
        assertEquals(536_870_912L, mha.totalBytes());
        assertEquals(16_777_216L, mha.bytesPerLayer());
        assertEquals(134_217_728L, mha.withKvHeads(8).totalBytes());
        assertEquals(16_777_216L, mha.withKvHeads(1).totalBytes());
    }

    @Test
    void scalesWithBatchTokensAndDtype() {
        KvCacheSize base = KvCacheSize.of(ModelPreset.byId("llama3-8b"), 1000, 1, KvDtype.BF16);
        assertEquals(2L * 32 * 8 * 1000 * 128 * 2, base.totalBytes());
        assertEquals(3 * base.totalBytes(), KvCacheSize.of(ModelPreset.byId("llama3-8b"), 1000, 3, KvDtype.BF16).totalBytes());
        assertEquals(2 * base.totalBytes(), KvCacheSize.of(ModelPreset.byId("llama3-8b"), 1000, 1, KvDtype.FP32).totalBytes());
        // int8: a byte per value and a 4-byte scale per row of 128: 132 bytes a row where bf16 takes 256
        assertEquals(2L * 32 * 8 * 1000 * (128 + 4), KvCacheSize.of(ModelPreset.byId("llama3-8b"), 1000, 1, KvDtype.INT8).totalBytes());
    }

    @Test
    void countsBeyondFourGigabytesWithoutOverflow() {
        KvCacheSize big = KvCacheSize.of(ModelPreset.byId("llama3-70b"), 131_072, 64, KvDtype.FP32);
        assertEquals(2L * 80 * 8 * 131_072 * 128 * 4 * 64, big.totalBytes());
    }

    @Test
    void rejectsSizesALongCannotCount() {
        assertThrows(ArithmeticException.class, () -> KvCacheSize.of(LLAMA2_7B, Long.MAX_VALUE / 2, 1, KvDtype.FP16));
    }

    @Test
    void rejectsNonPositiveSizes() {
        assertThrows(IllegalArgumentException.class, () -> KvCacheSize.of(LLAMA2_7B, 0, 1, KvDtype.FP16));
        assertThrows(IllegalArgumentException.class, () -> KvCacheSize.of(LLAMA2_7B, 1, 0, KvDtype.FP16));
        assertThrows(IllegalArgumentException.class, () -> KvCacheSize.of(LLAMA2_7B, 1, 1, null));
    }
}
