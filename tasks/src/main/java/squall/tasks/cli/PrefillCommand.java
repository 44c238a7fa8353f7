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
import squall.tasks.AttentionVariant;
import squall.tasks.FmaProbe;
import squall.tasks.KvCache;
import squall.tasks.KvDtype;
import squall.tasks.ModelPreset;
import squall.tasks.Peak;
import squall.tasks.PrefillGraph;
import squall.tasks.KvCacheShape;
import squall.tasks.StepPlan;
import squall.tasks.StepResult;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code squall prefill}: a prompt of seeded random tokens prefilled into an empty KV cache on a device,
 * all at once or in chunks (chunked prefill: each chunk attends causally to the chunks before it and to
 * itself), measured: attention time on the device, GFLOP/s of the causal attention, compile time and
 * bytes to and from the device.
 *
 * <pre>{@code
 * scripts/squall prefill --model llama3-8b --tokens 2048 --chunk 512 --layers 4 --device opencl:0
 * scripts/squall prefill --model qwen2-7b --tokens 256 --kv-dtype bf16 --json
 * }</pre>
 */
@Command(name = "prefill", sortOptions = false,
        description = {"Prefills --tokens random tokens for --batch sequences of a model preset into an empty KV cache,"
                + " in chunks of --chunk, and reports attention time on the device, GFLOP/s, compile time and bytes"
                + " to and from the device."})
