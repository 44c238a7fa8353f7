package squall.tasks;

import squall.kernels.AttentionOptions;
import squall.kernels.KvStorage;
import squall.kernels.PagedAttentionKernels;
import squall.kernels.SplitKv;
import squall.runtime.Device;
import squall.runtime.KernelDescriptor;
import squall.runtime.KernelLibraries;
import squall.runtime.TaskCost;

import java.util.ArrayList;
import java.util.List;

/**
 * What one decode or prefill step is, resolved once from the cache, the device, the tokens per step and the options
 * asked for: the variant, the split-KV slices, the work-group launch and layout, the query and key tiles, the length
 * of every array, the tasks of each layer and what each must move and compute. The graph builders
 * ({@link DecodeGraph}, {@link PrefillGraph}), the memory check of {@code squall decode} and {@code prefill} (before
 * the cache is allocated), the tasks' costs and the reports all read it; none works any of it out again. Immutable.
 *
 * <p>Resolving a work-group plan without a layout measures the faster one on the device the first time
 * ({@link LayoutProbe}), before any graph is built.
 *
 * <pre>{@code
 * KvCache cache = KvCache.forBatch(ModelPreset.byId("llama3-8b"), 32, KvDtype.FP16, 16, 1, 4096 + 64);
 * StepPlan plan = StepPlan.decode(cache, Devices.get("opencl:0"), StepPlan.Options.DEFAULTS);
 * plan.variant();   // broadcast on a CPU device
 * plan.slices();    // enough to keep every compute unit busy
 * try (DecodeGraph decode = DecodeGraph.builder(cache).plan(plan).build()) {
 *     decode.step();
 * }
 * }</pre>
 */
public final class StepPlan {

    /** Keys per tile of the online softmax in the {@code @Parallel} kernels (a tile may span blocks of the cache). */
    public static final int KEY_TILE = 64;
    /** Bytes of private memory a work-item's query rows and accumulator may take: well inside a CPU's L1 and L2. */
    static final int QUERY_TILE_BYTES = 32 * 1024;

    private static final KernelDescriptor APPEND_KV = KernelLibraries.find(PagedAttentionKernels.class, "appendKv");
    private static final KernelDescriptor ATTEND_PAGED = KernelLibraries.find(PagedAttentionKernels.class, "attendPaged");
    private static final KernelDescriptor ATTEND_GATHER = KernelLibraries.find(PagedAttentionKernels.class, "attendPagedGather");
    private static final KernelDescriptor REPEAT_KV = KernelLibraries.find(PagedAttentionKernels.class, "repeatKv");
    private static final KernelDescriptor COMBINE_SLICES = KernelLibraries.find(SplitKv.class, "combineSlices");

    /** What the step is for. */
    public enum Phase {
        /** One new token per sequence. */
        DECODE,
        /** A chunk of new tokens per sequence, attending causally (a prompt, or chunked prefill). */
        PREFILL
    }

    /**
     * The options asked for; {@code null} leaves the choice to the plan.
     *
     * @param variant the kernel; default: {@link AttentionVariant#defaultFor} the device for decode, broadcast for
     *                prefill
     * @param slices  split-KV slices (broadcast and work-group variants); default: {@link WorkGroupDecode#slicesFor}
     *                for decode, 1 for prefill
     * @param layout  the work-group kernel's memory layout; default: the one {@link LayoutProbe} measured faster
     * @param layerOptions each layer's window, soft-cap, ALiBi slopes and sinks, one per layer of the cache; default:
     *                the model preset's ({@link ModelPreset#layerOptions(int)})
     */
    public record Options(AttentionVariant variant, Integer slices, WorkGroupDecode.Layout layout,
                          List<AttentionOptions> layerOptions) {

        public static final Options DEFAULTS = new Options(null, null, null, null);

        /** These choices, with the model preset's layer options. */
        public Options(AttentionVariant variant, Integer slices, WorkGroupDecode.Layout layout) {
            this(variant, slices, layout, null);
        }

        public Options {
            if (slices != null) {
                requireSlices(slices);
            }
        }

        public Options withVariant(AttentionVariant v) {
            return new Options(v, slices, layout, layerOptions);
        }

        public Options withSlices(Integer n) {
            return new Options(variant, n, layout, layerOptions);
        }

        public Options withLayout(WorkGroupDecode.Layout l) {
            return new Options(variant, slices, l, layerOptions);
        }

        public Options withLayerOptions(List<AttentionOptions> perLayer) {
            return new Options(variant, slices, layout, perLayer == null ? null : List.copyOf(perLayer));
        }
    }

