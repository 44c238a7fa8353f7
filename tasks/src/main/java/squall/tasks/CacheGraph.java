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
 */
public abstract sealed class CacheGraph implements AutoCloseable permits DecodeGraph, PrefillGraph {

    private final KvCache cache;
    private final StepPlan plan;
    private final StepInputs inputs;
    private final int[] seqLens;
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
        for (int s = 0; s < cache.batch(); s++) {
            if (!cache.isAdmitted(s)) {
                throw new IllegalArgumentException("sequence slot " + s + " is empty: every slot of the cache takes part"
                        + " in a step, so admit a sequence there or make a cache with fewer slots");
            }
        }
        this.cache = cache;
        this.plan = plan;
        this.use = new ExclusiveUse("this " + name + " graph");
        this.inputs = new StepInputs(plan);
        this.seqLens = new int[cache.batch()];
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
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, inputs.queries, inputs.newKeys, inputs.newValues, seqLens)
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
                inputs.output, partials, seqLens, table, keyCopy, valueCopy, slopes, sinks);
        for (int l = 0; l < cache.layers(); l++) {
            int layer = l;
            for (TaskLaunch task : plan.tasks(l, arrays, cache.keys(l), cache.values(l))) {
                task.addTo(graph);
                StepTask kind = StepTask.of(task.name());
                if (kind.isAttention()) {
                    attentionTasks.add(task.name());
                }
                if (kind.hasCost()) {
                    graph.cost(task.name(), () -> plan.cost(kind, layer, seqLens));
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
            return run();
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
            return run();
        }
    }

    private StepResult run() {
        int tokens = plan.tokens();
        for (int s = 0; s < cache.batch(); s++) {
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
            execution.refreshOnDevice(cache.tableArray());
            tableVersion = cache.tableVersion();
        }
        for (int s = 0; s < cache.batch(); s++) {
            seqLens[s] = cache.length(s) + tokens;
        }
        long start = System.nanoTime();
        ExecutionResult result = execution.execute();
        long wall = System.nanoTime() - start;
        cache.grow(tokens);
        return StepResult.of(result.isProfiled() ? result.profilerResult() : null, wall, attentionTasks,
                plan.kvBytesRead(seqLens), plan.attentionFlops(seqLens));
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
