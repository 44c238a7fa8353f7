package squall.tasks;

import squall.kernels.KvStorage;
import squall.kernels.PagedAttentionKernels;
import squall.kernels.SplitKv;
import squall.runtime.DataTransferMode;
import squall.runtime.Device;
import squall.runtime.ExecutionPlan;
import squall.runtime.ExclusiveUse;
import squall.runtime.ExecutionResult;
import squall.runtime.GridScheduler;
import squall.runtime.TaskCost;
import squall.runtime.TaskGraph;

import java.util.ArrayList;
import java.util.List;

/**
 * The engine of {@link DecodeGraph} and {@link PrefillGraph}: one task graph that, for every layer,
 * appends {@code tokens} new K/V rows per sequence to the cache on the device and attends the new
 * queries to the cache. The cache and block table are device-resident ({@code FIRST_EXECUTION});
 * each step sends only the queries, the new K/V rows and the sequence lengths, and brings back the
 * output. Lengths advance only when a step succeeds, so a failed step leaves the cache as it was.
 */
final class CacheStep implements AutoCloseable {

    /** Keys per tile of the online softmax in the @Parallel kernels (a tile also ends where its page ends). */
    static final int KEY_TILE = 64;

    private final KvCache cache;
    private final int tokens;
    private final AttentionVariant variant;
    private final int slices;
    private final WorkGroupDecode.Launch launch;
    private final int B, L, Hq, Hkv, D;
    private final float[] q, kNew, vNew, out;
    private final int[] seqLens;
    private final List<Object> caches = new ArrayList<>();
    private final ExecutionPlan plan;
    private final ExclusiveUse use;
    private long tableVersion = -1;

    CacheStep(String name, KvCache cache, int tokens, Device device, AttentionVariant variant, int slices,
              WorkGroupDecode.Layout layout, boolean profiling) {
        ModelPreset m = cache.model();
        this.cache = cache;
        this.tokens = tokens;
        this.variant = variant;
        this.B = cache.batch();
        this.L = cache.layers();
        this.Hq = m.queryHeads();
        this.Hkv = m.kvHeads();
        this.D = m.headDim();
        for (int s = 0; s < B; s++) {
            if (!cache.isAdmitted(s)) {
                throw new IllegalArgumentException("sequence slot " + s + " is empty: every slot of the cache takes part"
                        + " in a step, so admit a sequence there or make a cache with fewer slots");
            }
        }
        if (variant == AttentionVariant.WORKGROUP && tokens != 1) {
            throw new IllegalArgumentException("the workgroup variant is for decode (1 token per step), not " + tokens);
        }
        if (slices < 1) {
            throw new IllegalArgumentException("slices must be >= 1, got " + slices);
        }
        this.slices = variant == AttentionVariant.BROADCAST || variant == AttentionVariant.WORKGROUP ? slices : 1;
        WorkGroupDecode.Launch planned = WorkGroupDecode.plan(device, B, Hkv, m.groupSize(), D).withSlices(this.slices);
        this.launch = layout == null ? planned : planned.withLayout(layout);
        this.use = new ExclusiveUse("this " + name + " graph");

        q = new float[L * B * Hq * tokens * D];
        out = new float[q.length];
        kNew = new float[L * B * Hkv * tokens * D];
        vNew = new float[kNew.length];
        seqLens = new int[B];
        cache.attach(this, name);
        try {
            GridScheduler grids = new GridScheduler();
            plan = new ExecutionPlan(graph(name, grids)).withDevice(device).withGridScheduler(grids);
            if (profiling) {
                plan.withProfiler();
            }
        } catch (RuntimeException | Error e) {
            cache.detach(this);
            throw e;
        }
    }