final class PrefillCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--tokens", required = true, paramLabel = "<n>", description = "Prompt tokens per sequence.")
    int tokens;

    @Option(names = "--chunk", paramLabel = "<n>", description = "Tokens per prefill step; must divide --tokens; default all at once.")
    Integer chunk;

    @Option(names = "--warmup", paramLabel = "<n>", defaultValue = "1",
            description = "Untimed prefills of one chunk of one layer before the timed run, so the JVM has compiled"
                    + " its vector code (a cold JVM runs it interpreted at first); default ${DEFAULT-VALUE}, 0 times a"
                    + " cold start.")
    int warmup;

    @Mixin
    CacheOptions options;

    @Mixin
    AttentionFlags attention;

    @Option(names = "--variant", paramLabel = "<variant>", converter = LowerCaseEnums.VariantConverter.class,
            description = "broadcast, gather or repeat (workgroup is a decode kernel); default broadcast.")
    AttentionVariant variant;

    @Override
    public Integer call() {
        Logger log = LoggerFactory.getLogger(PrefillCommand.class);
        ModelPreset model = options.preset();
        int layers = options.layers(model);
        int batch = options.batch();
        KvDtype dtype = options.dtype(model);
        List<AttentionOptions> layerOptions = CacheRuns.layerOptions(model, layers, attention);
        if (tokens < 1) {
            throw new BadInputException("--tokens", "must be >= 1, got " + tokens);
        }
        int blockSize = options.blockSize(tokens);
        int step = chunk != null ? chunk : tokens;
        if (step < 1 || step > tokens) {
            throw new BadInputException("--chunk", "must be in [1, --tokens = " + tokens + "], got " + step);
        }
        if (tokens % step != 0) {
            throw new BadInputException("--chunk", step + " does not divide --tokens " + tokens + " (every step prefills"
                    + " the same number of tokens); choose a divisor, such as " + largestDivisorUpTo(tokens, step));
        }
        if (variant == AttentionVariant.WORKGROUP) {
            throw new BadInputException("--variant", "workgroup is a decode kernel (one token per step); prefill takes"
                    + " broadcast, gather or repeat");
        }
        Device device = options.device();
        StepPlan plan = StepPlan.of(KvCacheShape.forBatch(model, layers, dtype, blockSize, batch, tokens), tokens, device,
                StepPlan.Phase.PREFILL, step, StepPlan.Options.DEFAULTS.withVariant(variant).withLayerOptions(layerOptions));
        AttentionVariant chosen = plan.variant();
        String rerun = "scripts/squall prefill --model " + model.id() + " --tokens " + tokens + " ...";
        RunMemory memory = RunMemory.of(plan, new RunMemory.Options("--tokens", "--chunk"));
        memory.requireFits(rerun);
        memory.requireFitsDevice(device);
        KvCache cache = CacheRuns.allocate(memory, "--tokens", rerun,
                () -> KvCache.forBatch(model, layers, dtype, blockSize, batch, tokens));

        int chunks = tokens / step;
        String where = "prefill (" + chosen + ") on device " + device.id();
        if (warmup < 0) {
            throw new BadInputException("--warmup", "must be >= 0, got " + warmup);
        }
        for (int w = 0; w < warmup; w++) {
            KvCache scratch = KvCache.forBatch(model, 1, dtype, blockSize, batch, step);
            try (PrefillGraph run = PrefillGraph.builder(scratch, step).device(device).variant(chosen).profiling(false).build()) {
                run.step();
            } catch (RuntimeException e) {
                throw new CommandFailedException(where + " failed in its warm-up: " + e.getMessage(), e);
            }
        }
        List<StepCost> costs = new ArrayList<>();
        Map<String, Object> checked = new LinkedHashMap<>();
        // before the cache takes the heap: measuring the first time allocates a buffer of its own
        Peak peak = options.peak ? CacheRuns.measured(device, FmaProbe::peak) : null;
        PrintWriter err = spec.commandLine().getErr();
        try (PrefillGraph prefill = PrefillGraph.builder(cache, step).plan(plan).profiling(true).build();
             Progress bar = Progress.start(err, options.progress, "prefill", chunks, "chunk")) {
            for (int c = 0; c < chunks; c++) {
                StepResult result = CacheRuns.step(prefill, options.seed * 1_000_003L + c * 7919L, where, "chunk", c);
                costs.add(StepCost.of(result, result.attentionFlops()));
                log.info("chunk {}: {} ms", c, costs.getLast().attentionMillis());
                bar.step();
            }
            if (options.check) {
                CacheRuns.check(checked, prefill, cache);
            }
        }
        Map<String, Object> report = report(model, layers, batch, dtype, blockSize, device, chosen, step, memory, costs);
        CacheRuns.putRun(report, layerOptions, checked);
        if (peak != null) {
            CacheRuns.putPeak(report, peak, "FMA throughput", "GFLOP/s", (Double) report.get("gflops"));
        }
        return CacheRuns.print(spec.commandLine().getOut(), options.json, report, out -> printText(out, report, costs));
    }

    private static int largestDivisorUpTo(int n, int limit) {
        for (int d = limit; d > 1; d--) {
            if (n % d == 0) {
                return d;
            }
        }
        return 1;
    }

    private Map<String, Object> report(ModelPreset model, int layers, int batch, KvDtype dtype, int blockSize, Device device,
                                       AttentionVariant chosen, int step, RunMemory memory, List<StepCost> costs) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("command", "prefill");
        CacheRuns.putDevice(r, device);
        CacheRuns.putModel(r, model, layers);
        r.put("tokens", tokens);
        r.put("chunk", step);
        r.put("chunks", costs.size());
        r.put("batch", batch);
        r.put("kv_dtype", dtype.toString());
        r.put("block_size", blockSize);
        r.put("variant", chosen.toString());
        r.put("seed", options.seed);
        r.put("warmup", warmup);
        r.put("cache_bytes", memory.cacheBytes());
        long attention = StepCost.sum(costs, StepCost::attentionNanos);
        long flops = StepCost.sum(costs, StepCost::flops);
        r.put("attention_ms", attention / 1e6);
        r.put("wall_ms", StepCost.sum(costs, StepCost::wallNanos) / 1e6);
        r.put("flops", flops);
        r.put("gflops", attention == 0 ? null : (double) flops / attention);
        r.put("compile_ms", StepCost.sum(costs, StepCost::compileNanos) / 1e6);
        r.put("h2d_bytes", StepCost.sum(costs, StepCost::h2dBytes));
        r.put("d2h_bytes", StepCost.sum(costs, StepCost::d2hBytes));
        r.put("per_chunk", costs.stream().map(StepCost::json).toList());
        return r;
    }

    private void printText(PrintWriter out, Map<String, Object> r, List<StepCost> costs) {
        CacheRuns.printHeader(out, r);
        int step = (int) r.get("chunk");
        out.printf(Locale.ROOT, "cache:       batch %d x %,d prompt tokens, %s, blocks of %d tokens: %s on the heap%n",
                r.get("batch"), tokens, r.get("kv_dtype"), r.get("block_size"), Bytes.binary((long) r.get("cache_bytes")));
        out.printf(Locale.ROOT, "options:     %s%n", r.get("attention"));
        out.printf(Locale.ROOT, "run:         %s variant, %s%n", r.get("variant"),
                costs.size() == 1 ? "all tokens in one step" : costs.size() + " chunks of " + step + " tokens");
        out.println();
        TextTable table = new TextTable("CHUNK", "KEYS", "ATTENTION MS", "GFLOP/S", "WALL MS", "TO DEVICE", "FROM DEVICE",
                "COMPILE MS").alignRight(0, 1, 2, 3, 4, 5, 6, 7);
        for (int c = 0; c < costs.size(); c++) {
            StepCost s = costs.get(c);
            table.row(c, (c + 1) * step, String.format(Locale.ROOT, "%.3f", s.attentionMillis()),
                    String.format(Locale.ROOT, "%.2f", s.gigaflops()), String.format(Locale.ROOT, "%.3f", s.wallMillis()),
                    KvSizeCommand.grouped(s.h2dBytes()), KvSizeCommand.grouped(s.d2hBytes()),
                    String.format(Locale.ROOT, "%.2f", s.compileNanos() / 1e6));
        }
        table.print(out);
        out.println();
        Object gflops = r.get("gflops");
        out.printf(Locale.ROOT, "attention:   %.3f ms on the device, %s GFLOP/s (%s FLOP, causal QK^T and PV, all layers)%n",
                (double) r.get("attention_ms"), gflops == null ? "-" : String.format(Locale.ROOT, "%.2f", (double) gflops),
                KvSizeCommand.grouped((long) r.get("flops")));
        out.printf(Locale.ROOT, "wall:        %.3f ms%n", (double) r.get("wall_ms"));
        out.printf(Locale.ROOT, "to device:   %s: the cache once, then queries, new K/V rows and lengths%s%n",
                Bytes.exact((long) r.get("h2d_bytes")), CacheRuns.sharedNote(r));
        out.printf(Locale.ROOT, "from device: %s: outputs%n", Bytes.exact((long) r.get("d2h_bytes")));
        CacheRuns.printCheck(out, r);
        CacheRuns.printPeak(out, r, 13);
        out.printf(Locale.ROOT, "compile:     %.2f ms on %s%n", (double) r.get("compile_ms"), r.get("device"));
        out.flush();
    }
}
