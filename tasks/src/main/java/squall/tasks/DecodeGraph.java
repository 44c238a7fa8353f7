package squall.tasks;

import squall.kernels.AttentionOptions;
import squall.runtime.Device;

import java.util.List;

/**
 * A decode step for every layer of a model: each sequence's new token is appended to the KV cache
 * on the device, and its {@code Hq} query heads attend to the whole cache. The cache and block
 * table stay on the device between steps; a step sends the queries, the new K/V rows and the
 * sequence lengths, and brings back the output.
 *
 * <pre>{@code
 * ModelPreset llama = ModelPreset.byId("llama3-8b");
 * KvCache cache = KvCache.forBatch(llama, llama.layers(), KvDtype.FP16, 16, 1, 4096 + 64);
 * cache.fillRandom(0, 4096, 42);
 * try (DecodeGraph decode = DecodeGraph.builder(cache).device(Devices.get("opencl:0")).build()) {
 *     for (int step = 0; step < 64; step++) {
 *         // fill decode.queries() [layers, batch, Hq, D], newKeys() and newValues() [layers, batch, Hkv, D]
 *         StepResult r = decode.step();
 *         System.out.printf("%.2f ms, %.1f GB/s%n", r.attentionNanos() / 1e6, r.gigabytesPerSecond());
 *     }
 * }
 * }</pre>
 *
 * Both {@code step()} and {@code step(q, kNew, vNew)} check their inputs (sizes, finite values) before anything
 * reaches the device. If a step fails (bad input, a sequence at capacity, a device error), the cache's lengths and
 * its valid rows are exactly as before the step.
 *
 * <p>Threads: a graph is for one thread at a time. A call from a second thread while one is inside
 * {@code step}, {@code downloadCache} or {@code close} fails at once with an {@link IllegalStateException} naming
 * both threads, and the running step is undisturbed. The input arrays ({@link #queries()}, {@link #newKeys()},
 * {@link #newValues()}) and {@link #output()} are the graph's own: fill and read them from the thread that steps it
 * (or pass inputs to {@code step(q, kNew, vNew)}, which copies them). A {@link KvCache} belongs to one open graph
 * at a time; graphs over different caches, on one device or several, may run on threads of their own.
 */
public final class DecodeGraph extends CacheGraph {

    private DecodeGraph(KvCache cache, StepPlan plan, boolean profiling) {
        super("decode", cache, plan, profiling);
    }

    public static Builder builder(KvCache cache) {
        return new Builder(cache);
    }

    /** Options of a {@link DecodeGraph}. */
    public static final class Builder {
        private final KvCache cache;
        private Device device;
        private StepPlan.Options options = StepPlan.Options.DEFAULTS;
        private StepPlan plan;
        private boolean profiling = true;

        private Builder(KvCache cache) {
            this.cache = cache;
        }

        /** Where to run; default: the fastest device present. */
        public Builder device(Device d) {
            this.device = d;
            return this;
        }

        /** Default: work-group on GPUs, broadcast elsewhere. */
        public Builder variant(AttentionVariant v) {
            this.options = options.withVariant(v);
            return this;
        }

        /**
         * Split-KV slices (broadcast and work-group variants); default (or 0):
         * {@link WorkGroupDecode#slicesFor}, enough work-groups to keep the device busy.
         */
        public Builder slices(int n) {
            this.options = options.withSlices(n == 0 ? null : n);
            return this;
        }

        /**
         * The work-group kernel's memory layout; default: the one {@link LayoutProbe} measured faster on the device
         * (the first work-group graph on a device takes a second or two to measure it; later ones read it).
         */
        public Builder layout(WorkGroupDecode.Layout l) {
            this.options = options.withLayout(l);
            return this;
        }

        /**
         * Each layer's sliding window, soft-cap, ALiBi slopes and sinks, one entry per layer of the cache; default:
         * the model preset's ({@link ModelPreset#layerOptions(int)}).
         */
        public Builder layerOptions(List<AttentionOptions> perLayer) {
            this.options = options.withLayerOptions(perLayer);
            return this;
        }

        /**
         * A plan resolved before ({@link StepPlan#decode}, or {@link StepPlan#of} before the cache was allocated, to
         * check what the run needs): its device, variant, slices and layout, instead of the other options.
         */
        public Builder plan(StepPlan resolved) {
            this.plan = resolved;
            return this;
        }

        /** Device timestamps per task (on by default: {@link StepResult#attentionNanos()} uses them). */
        public Builder profiling(boolean on) {
            this.profiling = on;
            return this;
        }

        public DecodeGraph build() {
            if (plan != null && (device != null || !options.equals(StepPlan.Options.DEFAULTS))) {
                throw new IllegalStateException("give either a resolved plan or a device and options, not both");
            }
            if (plan != null && plan.phase() != StepPlan.Phase.DECODE) {
                throw new IllegalArgumentException("a decode graph needs a decode plan, got " + plan);
            }
            StepPlan p = plan != null ? plan
                    : StepPlan.decode(cache, device != null ? device : squall.runtime.Devices.defaultDevice(), options);
            return new DecodeGraph(cache, p, profiling);
        }
    }
}
