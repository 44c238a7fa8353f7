package squall.profiles;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import squall.runtime.Device;
import squall.tasks.CacheGraph;
import squall.tasks.AttentionVariant;
import squall.tasks.KvCache;
import squall.tasks.StepPlan;
import squall.tasks.StepResult;
import squall.tasks.cli.SquallCommand;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Runs every workload × device × variant: builds the graph, checks the device's output on a small run
 * of the same graph ({@link OutputCheck}), and only if it is right times it: {@code warmup} untimed
 * steps (the first compiles and copies the cache in), then {@code steps} timed ones.
 *
 * <p>Each workload's cache is filled once and reset (same seed, same values) before each measurement,
 * so every device and variant starts from the same context. Decode steps grow it by one token each;
 * prefill steps start from the workload's context every time.
 */
final class ProfileRunner {

    private static final Logger LOG = LoggerFactory.getLogger(ProfileRunner.class);
    private static final long SEED = 42;

    private final List<Device> devices;
    private final List<Workload> workloads;
    private final List<AttentionVariant> variants;
    private final int warmup;
    private final int steps;
    private final Map<String, Double> peaks;
    private final OutputCheck check;

    /**
     * @param peaks each device's read bandwidth in GB/s, by id (absent: unknown)
     */
    ProfileRunner(List<Device> devices, List<Workload> workloads, List<AttentionVariant> variants, int warmup, int steps,
                  Map<String, Double> peaks, OutputCheck check) {
        if (warmup < 1) {
            throw new IllegalArgumentException("warmup must be >= 1 (the first step compiles), got " + warmup);
        }
        if (steps < 1) {
            throw new IllegalArgumentException("steps must be >= 1, got " + steps);
        }
        this.devices = List.copyOf(devices);
        this.workloads = List.copyOf(workloads);
        this.variants = List.copyOf(variants);
        this.warmup = warmup;
        this.steps = steps;
        this.peaks = Map.copyOf(peaks);
        this.check = check;
    }

    /** The variants a workload runs: the work-group kernel is for decode only. */
    List<AttentionVariant> variantsFor(Workload w) {
        return variants.stream()
                .filter(v -> w.phase() == Workload.Phase.DECODE || v != AttentionVariant.WORKGROUP).toList();
    }

    /** Measurements the run will make. */
    int measurements() {
        return workloads.stream().mapToInt(w -> variantsFor(w).size() * devices.size()).sum();
    }

    /**
     * Progress units of the whole run. A step counts in proportion to its attention FLOPs (a step at
     * context 16384 takes about 16 times one at 1024), so the bar's estimate of the time left holds;
     * each check counts as one step of the smallest workload.
     */
    long progressUnits() {
        long units = 0;
        for (Workload w : workloads) {
            units += (long) variantsFor(w).size() * devices.size() * unitsPerMeasurement(w);
        }
        return units;
    }

    private long unitsPerMeasurement(Workload w) {
        return 1 + (long) (warmup + steps) * stepUnits(w);
    }

    /** A step's weight: its FLOPs over the cheapest workload's, at least 1. */
    private long stepUnits(Workload w) {
        double cheapest = workloads.stream().mapToDouble(ProfileRunner::flops).min().orElse(1);
        return Math.max(1, Math.round(flops(w) / cheapest));
    }

    /** Attention FLOPs of one step: 4 D per (query head, visible key), every layer and sequence. */
    static double flops(Workload w) {
        double pairs = StepPlan.visiblePairs(w.tokens(), w.tokensAfterStep());
        return 4.0 * w.model().queryHeads() * w.model().headDim() * w.layers() * w.batch() * pairs;
    }

    /** Runs everything, handing each measurement to {@code sink} as soon as it is done. */
    void run(Consumer<Measurement> sink, Progress progress) {
        for (Workload w : workloads) {
            KvCache cache = cacheFor(w);
            for (Device device : devices) {
                for (AttentionVariant variant : variantsFor(w)) {
                    progress.status(device.id() + " " + variant + " " + w.key());
                    sink.accept(measure(device, w, variant, cache, progress));
                }
            }
        }
    }

    /** A cache with room for the workload's context and every step the measurement makes. */
    KvCache cacheFor(Workload w) {
        int capacity = w.phase() == Workload.Phase.DECODE ? w.context() + warmup + steps : w.tokensAfterStep();
        return KvCache.forBatch(w.model(), w.layers(), w.dtype(), w.blockSize(), w.batch(), capacity);
    }

    /** One device × variant × workload on {@code cache} (made by {@link #cacheFor}). */
    Measurement measure(Device device, Workload w, AttentionVariant variant, KvCache cache, Progress progress) {
        Double peak = peaks.get(device.id());
        long left = unitsPerMeasurement(w);
        long stepUnits = stepUnits(w);
        int slices = 1;
        OutputCheck.Result checked = null;
        try {
            reset(cache, w);
            try (CacheGraph graph = w.graph(cache, device, variant, 0, true)) {
                slices = graph.slices();
                checked = check.check(device, w, variant, slices);
                progress.advance(1);
                left--;
                if (!checked.passed()) {
                    String why = String.format(java.util.Locale.ROOT,
                            "output differs from %s: relative L2 error %.3g (bound %.0e) on a small run of this graph",
                            checked.against(), checked.error(), OutputCheck.TOLERANCE);
                    LOG.warn("{} {} {}: {}; not timed", device.id(), variant, w.key(), why);
                    return new Measurement(w, device.id(), variant.toString(), slices, Measurement.Status.WRONG,
                            checked.error(), why, peak, 0, null, List.of());
                }
                graph.fillInputs(SEED);
                long compile = 0;
                for (int i = 0; i < warmup; i++) {
                    StepResult r = step(graph, cache, w);
                    compile += r.profile().compileNanos();
                    progress.advance(stepUnits);
                    left -= stepUnits;
                }
                List<StepRecord> timed = new ArrayList<>(steps);
                for (int i = 0; i < steps; i++) {
                    StepResult r = step(graph, cache, w);
                    timed.add(StepRecord.of(r.profile(), r.wallNanos()));
                    progress.advance(stepUnits);
                    left -= stepUnits;
                }
                return new Measurement(w, device.id(), variant.toString(), slices, Measurement.Status.OK,
                        checked.error(), null, peak, compile, Summary.of(timed, (long) w.batch() * w.tokens()), timed);
            }
        } catch (RuntimeException e) {
            LOG.debug("{} {} {} failed", device.id(), variant, w.key(), e);
            String why = e.getMessage() == null ? e.toString() : e.getClass().getSimpleName() + ": " + e.getMessage();
            return new Measurement(w, device.id(), variant.toString(), slices, Measurement.Status.FAILED,
                    checked == null ? null : checked.error(), SquallCommand.oneLine(why), peak, 0,
                    null, List.of());
        } finally {
            progress.advance(left);
        }
    }

    /** A prefill starts from the workload's context each step; a decode step goes on from the last. */
    private StepResult step(CacheGraph graph, KvCache cache, Workload w) {
        if (w.phase() == Workload.Phase.PREFILL) {
            for (int s = 0; s < cache.batch(); s++) {
                cache.truncate(s, w.context()); // the context's rows are as reset() filled them, on the device too
            }
        }
        return graph.step();
    }

    /** Every sequence back to the workload's context, with the same values each time. */
    private static void reset(KvCache cache, Workload w) {
        for (int s = 0; s < cache.batch(); s++) {
            cache.fillRandom(s, w.context(), SEED + s);
        }
    }
}