    /**
     * The host arrays of a step's tasks (every layer's rows in one array, {@code [layers, ...]}). A plan told
     * {@link #NONE} gives tasks whose sizes and specialisations are right and whose arrays are {@code null}.
     *
     * @param seqLens   each sequence's length after the step
     * @param newTokens the tokens each sequence appends in the step, {@code 0 ..} {@link #tokens()}
     * @param keyCopy   the repeat variant's copy of a layer's keys, or {@code null}
     * @param valueCopy its copy of the values
     * @param slopes    each layer's ALiBi slopes, or a placeholder ({@link #perHeadArrays})
     * @param sinks     each layer's sink logits, or a placeholder
     */
    public record TaskArrays(float[] queries, float[] newKeys, float[] newValues, float[] output, float[] partials,
                         int[] seqLens, int[] newTokens, int[] blockTable, int[] keyCopy, int[] valueCopy, float[][] slopes,
                         float[][] sinks) {
        public static final TaskArrays NONE = new TaskArrays(null, null, null, null, null, null, null, null, null, null,
                null, null);

        float[] slopes(int layer) {
            return slopes == null ? null : slopes[layer];
        }

        float[] sinks(int layer) {
            return sinks == null ? null : sinks[layer];
        }
    }

    private final KvCacheShape shape;
    private final Device device;
    private final long capacity;
    private final Phase phase;
    private final int tokens;
    private final AttentionVariant variant;
    private final int slices;
    private final WorkGroupDecode.Launch launch;
    private final int queryTile;
    private final List<AttentionOptions> layerOptions;
    private final StepCosts costs;

    private StepPlan(KvCacheShape shape, Device device, long capacity, Phase phase, int tokens, AttentionVariant variant, int slices,
                     WorkGroupDecode.Launch launch, int queryTile, List<AttentionOptions> layerOptions) {
        this.shape = shape;
        this.device = device;
        this.capacity = capacity;
        this.phase = phase;
        this.tokens = tokens;
        this.variant = variant;
        this.slices = slices;
        this.launch = launch;
        this.queryTile = queryTile;
        this.layerOptions = layerOptions;
        this.costs = new StepCosts(shape, layerOptions);
    }

    /** A decode step (one token per sequence) over {@code cache} on {@code device}. */
    public static StepPlan decode(KvCache cache, Device device, Options options) {
        return of(cache.shape(), planningCapacity(cache), device, Phase.DECODE, 1, options);
    }

    /** A prefill step of {@code tokens} tokens per sequence over {@code cache} on {@code device}. */
    public static StepPlan prefill(KvCache cache, Device device, int tokens, Options options) {
        return of(cache.shape(), planningCapacity(cache), device, Phase.PREFILL, tokens, options);
    }

    /**
     * The context to plan for: the shortest admitted sequence's capacity, or, before any is admitted (a batch that
     * fills as sequences arrive), the longest a sequence may grow to.
     */
    private static long planningCapacity(KvCache cache) {
        int shortest = cache.shortestCapacity();
        return shortest > 0 ? shortest : (long) cache.maxBlocksPerSequence() * cache.blockSize();
    }

