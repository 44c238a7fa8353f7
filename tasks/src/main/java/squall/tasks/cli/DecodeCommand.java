package squall.tasks.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import squall.kernels.AttentionOptions;
import squall.runtime.Device;
import squall.tasks.BandwidthProbe;
import squall.tasks.AttentionVariant;
import squall.tasks.DecodeGraph;
import squall.tasks.KvCacheShape;
import squall.tasks.StepPlan;
import squall.tasks.KvCache;
import squall.tasks.KvDtype;
import squall.tasks.ModelPreset;
import squall.tasks.Peak;
import squall.tasks.WorkGroupDecode;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code squall decode}: decode steps of a model against a KV cache filled with a random context, on a
 * device, measured. The cache (every layer, seeded random K/V) is uploaded once; each step sends the
 * new token's queries and K/V rows and the lengths, appends to the cache on the device, attends, and
 * brings back the output. The first step also pays the kernel build and the cache upload, so the report
 * gives it apart from the steady state (the steps after it).
 *
 * <pre>{@code
 * scripts/squall decode --model llama3-8b --context 4096 --steps 64 --kv-dtype fp16 --device opencl:0
 * scripts/squall decode --model mistral-7b --context 1024 --steps 16 --layers 1 --json
 * }</pre>
 */
@Command(name = "decode", sortOptions = false,
        description = {"Decodes --steps tokens for --batch sequences of a model preset against a KV cache filled with"
                + " --context random tokens, and reports per step: attention time on the device, KV bytes read,"
                + " GB/s, bytes to and from the device; the first step (kernel build, cache upload) apart."})
