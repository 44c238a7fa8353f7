package squall.tasks;

import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The attention geometry of well-known models: layers, query heads, KV heads and head dimension, as
 * published in each model's configuration ({@code num_hidden_layers}, {@code num_attention_heads},
 * {@code num_key_value_heads}, {@code hidden_size / num_attention_heads}).
 *
 * <pre>{@code
 * ModelPreset llama = ModelPreset.byId("llama3-8b");
 * AttentionShape decode = new AttentionShape(1, llama.queryHeads(), llama.kvHeads(), 1, 4096, llama.headDim());
 * }</pre>
 *
 * @param id         short name for the command line, such as {@code llama3-8b}
 * @param name       display name, such as {@code Llama-3 8B}
 * @param layers     transformer layers, each with its own KV cache
 * @param queryHeads {@code Hq}
 * @param kvHeads    {@code Hkv}
 * @param headDim    {@code D}
 */
public record ModelPreset(String id, String name, int layers, int queryHeads, int kvHeads, int headDim) {

    private static final List<ModelPreset> ALL = List.of(
            new ModelPreset("llama2-7b", "Llama-2 7B", 32, 32, 32, 128),
            new ModelPreset("llama2-13b", "Llama-2 13B", 40, 40, 40, 128),
            new ModelPreset("llama2-70b", "Llama-2 70B", 80, 64, 8, 128),
            new ModelPreset("llama3-8b", "Llama-3 8B", 32, 32, 8, 128),
            new ModelPreset("llama3-70b", "Llama-3 70B", 80, 64, 8, 128),
            new ModelPreset("mistral-7b", "Mistral 7B", 32, 32, 8, 128),
            new ModelPreset("qwen1.5-7b", "Qwen-1.5 7B", 32, 32, 32, 128),
            new ModelPreset("qwen1.5-32b", "Qwen-1.5 32B", 64, 40, 8, 128),
            new ModelPreset("qwen2-7b", "Qwen-2 7B", 28, 28, 4, 128),
            new ModelPreset("falcon-7b", "Falcon 7B", 32, 71, 1, 64));

    public ModelPreset {
        if (layers < 1 || queryHeads < 1 || kvHeads < 1 || headDim < 1) {
            throw new IllegalArgumentException("layers, heads and head dim must be >= 1: " + id);
        }
        if (queryHeads % kvHeads != 0) {
            throw new IllegalArgumentException(id + ": Hq = " + queryHeads + " is not a multiple of Hkv = " + kvHeads);
        }
    }

    /** Every preset, in display order. */
    public static List<ModelPreset> all() {
        return ALL;
    }

    /** The preset with this id (case-insensitive). */
    public static ModelPreset byId(String id) {
        for (ModelPreset m : ALL) {
            if (m.id.equalsIgnoreCase(id.strip())) {
                return m;
            }
        }
        throw new IllegalArgumentException("unknown model '" + id + "'; known models: " + ids());
    }

    /** The ids, comma separated, for messages. */
    public static String ids() {
        return ALL.stream().map(ModelPreset::id).collect(Collectors.joining(", "));
    }

    /** Query heads per KV head, {@code Hq / Hkv}. */
    public int groupSize() {
        return queryHeads / kvHeads;
    }

    public AttentionKind kind() {
        return AttentionKind.of(queryHeads, kvHeads);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s (%s: %d layers, Hq %d, Hkv %d, head dim %d, %s)",
                id, name, layers, queryHeads, kvHeads, headDim, kind());
    }
}