    /**
     * A step over a cache of {@code shape} whose sequences each have room for {@code capacity} tokens (the shortest
     * one's), before the cache exists.
     */
    public static StepPlan of(KvCacheShape shape, long capacity, Device device, Phase phase, int tokens,
                              Options options) {
        if (tokens < 1) {
            throw new IllegalArgumentException("tokens must be >= 1, got " + tokens);
        }
        if (phase == Phase.DECODE && tokens != 1) {
            throw new IllegalArgumentException("a decode step appends 1 token per sequence, not " + tokens);
        }
        ModelPreset m = shape.model();
        AttentionVariant variant = options.variant() != null ? options.variant()
                : phase == Phase.DECODE ? AttentionVariant.defaultFor(device) : AttentionVariant.BROADCAST;
        if (variant.decodeOnly() && tokens != 1) {
            throw new IllegalArgumentException("the " + variant + " variant is for decode (1 token per step), not " + tokens);
        }
        int slices = !variant.splitsKv() ? 1 : options.slices() != null ? options.slices()
                : phase == Phase.DECODE ? WorkGroupDecode.slicesFor(device, shape.sequences(), m.kvHeads(),
                (int) Math.min(capacity, Integer.MAX_VALUE)) : 1;
        WorkGroupDecode.Launch launch = null;
        if (variant == AttentionVariant.WORKGROUP) {
            WorkGroupDecode.Layout layout = options.layout() != null ? options.layout() : LayoutProbe.fasterLayout(device);
            launch = WorkGroupDecode.launch(device, shape.sequences(), m.kvHeads(), m.groupSize(), m.headDim())
                    .withSlices(slices).withLayout(layout);
        }
        int queryTile = queryTile(variant == AttentionVariant.REPEAT ? 1 : m.groupSize(), m.headDim(), tokens);
        return new StepPlan(shape, device, capacity, phase, tokens, variant, slices, launch, queryTile,
                layerOptions(shape, options.layerOptions()));
    }

    /** {@code given} checked against the shape (one per layer, one slope and sink per query head), or the preset's. */
    private static List<AttentionOptions> layerOptions(KvCacheShape shape, List<AttentionOptions> given) {
        if (given == null) {
            return shape.model().layerOptions(shape.layers(), o -> o);
        }
        if (given.size() != shape.layers()) {
            throw new IllegalArgumentException("give one AttentionOptions per layer: " + shape.layers() + ", got "
                    + given.size());
        }
        for (int l = 0; l < given.size(); l++) {
            if (given.get(l) == null) {
                throw new IllegalArgumentException("layer " + l + "'s options are null: AttentionOptions.NONE is plain attention");
            }
            try {
                given.get(l).requireHeads(shape.model().queryHeads());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("layer " + l + ": " + e.getMessage(), e);
            }
        }
        return given;
    }

    /** Fails unless {@code slices >= 1}. */
    static void requireSlices(int slices) {
        if (slices < 1) {
            throw new IllegalArgumentException("slices must be >= 1, got " + slices);
        }
    }

    /**
     * How many queries of each head a broadcast work-item takes ({@code QUERIES}): as many as keep its {@code G}
     * heads' query rows and accumulator within {@link #QUERY_TILE_BYTES} (each K and V row read once per query
     * tile, so more queries per work-item is less memory traffic), at most 16 and at most {@code Tq}; decode takes 1.
     */
    public static int queryTile(int G, int D, int Tq) {
        int fit = QUERY_TILE_BYTES / (2 * 4 * G * D);
        return Math.max(1, Math.min(Math.min(16, fit), Tq));
    }

    // ---------------------------------------------------------------- what was resolved

    public KvCacheShape shape() {
        return shape;
    }

    /** The device the step runs on. */
    public Device device() {
        return device;
    }

    /** Tokens each sequence has room for (the shortest sequence's), as the plan was resolved with. */
    public long capacity() {
        return capacity;
    }

    public Phase phase() {
        return phase;
    }

    /** New tokens per sequence in a step. */
    public int tokens() {
        return tokens;
    }