final class DecodeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--context", required = true, paramLabel = "<tokens>", description = "Tokens in each sequence's cache before the first step.")
    int context;

    @Option(names = "--steps", required = true, paramLabel = "<n>", description = "Decode steps (tokens appended per sequence).")
    int steps;

    @Mixin
    CacheOptions options;

    @Mixin
    AttentionFlags attention;

    @Option(names = "--variant", paramLabel = "<variant>", converter = LowerCaseEnums.VariantConverter.class,
            description = "broadcast, workgroup, gather or repeat; default workgroup on GPUs, broadcast elsewhere.")
    AttentionVariant variant;

    @Option(names = "--slices", paramLabel = "<n>",
            description = "Split-KV slices per sequence (broadcast and workgroup); default enough to fill the device.")
    Integer slices;

    @Option(names = "--layout", paramLabel = "<layout>", converter = LowerCaseEnums.LayoutConverter.class,
            description = "Memory walk of the workgroup variant: coalesced (GPUs) or contiguous (CPUs); default the one measured faster on the device (once, remembered).")
    WorkGroupDecode.Layout layout;

    @Override
    public Integer call() {
        Logger log = LoggerFactory.getLogger(DecodeCommand.class);
        ModelPreset model = options.preset();
        int layers = options.layers(model);
        int batch = options.batch();
        KvDtype dtype = options.dtype(model);
        List<AttentionOptions> layerOptions = CacheRuns.layerOptions(model, layers, attention);
        if (context < 1) {
            throw new BadInputException("--context", "must be >= 1 token, got " + context);
        }
        if (steps < 1) {
            throw new BadInputException("--steps", "must be >= 1, got " + steps);
        }
        long capacity = (long) context + steps;
        if (capacity > Integer.MAX_VALUE) {
            throw new BadInputException("--context", "context + steps = " + capacity + " tokens is more than a sequence"
                    + " can hold (" + Integer.MAX_VALUE + ")");
        }
        int blockSize = options.blockSize(capacity);
        Device device = options.device();
        StepPlan.Options asked;
        try {
            asked = new StepPlan.Options(variant, slices, layout, layerOptions);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("--slices", "must be >= 1, got " + slices);
        }
        KvCacheShape shape = KvCacheShape.forBatch(model, layers, dtype, blockSize, batch, capacity);
        StepPlan plan = StepPlan.of(shape, capacity, device, StepPlan.Phase.DECODE, 1, asked);
        String why = variant != null ? "" : " (the default on " + device.id() + ")";
        if (layout != null && plan.variant() != AttentionVariant.WORKGROUP) {
            throw new BadInputException("--layout", "applies to the workgroup variant only; this run uses " + plan.variant()
                    + why);
        }
        if (slices != null && slices > 1 && !plan.variant().splitsKv()) {
            throw new BadInputException("--slices", "the " + plan.variant() + " variant" + why + " does not split the KV;"
                    + " split-KV is for broadcast and workgroup");
        }
        String rerun = "scripts/squall decode --model " + model.id() + " --context " + context + " ...";
        RunMemory memory = RunMemory.of(plan, new RunMemory.Options("--context", null));
        memory.requireFits(rerun);
        memory.requireFitsDevice(device);

        // before the cache takes the heap: measuring the first time sums a 1 GiB buffer
        Peak peak = options.peak ? CacheRuns.measured(device, BandwidthProbe::peak) : null;
        PrintWriter err = spec.commandLine().getErr();
        KvCache cache = CacheRuns.allocate(memory, "--context", rerun,
                () -> KvCache.forBatch(model, layers, dtype, blockSize, batch, (int) capacity));
        long fillStart = System.nanoTime();
        try (Progress bar = Progress.start(err, options.progress, "filling KV cache", (long) batch * layers, "layer")) {
            for (int s = 0; s < batch; s++) {
                cache.fillRandom(s, context, options.seed, bar.stepper());
            }
        }
        long fillNanos = System.nanoTime() - fillStart;
        log.info("filled {} of KV cache in {} ms", Bytes.binary(memory.cacheBytes()), fillNanos / 1_000_000);

        String where = "decode (" + plan.variant() + ") on device " + device.id();
        List<StepCost> costs = new ArrayList<>();
        Map<String, Object> checked = new LinkedHashMap<>();
        try (DecodeGraph decode = DecodeGraph.builder(cache).plan(plan).profiling(true).build();
             Progress bar = Progress.start(err, options.progress, "decode", steps, "step")) {
            SplittableRandom random = new SplittableRandom(options.seed ^ 0x5DEECE66DL);
            for (int step = 0; step < steps; step++) {
                costs.add(StepCost.of(CacheRuns.step(decode, random.nextLong(), where, "step", step), 0));
                bar.step();
            }
            if (options.check) {
                CacheRuns.check(checked, decode, cache);
            }
        }
        Map<String, Object> report = report(plan, device, memory, fillNanos, costs);
        CacheRuns.putRun(report, layerOptions, checked);
        if (peak != null) {
            CacheRuns.putPeak(report, peak, "read bandwidth", "GB/s", (Double) report.get("gbps"));
        }
        return CacheRuns.print(spec.commandLine().getOut(), options.json, report, out -> printText(out, report, costs));
    }

    private Map<String, Object> report(StepPlan plan, Device device, RunMemory memory, long fillNanos,
                                       List<StepCost> costs) {
        KvCacheShape shape = plan.shape();
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("command", "decode");
        CacheRuns.putDevice(r, device);
        CacheRuns.putModel(r, shape.model(), shape.layers());
        r.put("context", context);
        r.put("steps", steps);
        r.put("batch", shape.sequences());
        r.put("kv_dtype", shape.dtype().toString());
        r.put("block_size", shape.blockSize());
        r.put("variant", plan.variant().toString());
        r.put("slices", plan.slices());
        r.put("layout", plan.layout() == null ? null : plan.layout().toString());
        r.put("seed", options.seed);
        r.put("cache_bytes", memory.cacheBytes());
        r.put("fill_ms", fillNanos / 1e6);
        List<StepCost> steady = costs.subList(1, costs.size());
        r.put("steady_state_steps", steady.size());
        boolean any = !steady.isEmpty();
        Stats ms = any ? StepCost.stats(steady, StepCost::attentionMillis) : null;
        Stats wall = any ? StepCost.stats(steady, StepCost::wallMillis) : null;
        Stats gbps = any ? StepCost.stats(steady, StepCost::gigabytesPerSecond) : null;
        r.put("ms_per_step", any ? ms.mean() : null);
        r.put("ms_per_step_median", any ? ms.median() : null);
        r.put("wall_ms_per_step", any ? wall.mean() : null);
        r.put("wall_ms_per_step_median", any ? wall.median() : null);
        r.put("kv_bytes_per_step", any ? StepCost.meanBytes(steady, StepCost::kvBytes) : null);
        // bytes over time of the whole steady state: the mean step's rate, not the mean of the rates
        long attentionNanos = StepCost.sum(steady, StepCost::attentionNanos);
        r.put("gbps", any && attentionNanos > 0 ? (double) StepCost.sum(steady, StepCost::kvBytes) / attentionNanos : null);
        r.put("gbps_median", any ? gbps.median() : null);
        r.put("h2d_bytes_per_step", any ? StepCost.meanBytes(steady, StepCost::h2dBytes) : null);
        r.put("d2h_bytes_per_step", any ? StepCost.meanBytes(steady, StepCost::d2hBytes) : null);
        r.put("compile_ms", StepCost.sum(costs, StepCost::compileNanos) / 1e6);
        r.put("first_step", costs.getFirst().json());
        // every steady step's own figures: medians hide a device that is fast only in some steps
        r.put("per_step", steady.stream().map(StepCost::json).toList());
        return r;
    }

    private void printText(PrintWriter out, Map<String, Object> r, List<StepCost> costs) {
        CacheRuns.printHeader(out, r);
        out.printf(Locale.ROOT, "cache:       batch %d x %,d context tokens (room for %,d more), %s, blocks of %d tokens:"
                        + " %s on the heap, filled in %.0f ms%n", r.get("batch"), context, steps, r.get("kv_dtype"),
                r.get("block_size"), Bytes.binary((long) r.get("cache_bytes")), (double) r.get("fill_ms"));
        out.printf(Locale.ROOT, "options:     %s%n", r.get("attention"));
        out.printf(Locale.ROOT, "run:         %s variant, %s%s, %d step%s%n", r.get("variant"),
                r.get("slices").equals(1) ? "1 slice" : r.get("slices") + " slices (split-KV)",
                r.get("layout") == null ? "" : ", " + r.get("layout") + " layout", steps, steps == 1 ? "" : "s");
        StepCost first = costs.getFirst();
        CacheRuns.printFirst(out, "first step", first);
        List<StepCost> steady = costs.subList(1, costs.size());
        if (steady.isEmpty()) {
            out.println("steady state: none: --steps 1 runs only the first step; give --steps 2 or more");
        } else {
            out.println();
            TextTable table = new TextTable("steady state, " + steady.size() + " step" + (steady.size() == 1 ? "" : "s"),
                    "MEAN", "MEDIAN", "MIN", "MAX").alignRight(1, 2, 3, 4);
            CacheRuns.statsRow(table, "attention ms/step", StepCost.stats(steady, StepCost::attentionMillis), "%.3f");
            CacheRuns.statsRow(table, "wall ms/step", StepCost.stats(steady, StepCost::wallMillis), "%.3f");
            CacheRuns.statsRow(table, "KV read GB/s", StepCost.stats(steady, StepCost::gigabytesPerSecond), "%.2f");
            table.print(out);
            out.println();
            out.printf(Locale.ROOT, "KV read per step:     %s bytes (%s; K and V of every layer and cached token a row sees)%n",
                    KvSizeCommand.grouped((long) r.get("kv_bytes_per_step")),
                    Bytes.binary((long) r.get("kv_bytes_per_step")));
            out.printf(Locale.ROOT, "to device per step:   %s bytes (queries, new K/V rows, lengths)%s%n",
                    KvSizeCommand.grouped((long) r.get("h2d_bytes_per_step")), CacheRuns.sharedNote(r));
            out.printf(Locale.ROOT, "from device per step: %s bytes (output)%n",
                    KvSizeCommand.grouped((long) r.get("d2h_bytes_per_step")));
        }
        CacheRuns.printCheck(out, r);
        CacheRuns.printPeak(out, r, 22);
        out.printf(Locale.ROOT, "compile:              %.2f ms on %s%n", (double) r.get("compile_ms"), r.get("device"));
        out.flush();
    }
}
