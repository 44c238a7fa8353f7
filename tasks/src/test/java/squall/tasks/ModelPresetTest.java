package squall.tasks;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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
            "falcon-7b,   32, 71,  1,  64, 71, MQA"})
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