    public AttentionVariant variant() {
        return variant;
    }

    /** Slices each sequence's keys are split into (split-KV); 1 when not split. */
    public int slices() {
        return slices;
    }

    /** The work-group kernel's memory layout, or {@code null} for the other variants. */
    public WorkGroupDecode.Layout layout() {
        return launch == null ? null : launch.layout();
    }

    /** The work-group kernel's launch, or {@code null} for the other variants. */
    public WorkGroupDecode.Launch launch() {
        return launch;
    }

    /** Layer {@code layer}'s sliding window, soft-cap, ALiBi slopes and sinks. */
    public AttentionOptions layerOptions(int layer) {
        return layerOptions.get(layer);
    }

    /**
     * The per-head arrays the kernels read, {@code [layer][Hq]}: each layer's ALiBi slopes ({@code slopes = true}) or
     * sinks, a copy of its own, or for a layer without them one shared placeholder float, {@code none}.
     */
    public float[][] perHeadArrays(boolean slopes, float[] none) {
        float[][] out = new float[layerOptions.size()][];
        for (int l = 0; l < out.length; l++) {
            float[] values = slopes ? layerOptions.get(l).alibiSlopes() : layerOptions.get(l).sinks();
            out[l] = values != null ? values : none;
        }
        return out;
    }

    /** Queries of each head a broadcast work-item takes ({@code QUERIES}). */
    public int queryTile() {
        return queryTile;
    }

    /** The softmax scale, {@code 1 / sqrt(D)}. */
    public float scale() {
        return (float) (1 / Math.sqrt(shape.model().headDim()));
    }

    // ---------------------------------------------------------------- arrays, in elements (saturating)

    /** The step's queries and its output, each {@code [layers, batch, Hq, tokens, D]}. */
    public long queryFloats() {
        return rowFloats(shape.model().queryHeads());
    }

    /** The step's new keys and its new values, each {@code [layers, batch, Hkv, tokens, D]}. */
    public long newRowFloats() {
        return rowFloats(shape.model().kvHeads());
    }

    private long rowFloats(int heads) {
        return Saturating.product(shape.layers(), shape.sequences(), heads, tokens, shape.model().headDim());
    }

    /** The split-KV partials, as {@link SplitKv} lays them out for one layer; 1 when not split. */
    public long partialsFloats() {
        ModelPreset m = shape.model();
        return SplitKv.partialsLength(Saturating.product(shape.sequences(), m.queryHeads(), tokens), slices, m.headDim());
    }

    /** Ints of the repeat variant's copy of one layer's keys (and of its values), {@code [numBlocks, Hq, BS, D]}; 0 for the others. */
    public long repeatInts() {
        ModelPreset m = shape.model();
        return variant == AttentionVariant.REPEAT
                ? Saturating.product(shape.numBlocks(), m.queryHeads(), shape.blockSize(), m.headDim()) : 0;
    }

    // ---------------------------------------------------------------- tasks

