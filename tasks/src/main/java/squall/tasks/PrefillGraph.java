package squall.tasks;

import squall.kernels.AttentionOptions;
import squall.runtime.Device;

import java.util.List;

/**
 * A prefill step for every layer of a model: {@code tokens} new tokens per sequence are appended to
 * the KV cache on the device and attend causally to everything before them (and to each other).
 * On an empty cache that is the prompt's prefill; on a filled one, chunked prefill.
 *
 * <pre>{@code
 * KvCache cache = KvCache.forBatch(ModelPreset.byId("mistral-7b"), 32, KvDtype.BF16, 16, 1, 2048);
 * try (PrefillGraph prefill = PrefillGraph.builder(cache, 512).device(Devices.get("jvm")).build()) {
 *     for (int chunk = 0; chunk < 4; chunk++) {
 *         prefill.step(q, kNew, vNew);      // [layers, batch, heads, 512, D] each
 *     }
 * }
 * }</pre>
 *
 * <p>Checks and threads as for {@link DecodeGraph}: inputs are checked before anything reaches the device, a failed
 * step leaves the cache as it was, the graph is for one thread at a time (a second thread's call while one is
 * inside fails at once, naming both), and its {@link KvCache} belongs to it alone until it is closed: close the
 * prefill graph (after {@code downloadCache()}) before building the decode graph that continues from it.
 */
public final class PrefillGraph extends CacheGraph {

    private PrefillGraph(KvCache cache, StepPlan plan, boolean profiling) {
        super("prefill", cache, plan, profiling);
    }

    public static Builder builder(KvCache cache, int tokens) {
        return new Builder(cache, tokens);
    }

    public int tokens() {
        return stepPlan().tokens();
    }

    /** Options of a {@link PrefillGraph}. */
    public static final class Builder {
        private final KvCache cache;
        private final int tokens;
        private Device device;
        private AttentionVariant variant;
        private StepPlan plan;
        private List<AttentionOptions> layerOptions;
        private boolean profiling = true;

        private Builder(KvCache cache, int tokens) {
            if (tokens < 1) {
                throw new IllegalArgumentException("tokens must be >= 1, got " + tokens);
            }
            this.cache = cache;
            this.tokens = tokens;
        }

        public Builder device(Device d) {
            this.device = d;
            return this;
        }

        /** Broadcast (default), gather or repeat; the work-group kernel is for decode. */
        public Builder variant(AttentionVariant v) {
            this.variant = v;
            return this;
        }

        /**
         * Each layer's sliding window, soft-cap, ALiBi slopes and sinks, one entry per layer of the cache; default:
         * the model preset's ({@link ModelPreset#layerOptions(int)}).
         */
        public Builder layerOptions(List<AttentionOptions> perLayer) {
            this.layerOptions = perLayer;
            return this;
        }

        public Builder profiling(boolean on) {
            this.profiling = on;
            return this;
        }

        /**
         * A plan resolved before ({@link StepPlan#prefill}, or {@link StepPlan#of} before the cache was allocated, to
         * check what the run needs): its device and variant, instead of the other options.
         */
        public Builder plan(StepPlan resolved) {
            if (resolved.phase() != StepPlan.Phase.PREFILL || resolved.tokens() != tokens) {
                throw new IllegalArgumentException("a prefill graph of " + tokens + " tokens needs a prefill plan of as"
                        + " many, got " + resolved);
            }
            this.plan = resolved;
            return this;
        }

        public PrefillGraph build() {
            Device d = device != null ? device : squall.runtime.Devices.defaultDevice();
            return new PrefillGraph(cache, plan != null ? plan
                    : StepPlan.prefill(cache, d, tokens, StepPlan.Options.DEFAULTS.withVariant(variant)
                            .withLayerOptions(layerOptions)), profiling);
        }
    }
}