    private TaskGraph graph(String name, GridScheduler grids) {
        int storage = cache.dtype().storage();
        int BS = cache.blockSize();
        int maxBlocks = cache.maxBlocksPerSequence();
        int G = Hq / Hkv;
        float scale = (float) (1 / Math.sqrt(D));
        int[] table = cache.tableArray();
        for (int l = 0; l < L; l++) {
            caches.add(cache.keys(l));
            caches.add(cache.values(l));
        }
        List<Object> resident = new ArrayList<>(caches);
        resident.add(table);
        float[] partials = new float[slices == 1 ? 1 : B * Hq * tokens * slices * (D + 2)];
        TaskGraph graph = new TaskGraph(name)
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, resident.toArray())
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, q, kNew, vNew, seqLens)
                .transferToHost(DataTransferMode.UNDER_DEMAND, caches.toArray())
                .transferToHost(DataTransferMode.UNDER_DEMAND, partials);
        int[] kRep = null, vRep = null;
        if (variant == AttentionVariant.REPEAT) {
            kRep = new int[cache.numBlocks() * Hq * BS * D];
            vRep = new int[kRep.length];
            graph.transferToHost(DataTransferMode.UNDER_DEMAND, kRep, vRep);
        }
        for (int l = 0; l < L; l++) {
            int[] k = cache.keys(l), v = cache.values(l);
            graph.task("append" + l, PagedAttentionKernels::appendKv, kNew, vNew, k, v, table, seqLens,
                    B, Hkv, tokens, D, BS, maxBlocks, storage, l);
            String attend = "attend" + l;
            switch (variant) {
                case BROADCAST -> {
                    graph.task(attend, PagedAttentionKernels::attendPaged, q, k, v, table, seqLens, out, partials,
                            B, Hkv, G, tokens, D, BS, maxBlocks, scale, slices, Attention.queryBlock(G, D, tokens),
                            KEY_TILE, storage, l);
                    if (slices > 1) {
                        graph.task(attend + "Combine", SplitKv::combineSlices, partials, out,
                                B * Hq * tokens, slices, D, l * B * Hq * tokens);
                    }
                }
                case WORKGROUP -> launch.addTasks(graph, grids, attend, q, k, v, table, seqLens, out, partials,
                        BS, maxBlocks, scale, storage, l);
                case GATHER -> graph.task(attend, PagedAttentionKernels::attendPagedGather, q, k, v, table, seqLens, out,
                        B, Hkv, G, tokens, D, BS, maxBlocks, scale, KEY_TILE, storage, l);
                case REPEAT -> graph
                        .task("repeat" + l, PagedAttentionKernels::repeatKv, k, v, kRep, vRep, table, seqLens,
                                B, Hkv, G, D, BS, maxBlocks, storage)
                        .task(attend, PagedAttentionKernels::attendPaged, q, kRep, vRep, table, seqLens, out, partials,
                                B, Hq, 1, tokens, D, BS, maxBlocks, scale, 1, Attention.queryBlock(1, D, tokens),
                                KEY_TILE, KvStorage.FP32, l);
            }
        }
        declareCosts(graph, G);
        return graph.transferToHost(DataTransferMode.EVERY_EXECUTION, out);
    }

    /**
     * What each task must move and compute, from the lengths of the step being run: attention reads
     * the layer's cache in use once (what an ideal kernel reads) plus the queries, writes the output,
     * and does 4 D flops per (query head, visible key) pair.
     */
    private void declareCosts(TaskGraph graph, int G) {
        long kvBytesPerToken = 2L * Hkv * D * cache.dtype().bytes();
        long rowBytes = 4L * B * Hq * tokens * D;
        for (int l = 0; l < L; l++) {
            graph.cost("append" + l, () -> new TaskCost(2L * 4 * B * Hkv * tokens * D, (long) B * tokens * kvBytesPerToken, 0));
            graph.cost("attend" + l, () -> new TaskCost(cachedTokens() * kvBytesPerToken + rowBytes, rowBytes,
                    4L * Hq * D * visiblePairs()));
            if (variant == AttentionVariant.REPEAT) {
                graph.cost("repeat" + l, () -> new TaskCost(cachedTokens() * kvBytesPerToken,
                        cachedTokens() * 2L * Hkv * G * D * 4, 0));
            }
        }
    }

    /** Tokens in the cache during the step being run, all sequences. */
    private long cachedTokens() {
        long n = 0;
        for (int length : seqLens) {
            n += length;
        }
        return n;
    }

    /** (query row, visible key) pairs per head: each of the {@code tokens} new rows sees the keys up to itself. */
    private long visiblePairs() {
        long pairs = 0;
        for (int length : seqLens) {
            pairs += (long) tokens * length - (long) tokens * (tokens - 1) / 2;
        }
        return pairs;
    }

    /** Copies the caller's inputs in after checking their sizes and values, then runs the step. */
    StepResult run(float[] queries, float[] newKeys, float[] newValues) {
        try (ExclusiveUse.Scope ignored = use.enter("step(q, kNew, vNew)")) {
            requireShape("q", queries, q, Hq);
            requireShape("kNew", newKeys, kNew, Hkv);
            requireShape("vNew", newValues, vNew, Hkv);
            requireFinite("q", queries, Hq);
            requireFinite("kNew", newKeys, Hkv);
            requireFinite("vNew", newValues, Hkv);
            System.arraycopy(queries, 0, q, 0, q.length);
            System.arraycopy(newKeys, 0, kNew, 0, kNew.length);
            System.arraycopy(newValues, 0, vNew, 0, vNew.length);
            return runChecked();
        }
    }

    private String layout(int heads) {
        return "[layers, batch, " + (heads == Hq ? "Hq" : "Hkv") + ", " + (tokens == 1 ? "" : "tokens, ") + "D]";
    }

    private void requireShape(String name, float[] given, float[] into, int heads) {
        if (given == null || given.length != into.length) {
            throw new IllegalArgumentException(name + " must hold " + L + " x " + B + " x " + heads + " x "
                    + (tokens == 1 ? "" : tokens + " x ") + D + " = " + into.length + " floats " + layout(heads) + ", got "
                    + (given == null ? "null" : given.length));
        }
    }

    /** Fails naming the first non-finite value: one NaN appended to the cache would poison every later step. */
    private void requireFinite(String name, float[] values, int heads) {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                int d = i % D, rest = i / D;
                int t = rest % tokens;
                rest /= tokens;
                int h = rest % heads;
                rest /= heads;
                throw new IllegalArgumentException(name + " has a non-finite value (" + values[i] + ") at [layer "
                        + rest / B + ", sequence " + rest % B + ", head " + h + (tokens == 1 ? "" : ", token " + t)
                        + ", " + d + "]");
            }
        }
    }

    /**
     * Runs one step on the inputs in {@link #queries()}, {@link #newKeys()} and {@link #newValues()}, checked as
     * {@link #run(float[], float[], float[])} checks its arguments.
     */
    StepResult run() {
        try (ExclusiveUse.Scope ignored = use.enter("step()")) {
            requireFinite("newKeys()", kNew, Hkv);
            requireFinite("newValues()", vNew, Hkv);
            requireFinite("queries()", q, Hq);
            return runChecked();
        }
    }

    private StepResult runChecked() {
        for (int s = 0; s < B; s++) {
            if (!cache.isAdmitted(s)) {
                throw new IllegalStateException("sequence " + s + " was released; rebuild the graph for the new batch");
            }
            if (cache.length(s) + tokens > cache.capacity(s)) {
                throw new IllegalStateException("sequence " + s + ": " + (cache.length(s) + tokens) + " tokens would"
                        + " exceed its capacity of " + cache.capacity(s));
            }
        }
        if (cache.tableVersion() != tableVersion) {
            cache.requireValidTable();
            plan.refreshOnDevice(cache.tableArray());
            tableVersion = cache.tableVersion();
        }
        for (int s = 0; s < B; s++) {
            seqLens[s] = cache.length(s) + tokens;
        }
        long start = System.nanoTime();
        ExecutionResult result = plan.execute();
        long wall = System.nanoTime() - start;
        cache.grow(tokens);
        return new StepResult(result.isProfiled() ? result.profilerResult() : null, wall, kvBytesRead());
    }

    /** Bytes of K and V the attention of this step had to read: every layer, every sequence's tokens. */
    private long kvBytesRead() {
        long tokensRead = 0;
        for (int s = 0; s < B; s++) {
            tokensRead += seqLens[s];
        }
        return 2L * L * tokensRead * Hkv * D * cache.dtype().bytes();
    }

    /** Copies the device's cache into the host arrays of {@link KvCache}. */
    void downloadCache() {
        try (ExclusiveUse.Scope ignored = use.enter("downloadCache()")) {
            plan.transferToHost(caches.toArray());
        }
    }

    float[] queries() {
        return q;
    }

    float[] newKeys() {
        return kNew;
    }

    float[] newValues() {
        return vNew;
    }

    float[] output() {
        return out;
    }

    int slices() {
        return slices;
    }

    WorkGroupDecode.Layout layout() {
        return variant == AttentionVariant.WORKGROUP ? launch.layout() : null;
    }

    ExecutionPlan plan() {
        return plan;
    }

    @Override
    public void close() {
        try (ExclusiveUse.Scope ignored = use.enter("close()")) {
            try {
                plan.close();
            } finally {
                cache.detach(this);
            }
        }
    }
}
