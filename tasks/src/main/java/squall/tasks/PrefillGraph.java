package squall.tasks;

import squall.runtime.Device;

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

    private final int tokens;

    private PrefillGraph(CacheStep step, int tokens) {
        super(step);
        this.tokens = tokens;
    }

    public static Builder builder(KvCache cache, int tokens) {
        return new Builder(cache, tokens);
    }

    public int tokens() {
        return tokens;
    }

    /** Floating-point operations of one step's attention: QK^T and PV over the causal triangle, all layers. */
    public static long attentionFlops(KvCache cache, int tokens) {
        ModelPreset m = cache.model();
        long pairs = 0;
        for (int s = 0; s < cache.batch(); s++) {
            long before = cache.length(s);
            pairs += tokens * before + (long) tokens * (tokens + 1) / 2; // keys each new token sees
        }
        return 4L * cache.layers() * m.queryHeads() * m.headDim() * pairs;
    }

    /** Options of a {@link PrefillGraph}. */
    public static final class Builder {
        private final KvCache cache;
        private final int tokens;
        private Device device;
        private AttentionVariant variant = AttentionVariant.BROADCAST;
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

        public Builder profiling(boolean on) {
            this.profiling = on;
            return this;
        }

        public PrefillGraph build() {
            Device d = device != null ? device : squall.runtime.Devices.defaultDevice();
            return new PrefillGraph(new CacheStep("prefill", cache, tokens, d, variant, 1, null, profiling), tokens);
        }
    }
}
