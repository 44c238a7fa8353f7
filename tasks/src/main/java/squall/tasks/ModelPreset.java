package squall.tasks;

import squall.kernels.AttentionOptions;

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
 * @param window     the sliding window of the layers that have one ({@code sliding_window}), 0 for none
 * @param alternate  whether only every other layer (0, 2, 4, ...) has the window, the others full attention (Gemma 2's
 *                   and gpt-oss's {@code layer_types}); otherwise every layer has it
 * @param softcap    the attention logits' soft-cap ({@code attn_logit_softcapping}), 0 for none
 * @param sinks      whether every layer has attention sinks, one learned logit per query head (gpt-oss)
 */
public record ModelPreset(String id, String name, int layers, int queryHeads, int kvHeads, int headDim, int window,
                          boolean alternate, float softcap, boolean sinks) {

    private static final List<ModelPreset> ALL = List.of(
            new ModelPreset("llama2-7b", "Llama-2 7B", 32, 32, 32, 128),
            new ModelPreset("llama2-13b", "Llama-2 13B", 40, 40, 40, 128),
            new ModelPreset("llama2-70b", "Llama-2 70B", 80, 64, 8, 128),
            new ModelPreset("llama3-8b", "Llama-3 8B", 32, 32, 8, 128),
            new ModelPreset("llama3-70b", "Llama-3 70B", 80, 64, 8, 128),
            new ModelPreset("mistral-7b", "Mistral 7B", 32, 32, 8, 128, 4096, false, 0, false),   // v0.1
            new ModelPreset("qwen1.5-7b", "Qwen-1.5 7B", 32, 32, 32, 128),
            new ModelPreset("qwen1.5-32b", "Qwen-1.5 32B", 64, 40, 8, 128),
            new ModelPreset("qwen2-7b", "Qwen-2 7B", 28, 28, 4, 128),
            new ModelPreset("falcon-7b", "Falcon 7B", 32, 71, 1, 64),
            new ModelPreset("gemma2-9b", "Gemma-2 9B", 42, 16, 8, 256, 4096, true, 50, false),
            new ModelPreset("gpt-oss-20b", "gpt-oss 20B", 24, 64, 8, 64, 128, true, 0, true));

    /** A model of plain attention: no window, soft-cap or sinks. */
    public ModelPreset(String id, String name, int layers, int queryHeads, int kvHeads, int headDim) {
        this(id, name, layers, queryHeads, kvHeads, headDim, 0, false, 0, false);
    }

    public ModelPreset {
        if (layers < 1 || queryHeads < 1 || kvHeads < 1 || headDim < 1) {
            throw new IllegalArgumentException("layers, heads and head dim must be >= 1: " + id);
        }
        if (window < 0 || !(softcap >= 0) || Float.isInfinite(softcap)) {
            throw new IllegalArgumentException(id + ": window must be >= 0 and softcap finite and >= 0");
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

    /** This model with {@code heads} KV heads (and the rest as it is), named {@code name}. */
    public ModelPreset withKvHeads(int heads, String name) {
        return new ModelPreset(id, name, layers, queryHeads, heads, headDim, window, alternate, softcap, sinks);
    }

    /** Whether layer {@code layer} has the sliding window. */
    public boolean hasWindow(int layer) {
        return window > 0 && (!alternate || layer % 2 == 0);
    }

    /**
     * Layer {@code layer}'s attention options as the model's configuration gives them. Sinks are learned weights the
     * configuration does not hold: a fixed stand-in, {@link #standInSinks}, takes their place, as the random cache
     * stands in for the model's keys and values.
     */
    public AttentionOptions layerOptions(int layer) {
        AttentionOptions o = AttentionOptions.NONE.withWindow(hasWindow(layer) ? window : 0).withSoftcap(softcap);
        return sinks ? o.withSinks(standInSinks(queryHeads)) : o;
    }

    /** {@link #layerOptions} of the first {@code n} layers. */
    public List<AttentionOptions> layerOptions(int n, java.util.function.UnaryOperator<AttentionOptions> change) {
        return java.util.stream.IntStream.range(0, n).mapToObj(l -> change.apply(layerOptions(l))).toList();
    }

    /** Sink logits for {@code heads} heads: {@code 1 + (h % 4) / 2}, of the size of gpt-oss's learned sinks. */
    public static float[] standInSinks(int heads) {
        float[] out = new float[heads];
        for (int h = 0; h < heads; h++) {
            out[h] = 1 + (h % 4) / 2f;
        }
        return out;
    }

    /** The window, soft-cap and sinks, for tables: such as {@code 4096 (alternate layers)}, or {@code -}. */
    public String windowText() {
        return window == 0 ? "-" : window + (alternate ? " (alternate layers)" : "");
    }

    public AttentionKind kind() {
        return AttentionKind.of(queryHeads, kvHeads);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%s (%s: %d layers, Hq %d, Hkv %d, head dim %d, %s%s%s%s)",
                id, name, layers, queryHeads, kvHeads, headDim, kind(), window == 0 ? "" : ", window " + windowText(),
                softcap == 0 ? "" : ", soft-cap " + softcap, sinks ? ", sinks" : "");
    }
}
