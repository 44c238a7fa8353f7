package squall.tasks;

import squall.runtime.DataTransferMode;
import squall.runtime.ExclusiveUse;
import squall.runtime.ExecutionPlan;
import squall.runtime.ExecutionResult;
import squall.runtime.TaskGraph;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What {@link DecodeGraph} and {@link PrefillGraph} share: one task graph that, for every layer, appends
 * {@code tokens} new K/V rows per sequence to a {@link KvCache} on the device and attends the new queries to the
 * cache, as its {@link StepPlan} says. Inputs and outputs are {@code [layers, batch, heads, tokens, D]} (decode:
 * tokens = 1). The cache and block table are device-resident ({@code FIRST_EXECUTION}); each step sends only the
 * queries, the new K/V rows and the sequence lengths, and brings back the output. Lengths advance only when a step
 * succeeds, so a failed step leaves the cache as it was.
 *
 * <p>Steps are ragged: {@link #step(int[])} says how many of its {@code tokens} rows each sequence brings, from 0
 * (it sits the step out) to {@code tokens}, so one prefill step can carry one sequence's prompt chunk beside other
 * sequences' single decode tokens, as chunked-prefill servers mix them. Between steps, sequences may be admitted
 * and released in the {@link KvCache} without rebuilding the graph: an empty slot sits every step out, and the block
 * table goes to the device again only when it changed. Rows a sequence did not bring are zero in {@link #output()}.
 *
 * <pre>{@code
 * KvCache cache = new KvCache(llama, layers, KvDtype.FP16, 256, 1024, 8, 32);   // 8 slots, a pool of 1024 blocks
 * try (PrefillGraph step = PrefillGraph.builder(cache, 64).device(Devices.get("opencl:0")).build()) {
 *     int a = cache.admitOnDemand(8192), b = cache.admitOnDemand(8192);
 *     int[] counts = new int[cache.batch()];
 *     counts[a] = 64;                 // a's next prompt chunk
 *     counts[b] = 1;                  // b decodes one token in the same step
 *     step.step(counts);              // fill step.queries() [layers, batch, Hq, 64, D] etc. first
 *     cache.release(a);               // its blocks go back to the pool; the graph goes on
 * }
 * }</pre>
 */
public abstract sealed class CacheGraph implements AutoCloseable permits DecodeGraph, PrefillGraph {

    private final KvCache cache;
    private final StepPlan plan;
    private final StepInputs inputs;
    private final int[] seqLens;
    /** The tokens each sequence brings to the current step; the last step's after it. */
    private final int[] newTokens;
    private final List<Object> caches = new ArrayList<>();
    /** The tasks whose device time is attention time ({@link StepTask#isAttention()}). */
    private final Set<String> attentionTasks = new HashSet<>();
    private final ExecutionPlan execution;
    private final ExclusiveUse use;
    private long tableVersion = -1;

    CacheGraph(String name, KvCache cache, StepPlan plan, boolean profiling) {
        if (!plan.shape().equals(cache.shape())) {
            throw new IllegalArgumentException("the step plan was made for a cache of " + plan.shape() + ", not this one of "
                    + cache.shape());
        }
        this.cache = cache;
        this.plan = plan;
        this.use = new ExclusiveUse("this " + name + " graph");
        this.inputs = new StepInputs(plan);
        this.seqLens = new int[cache.batch()];
        this.newTokens = new int[cache.batch()];
        cache.attach(this, name);
        try {
            execution = new ExecutionPlan(graph(name)).withDevice(plan.device());
            if (profiling) {
                execution.withProfiler();
            }
        } catch (RuntimeException | Error e) {
            cache.detach(this);
            throw e;
        }
    }

    private TaskGraph graph(String name) {
        int[] table = cache.tableArray();
        for (int l = 0; l < cache.layers(); l++) {
            caches.add(cache.keys(l));
            caches.add(cache.values(l));
        }
        List<Object> resident = new ArrayList<>(caches);
        resident.add(table);
        // one placeholder for every layer without slopes or sinks, a copy of its own for each layer with them
        float[] none = new float[1];
        float[][] slopes = plan.perHeadArrays(true, none), sinks = plan.perHeadArrays(false, none);
        resident.add(none);
        for (float[][] perLayer : new float[][][] {slopes, sinks}) {
            for (float[] a : perLayer) {
                if (a != none) {
                    resident.add(a);
                }
            }
        }
        float[] partials = new float[Math.toIntExact(plan.partialsFloats())];
        TaskGraph graph = new TaskGraph(name)
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, resident.toArray())
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, inputs.queries, inputs.newKeys, inputs.newValues, seqLens,
                        newTokens)
                .transferToHost(DataTransferMode.UNDER_DEMAND, caches.toArray())
                .transferToHost(DataTransferMode.UNDER_DEMAND, partials);
        int[] keyCopy = null, valueCopy = null;
        if (plan.repeatInts() > 0) {
            // The repeat variant's copies live on the device only: never copied unless asked for.
            keyCopy = new int[Math.toIntExact(plan.repeatInts())];
            valueCopy = new int[keyCopy.length];
            graph.transferToHost(DataTransferMode.UNDER_DEMAND, keyCopy, valueCopy);
        }
        StepPlan.TaskArrays arrays = new StepPlan.TaskArrays(inputs.queries, inputs.newKeys, inputs.newValues,
                inputs.output, partials, seqLens, newTokens, table, keyCopy, valueCopy, slopes, sinks);
        for (int l = 0; l < cache.layers(); l++) {
            int layer = l;
            for (TaskLaunch task : plan.tasks(l, arrays, cache.keys(l), cache.values(l))) {
                task.addTo(graph);
                StepTask kind = StepTask.of(task.name());
                if (kind.isAttention()) {
                    attentionTasks.add(task.name());
                }
                if (kind.hasCost()) {
                    graph.cost(task.name(), () -> plan.cost(kind, layer, seqLens, newTokens));
                }
            }
        }
        return graph.transferToHost(DataTransferMode.EVERY_EXECUTION, inputs.output);
    }

    /**
     * Runs a step on the inputs already in {@link #queries()}, {@link #newKeys()}, {@link #newValues()}, checked for
     * finite values as {@link #step(float[], float[], float[])} checks its arguments, before anything reaches the device.
     */
    public StepResult step() {
        try (ExclusiveUse.Scope ignored = use.enter("step()")) {
            inputs.requireFinite();
            return run(everyAdmitted());
        }
    }

    /**
     * Runs a ragged step on the inputs already in {@link #queries()}, {@link #newKeys()}, {@link #newValues()}:
     * sequence {@code s} brings the first {@code newTokens[s]} of its {@code tokens} rows, 0 to sit the step out (an
     * empty slot must). Checked before anything reaches the device, as {@link #step()} is; the blocks the new tokens
     * need come from the cache's pool ({@link KvCache#admitOnDemand}), or the step fails with an
     * {@link OutOfBlocksException} and changes nothing.
     */
    public StepResult step(int[] newTokens) {
        try (ExclusiveUse.Scope ignored = use.enter("step(newTokens)")) {
            inputs.requireFinite();
            return run(newTokens);
        }
    }

    /**
     * Runs a step on these inputs: {@code q [layers, batch, Hq, tokens, D]},
     * {@code kNew, vNew [layers, batch, Hkv, tokens, D]}, checked (size, finite values) before anything
     * reaches the device.
     */
    public StepResult step(float[] q, float[] kNew, float[] vNew) {
        try (ExclusiveUse.Scope ignored = use.enter("step(q, kNew, vNew)")) {
            inputs.copyIn(q, kNew, vNew);
            return run(everyAdmitted());
        }
    }

    /** {@link #step(int[])} on these inputs, checked and copied in as {@link #step(float[], float[], float[])} does. */
    public StepResult step(float[] q, float[] kNew, float[] vNew, int[] newTokens) {
        try (ExclusiveUse.Scope ignored = use.enter("step(q, kNew, vNew, newTokens)")) {
            inputs.copyIn(q, kNew, vNew);
            return run(newTokens);
        }
    }

    /** A step's counts when every admitted sequence brings all {@code tokens} rows and empty slots none. */
    private int[] everyAdmitted() {
        int[] counts = new int[cache.batch()];
        for (int s = 0; s < counts.length; s++) {
            counts[s] = cache.isAdmitted(s) ? plan.tokens() : 0;
        }
        return counts;
    }

    /** Fails, naming the sequence and the limit, unless every count fits its slot; changes nothing. */
    private void requireCounts(int[] counts) {
        if (counts == null || counts.length != cache.batch()) {
            throw new IllegalArgumentException("newTokens must hold one count per sequence slot: " + cache.batch()
                    + ", got " + (counts == null ? "null" : counts.length));
        }
        int tokens = plan.tokens();
        boolean any = false;
        for (int s = 0; s < counts.length; s++) {
            if (counts[s] < 0 || counts[s] > tokens) {
                throw new IllegalArgumentException("newTokens[" + s + "] must be in [0, " + tokens + "] (the step's rows"
                        + " per sequence), got " + counts[s]);
            }
            if (counts[s] > 0 && !cache.isAdmitted(s)) {
                throw new IllegalStateException("newTokens[" + s + "] = " + counts[s] + ", but slot " + s + " is empty:"
                        + " admit a sequence there first (KvCache.admit or admitOnDemand)");
            }
            if (counts[s] > 0 && (long) cache.length(s) + counts[s] > cache.capacity(s)) {
                throw new IllegalStateException("sequence " + s + ": " + ((long) cache.length(s) + counts[s])
                        + " tokens would exceed its capacity of " + cache.capacity(s));
            }
            any |= counts[s] > 0;
        }
        if (!any) {
            boolean admitted = java.util.stream.IntStream.range(0, counts.length).anyMatch(cache::isAdmitted);
            throw new IllegalStateException("no sequence brings a token to this step"
                    + (admitted ? "" : ": no sequence is admitted (KvCache.admit or admitOnDemand)"));
        }
    }

    private StepResult run(int[] counts) {
        requireCounts(counts);
        cache.reserve(counts);
        if (cache.tableVersion() != tableVersion) {
            cache.requireValidTable();
            execution.refreshOnDevice(cache.tableArray());
            tableVersion = cache.tableVersion();
        }
        for (int s = 0; s < cache.batch(); s++) {
            newTokens[s] = counts[s];
            seqLens[s] = cache.isAdmitted(s) ? cache.length(s) + counts[s] : 0;
        }
        long start = System.nanoTime();
        ExecutionResult result = execution.execute();
        long wall = System.nanoTime() - start;
        zeroRowsNotBrought();
        cache.grow(newTokens);
        return StepResult.of(result.isProfiled() ? result.profilerResult() : null, wall, attentionTasks,
                plan.kvBytesRead(seqLens, newTokens), plan.attentionFlops(seqLens, newTokens));
    }

    /**
     * Zeroes the output rows of tokens the sequences did not bring: the kernels leave them (a merge of split-KV
     * slices writes meaningless values there), and a caller reading a whole output should see nothing, not noise.
     */
    private void zeroRowsNotBrought() {
        int tokens = plan.tokens(), D = cache.model().headDim(), Hq = cache.model().queryHeads(), B = cache.batch();
        float[] out = inputs.output;
        for (int l = 0; l < cache.layers(); l++) {
            for (int s = 0; s < B; s++) {
                if (newTokens[s] == tokens) {
                    continue;
                }
                for (int h = 0; h < Hq; h++) {
                    int head = ((l * B + s) * Hq + h) * tokens;
                    java.util.Arrays.fill(out, (head + newTokens[s]) * D, (head + tokens) * D, 0f);
                }
            }
        }
    }

    /** The tokens each sequence brought to the last step (0 for those that sat it out). */
    public int[] lastNewTokens() {
        return newTokens.clone();
    }

    /** The query input, {@code [layers, batch, Hq, tokens, D]}. */
    public float[] queries() {
        return inputs.queries;
    }

    /** The new keys, {@code [layers, batch, Hkv, tokens, D]}. */
    public float[] newKeys() {
        return inputs.newKeys;
    }

    /** The new values, {@code [layers, batch, Hkv, tokens, D]}. */
    public float[] newValues() {
        return inputs.newValues;
    }

    /**
     * Fills the inputs with seeded values drawn uniformly from [-1, 1): the stand-in for a model's activations when
     * measuring, so that every measurement draws them alike. Layer {@code l}'s queries, then its new keys, then its
     * new values come from {@code new SplittableRandom(seed + l)}; layers fill in parallel.
     */
    public void fillInputs(long seed) {
        inputs.fillRandom(seed);
    }

    /** The last step's output, {@code [layers, batch, Hq, tokens, D]}. */
    public float[] output() {
        return inputs.output;
    }

    /** What the graph's step is: variant, slices, layout, tiles, sizes and costs. */
    public StepPlan stepPlan() {
        return plan;
    }

    /** Layer {@code layer}'s sliding window, soft-cap, ALiBi slopes and sinks. */
    public squall.kernels.AttentionOptions layerOptions(int layer) {
        return plan.layerOptions(layer);
    }

    /** Slices each sequence's keys are split into (split-KV); 1 when not split. */
    public int slices() {
        return plan.slices();
    }

    /** The work-group kernel's memory layout, or {@code null} for the other variants. */
    public WorkGroupDecode.Layout layout() {
        return plan.layout();
    }

    /** Copies the device's cache into the {@link KvCache}'s host arrays. */
    public void downloadCache() {
        try (ExclusiveUse.Scope ignored = use.enter("downloadCache()")) {
            execution.transferToHost(caches.toArray());
        }
    }

    /** The plan underneath, for its device and profile. */
    public ExecutionPlan plan() {
        return execution;
    }

    @Override
    public void close() {
        try (ExclusiveUse.Scope ignored = use.enter("close()")) {
            try {
                execution.close();
            } finally {
                cache.detach(this);
            }
        }
    }
}
