package squall.profiles;

import squall.runtime.Device;
import squall.tasks.AttentionKind;
import squall.tasks.CacheGraph;
import squall.tasks.AttentionVariant;
import squall.tasks.DecodeGraph;
import squall.tasks.KvCache;
import squall.tasks.PrefillGraph;
import squall.tasks.KvDtype;
import squall.tasks.ModelPreset;

import java.util.Locale;

/**
 * One thing to time on every device: a decode step (one new token per sequence) or a prefill step
 * ({@code tokens} new tokens per sequence), for every layer of a model whose caches hold
 * {@code context} tokens per sequence when the step starts.
 *
 * <pre>{@code
 * Workload w = Workload.decode(ModelPreset.byId("llama3-8b"), 4096, 16, 1, KvDtype.FP16, 16);
 * Workload mqa = w.withKvHeads(1);          // the same model forced to MQA
 * long bytes = w.workingSetBytes();         // what a step must stream: 256 MiB here
 * }</pre>
 *
 * @param phase     decode or prefill
 * @param model     the model's geometry; {@code kvHeads} may be forced (MHA, MQA) for comparison
 * @param forced    {@code true} when {@code model}'s KV heads are not the published ones
 * @param context   tokens in each sequence's cache when the step starts
 * @param tokens    new tokens per sequence per step (1 for decode)
 * @param layers    layers held and run (at most the model's)
 * @param batch     sequences per step
 * @param dtype     KV cache storage
 * @param blockSize tokens per cache block
 */
public record Workload(Phase phase, ModelPreset model, boolean forced, int context, int tokens, int layers, int batch,
                       KvDtype dtype, int blockSize) {

    /** What a step does. */
    public enum Phase {
        DECODE, PREFILL;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public Workload {
        if (context < 0 || tokens < 1 || layers < 1 || batch < 1 || blockSize < 1) {
            throw new IllegalArgumentException("a workload needs context >= 0 and tokens, layers, batch, block size >= 1: "
                    + context + ", " + tokens + ", " + layers + ", " + batch + ", " + blockSize);
        }
        if (phase == Phase.DECODE && tokens != 1) {
            throw new IllegalArgumentException("a decode step adds 1 token per sequence, not " + tokens);
        }
    }

    public static Workload decode(ModelPreset model, int context, int layers, int batch, KvDtype dtype, int blockSize) {
        return new Workload(Phase.DECODE, model, false, context, 1, layers, batch, dtype, blockSize);
    }

    /** A prompt's prefill: {@code tokens} tokens per sequence into an empty cache. */
    public static Workload prefill(ModelPreset model, int tokens, int layers, int batch, KvDtype dtype, int blockSize) {
        return new Workload(Phase.PREFILL, model, false, 0, tokens, layers, batch, dtype, blockSize);
    }

    /** The same workload with the model's KV heads forced to {@code kvHeads} (Hq: MHA, 1: MQA). */
    public Workload withKvHeads(int kvHeads) {
        ModelPreset m = new ModelPreset(model.id(), model.name(), model.layers(), model.queryHeads(), kvHeads,
                model.headDim());
        return new Workload(phase, m, forced || kvHeads != model.kvHeads(), context, tokens, layers, batch, dtype,
                blockSize);
    }

    public AttentionKind attention() {
        return model.kind();
    }

    /** Identifies the workload across runs (the key {@code --compare} matches rows by), e.g. {@code decode/llama3-8b/GQA/4096}. */
    public String key() {
        String size = phase == Phase.DECODE ? Integer.toString(context) : context + "+" + tokens;
        return phase + "/" + model.id() + "/" + attention() + "/" + size;
    }

    /** A heading, e.g. {@code decode · Llama-3 8B · GQA (Hq 32, Hkv 8, D 128) · context 4096}. */
    public String title() {
        String where = phase == Phase.DECODE ? "context " + context
                : tokens + " tokens" + (context == 0 ? " into an empty cache" : " onto " + context);
        return phase + " · " + model.name() + " · " + attention() + (forced ? " (forced)" : "") + " (Hq "
                + model.queryHeads() + ", Hkv " + model.kvHeads() + ", D " + model.headDim() + ") · " + where;
    }

    /** Tokens each sequence holds after the step. */
    public int tokensAfterStep() {
        return context + tokens;
    }

    /** Bytes of K and V a step must read: every layer's cache in use, all sequences. */
    public long workingSetBytes() {
        return layers * dtype.kvBytes((long) batch * tokensAfterStep(), model.kvHeads(), model.headDim());
    }

    /**
     * This workload's graph on {@code cache}: a {@link DecodeGraph} or a {@link PrefillGraph} of
     * {@link #tokens()} tokens.
     *
     * @param slices split-KV slices for decode, 0 for the graph's own choice; prefill is never split
     */
    CacheGraph graph(KvCache cache, Device device, AttentionVariant variant, int slices, boolean profiling) {
        if (phase == Phase.DECODE) {
            return DecodeGraph.builder(cache).device(device).variant(variant).slices(slices).profiling(profiling).build();
        }
        return PrefillGraph.builder(cache, tokens).device(device).variant(variant).profiling(profiling).build();
    }
}