    /**
     * The tasks of layer {@code layer}, in the order they run: the append, then the attention ({@link StepTask}
     * names them). {@code keys} and {@code values} are the layer's cache.
     */
    public List<TaskLaunch> tasks(int layer, TaskArrays a, int[] keys, int[] values) {
        ModelPreset m = shape.model();
        int B = shape.sequences(), Hkv = m.kvHeads(), Hq = m.queryHeads(), G = m.groupSize(), D = m.headDim();
        int BS = shape.blockSize(), maxBlocks = (int) shape.blocksPerSequence(), storage = shape.dtype().storage();
        float scale = scale();
        AttentionOptions o = layerOptions.get(layer);
        int flags = o.flags(), window = o.window();
        float cap = o.softcap();
        float[] slopes = a.slopes(layer), sinks = a.sinks(layer);
        List<TaskLaunch> tasks = new ArrayList<>();
        tasks.add(TaskLaunch.of(StepTask.APPEND.taskName(layer), APPEND_KV, a.newKeys(), a.newValues(), keys, values,
                a.blockTable(), a.seqLens(), a.newTokens(), B, Hkv, tokens, D, BS, maxBlocks, storage, layer));
        String attend = StepTask.ATTEND.taskName(layer);
        switch (variant) {
            case BROADCAST -> {
                tasks.add(TaskLaunch.of(attend, ATTEND_PAGED, a.queries(), keys, values, a.blockTable(), a.seqLens(),
                        a.newTokens(), a.output(), a.partials(), slopes, sinks, B, Hkv, G, tokens, D, BS, maxBlocks, scale, slices,
                        queryTile, KEY_TILE, storage, flags, window, cap, layer));
                if (slices > 1) {
                    tasks.add(TaskLaunch.of(StepTask.COMBINE.taskName(layer), COMBINE_SLICES, a.partials(), a.output(),
                            B * Hq * tokens, slices, D, layer * B * Hq * tokens));
                }
            }
            case WORKGROUP -> tasks.addAll(launch.tasks(a.queries(), keys, values, a.blockTable(), a.seqLens(),
                    a.newTokens(), a.output(), a.partials(), slopes, sinks, BS, maxBlocks, scale, storage, o, layer));
            case GATHER -> tasks.add(TaskLaunch.of(attend, ATTEND_GATHER, a.queries(), keys, values, a.blockTable(),
                    a.seqLens(), a.newTokens(), a.output(), slopes, sinks, B, Hkv, G, tokens, D, BS, maxBlocks, scale, KEY_TILE, storage,
                    flags, window, cap, layer));
            case REPEAT -> {
                tasks.add(TaskLaunch.of(StepTask.REPEAT.taskName(layer), REPEAT_KV, keys, values, a.keyCopy(),
                        a.valueCopy(), a.blockTable(), a.seqLens(), B, Hkv, G, D, BS, maxBlocks, storage));
                tasks.add(TaskLaunch.of(attend, ATTEND_PAGED, a.queries(), a.keyCopy(), a.valueCopy(), a.blockTable(),
                        a.seqLens(), a.newTokens(), a.output(), a.partials(), slopes, sinks, B, Hq, 1, tokens, D, BS, maxBlocks, scale, 1,
                        queryTile, KEY_TILE, KvStorage.FP32, flags, window, cap, layer));
            }
        }
        return tasks;
    }

    // ---------------------------------------------------------------- costs, from the lengths after a step

    /**
     * What layer {@code layer}'s task of {@code kind} must move and compute in a step after which the sequences hold
     * {@code seqLens} tokens, {@code newTokens} of them new ({@link StepCosts#cost}). Only kinds that
     * {@link StepTask#hasCost()}.
     */
    public TaskCost cost(StepTask kind, int layer, int[] seqLens, int[] newTokens) {
        return costs.cost(kind, layer, seqLens, newTokens);
    }

    /** Bytes of K and V the attention of a step must read: every layer, the keys each advancing sequence's rows see. */
    public long kvBytesRead(int[] seqLens, int[] newTokens) {
        return costs.kvBytesRead(seqLens, newTokens);
    }

    /** Floating-point operations of a step's attention: {@code QK^T} and {@code PV} over the visible keys, all layers. */
    public long attentionFlops(int[] seqLens, int[] newTokens) {
        return costs.attentionFlops(seqLens, newTokens);
    }

    /** (query, key) pairs of one head when the last {@code queries} of {@code keys} tokens attend causally. */
    public static long visiblePairs(long queries, long keys) {
        return StepCosts.visiblePairs(queries, keys);
    }

    @Override
    public String toString() {
        return phase.name().toLowerCase(java.util.Locale.ROOT) + " of " + tokens + " token" + (tokens == 1 ? "" : "s")
                + ", " + variant + ", " + slices + " slice" + (slices == 1 ? "" : "s")
                + (launch == null ? "" : ", " + launch.layout() + " layout");
    }
}
