package squall.profiles;

import org.junit.jupiter.api.Test;
import squall.tasks.AttentionKind;
import squall.tasks.KvDtype;
import squall.tasks.ModelPreset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WorkloadTest {

    static final ModelPreset LLAMA3 = ModelPreset.byId("llama3-8b");

    @Test
    void workingSetIsEveryLayersKeysAndValues() {
        Workload w = Workload.decode(LLAMA3, 4095, 16, 2, KvDtype.FP16, 16);
        // 2 (K, V) x batch 2 x 16 layers x 8 heads x 128 x 4096 tokens after the step x 2 bytes
        assertEquals(2L * 2 * 16 * 8 * 128 * 4096 * 2, w.workingSetBytes());
        assertEquals("decode/llama3-8b/GQA/4095", w.key());
        assertEquals(4096, w.tokensAfterStep());
    }

    @Test
    void forcingKvHeadsMakesMhaAndMqa() {
        Workload gqa = Workload.decode(LLAMA3, 4096, 8, 1, KvDtype.FP16, 16);
        Workload mha = gqa.withKvHeads(32), mqa = gqa.withKvHeads(1);
        assertFalse(gqa.forced());
        assertTrue(mha.forced() && mqa.forced());
        assertEquals(AttentionKind.MHA, mha.attention());
        assertEquals(AttentionKind.MQA, mqa.attention());
        assertEquals(4 * gqa.workingSetBytes(), mha.workingSetBytes());
        assertEquals(gqa.workingSetBytes() / 8, mqa.workingSetBytes());
        assertEquals("decode/llama3-8b/MQA/4096", mqa.key());
        assertFalse(gqa.withKvHeads(8).forced(), "the model's own KV heads are not forced");
    }

    @Test
    void prefillStartsFromAnEmptyCache() {
        Workload p = Workload.prefill(LLAMA3, 128, 4, 1, KvDtype.FP32, 16);
        assertEquals("prefill/llama3-8b/GQA/0+128", p.key());
        assertTrue(p.title().contains("128 tokens into an empty cache"), p.title());
        assertThrows(IllegalArgumentException.class,
                () -> new Workload(Workload.Phase.DECODE, LLAMA3, false, 10, 2, 1, 1, KvDtype.FP16, 16));
    }

    @Test
    void defaultLayersPassTheLastLevelCacheTwice() {
        long llc = MachineInfo.lastLevelCacheOrAssumed();
        int layers = ProfileCommand.autoLayers(LLAMA3, 1024, KvDtype.FP16);
        long perLayer = 2L * 8 * 128 * 1024 * 2;
        assertTrue(layers == LLAMA3.layers() || layers * perLayer >= 2 * llc, layers + " layers");
        assertTrue(layers == 1 || (layers - 1) * perLayer < 2 * llc, "no more layers than needed: " + layers);
    }

    @Test
    void cacheSizesFromSysfs() {
        assertEquals(32L << 20, MachineInfo.parseSize("32768K"));
        assertEquals(1L << 20, MachineInfo.parseSize("1M"));
        assertEquals(512, MachineInfo.parseSize("512"));
    }
}
