package squall.tasks;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import squall.kernels.AttentionOptions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelPresetTest {

    @ParameterizedTest
    @CsvSource({
            "llama2-7b,   32, 32, 32, 128, 1, MHA",
            "llama2-70b,  80, 64,  8, 128, 8, GQA",
            "llama3-8b,   32, 32,  8, 128, 4, GQA",
            "llama3-70b,  80, 64,  8, 128, 8, GQA",
            "mistral-7b,  32, 32,  8, 128, 4, GQA",
            "qwen1.5-7b,  32, 32, 32, 128, 1, MHA",
            "qwen1.5-32b, 64, 40,  8, 128, 5, GQA",
            "qwen2-7b,    28, 28,  4, 128, 7, GQA",
            "falcon-7b,   32, 71,  1,  64, 71, MQA",
            "gemma2-9b,   42, 16,  8, 256, 2, GQA",
            "gpt-oss-20b, 24, 64,  8,  64, 8, GQA"})
    void presetsHaveThePublishedGeometry(String id, int layers, int hq, int hkv, int headDim, int group, AttentionKind kind) {
        ModelPreset m = ModelPreset.byId(id);
        assertEquals(id, m.id());
        assertEquals(layers, m.layers());
        assertEquals(hq, m.queryHeads());
        assertEquals(hkv, m.kvHeads());
        assertEquals(headDim, m.headDim());
        assertEquals(group, m.groupSize());
        assertEquals(kind, m.kind());
    }

    @Test
    void presetsCarryTheirPublishedAttentionOptionsPerLayer() {
        // Gemma 2: sliding window 4096 on even layers (layer_types), attn_logit_softcapping 50 on all
        ModelPreset gemma = ModelPreset.byId("gemma2-9b");
        assertEquals(4096, gemma.layerOptions(0).window());
        assertEquals(0, gemma.layerOptions(1).window());
        assertEquals(4096, gemma.layerOptions(40).window());
        assertEquals(50f, gemma.layerOptions(41).softcap());
        assertEquals(null, gemma.layerOptions(0).sinks());
        // gpt-oss: window 128 on even layers, sinks on all
        ModelPreset oss = ModelPreset.byId("gpt-oss-20b");
        assertEquals(128, oss.layerOptions(22).window());
        assertEquals(0, oss.layerOptions(23).window());
        assertEquals(64, oss.layerOptions(23).sinks().length);
        assertEquals(0f, oss.layerOptions(0).softcap());
        // Mistral 7B v0.1: sliding_window 4096 on every layer
        ModelPreset mistral = ModelPreset.byId("mistral-7b");
        assertTrue(java.util.stream.IntStream.range(0, 32).allMatch(l -> mistral.layerOptions(l).window() == 4096));
        assertTrue(ModelPreset.byId("llama3-8b").layerOptions(31).isNone());
        assertEquals(AttentionOptions.WINDOW | AttentionOptions.SOFTCAP, gemma.withKvHeads(16, "g").layerOptions(4).flags(), "kept by --kv-heads");
        assertEquals(4, gemma.layerOptions(4, o -> o).size());
    }

    @Test
    void idsAreUniqueAndCaseInsensitive() {
        assertEquals(ModelPreset.all().size(), ModelPreset.all().stream().map(ModelPreset::id).distinct().count());
        assertEquals(ModelPreset.byId("llama3-8b"), ModelPreset.byId(" Llama3-8B "));
    }

    @Test
    void unknownIdListsTheKnownOnes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelPreset.byId("gpt-5"));
        assertTrue(e.getMessage().contains("'gpt-5'"), e.getMessage());
        for (ModelPreset m : ModelPreset.all()) {
            assertTrue(e.getMessage().contains(m.id()), e.getMessage());
        }
    }

    @Test
    void kindFollowsTheHeadCounts() {
        assertEquals(AttentionKind.MHA, AttentionKind.of(8, 8));
        assertEquals(AttentionKind.GQA, AttentionKind.of(8, 2));
        assertEquals(AttentionKind.MQA, AttentionKind.of(8, 1));
        assertThrows(IllegalArgumentException.class, () -> AttentionKind.of(8, 0));
        assertThrows(IllegalArgumentException.class, () -> new ModelPreset("x", "X", 1, 6, 4, 64));
    }
}
