package squall.tasks;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import squall.runtime.CacheFolder;
import squall.runtime.Device;

import java.nio.file.Path;
import java.time.LocalDate;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.LongSupplier;

/**
 * Which memory layout of the work-group decode kernel a device runs faster, measured rather than guessed from the
 * device's type: the two layouts differ about tenfold, and which wins depends on how the device's work-items share
 * a memory port (GPU warps, CPU SIMD lanes, an FPGA's pipelines), which a device type only hints at. Measured once
 * per device, on one Llama-3-8B layer (fp16 cache, context 4096: 16 MiB of K/V), and remembered in
 * {@code $SQUALL_CACHE_DIR/layout.properties}; {@link DecodeGraph} asks it when no layout is given.
 *
 * <pre>{@code
 * WorkGroupDecode.Layout layout = LayoutProbe.fasterLayout(Devices.get("opencl:0"));
 * Map<WorkGroupDecode.Layout, Long> nanos = LayoutProbe.measure(Devices.get("opencl:0"), 4096);
 * }</pre>
 */
public final class LayoutProbe {

    /** Context of the measurement: long enough that streaming K/V, not launching, dominates a step. */
    public static final int DEFAULT_CONTEXT = 4096;
    private static final int RUNS = 3;
    private static final ModelPreset ONE_LLAMA_LAYER = new ModelPreset("layout-probe", "one Llama-3-8B layer", 1, 32, 8, 128);
    private static final Logger LOG = LoggerFactory.getLogger(LayoutProbe.class);

    private LayoutProbe() {
    }

    /** The remembered faster layout of {@code device}, measuring both the first time. */
    public static WorkGroupDecode.Layout fasterLayout(Device device) {
        return fasterLayout(device, DEFAULT_CONTEXT, CacheFolder.root().resolve("layout.properties"), System::nanoTime);
    }

    /**
     * As {@link #fasterLayout(Device)}, measuring at {@code context} tokens on {@code clock} (nanoseconds) and
     * remembering in {@code file}.
     */
    static WorkGroupDecode.Layout fasterLayout(Device device, int context, Path file, LongSupplier clock) {
        RememberedMeasurements remembered = new RememberedMeasurements(file,
                "squall: the faster layout of the work-group decode kernel per device, with the best step of each");
        String value = remembered.computeIfAbsent(device, () -> {
            LOG.info("measuring which work-group decode layout suits {} (once; remembered in {})", device.id(), file);
            Map<WorkGroupDecode.Layout, Long> nanos = measure(device, context, clock);
            StringBuilder line = new StringBuilder(faster(nanos).toString());
            nanos.forEach((layout, ns) -> line.append(String.format(Locale.ROOT, " %s %.3f ms", layout, ns / 1e6)));
            return line.append(" measured ").append(LocalDate.now()).toString();
        });
        return WorkGroupDecode.Layout.parse(value.split(" ")[0]);
    }

    /** The layout of the shortest time. */
    static WorkGroupDecode.Layout faster(Map<WorkGroupDecode.Layout, Long> nanos) {
        return nanos.entrySet().stream().min(Map.Entry.comparingByValue()).orElseThrow().getKey();
    }

    /**
     * The best of {@value #RUNS} decode steps (after one to compile and upload) in each layout, in nanoseconds of
     * wall time, at {@code context} tokens of one Llama-3-8B layer.
     */
    public static Map<WorkGroupDecode.Layout, Long> measure(Device device, int context) {
        return measure(device, context, System::nanoTime);
    }

    /** As {@link #measure(Device, int)}, timed on {@code clock} (nanoseconds). */
    static Map<WorkGroupDecode.Layout, Long> measure(Device device, int context, LongSupplier clock) {
        Map<WorkGroupDecode.Layout, Long> best = new EnumMap<>(WorkGroupDecode.Layout.class);
        for (WorkGroupDecode.Layout layout : WorkGroupDecode.Layout.values()) {
            KvCache cache = KvCache.forBatch(ONE_LLAMA_LAYER, 1, KvDtype.FP16, 16, 1, context + RUNS + 1);
            cache.fillRandom(0, context, 7);
            SplittableRandom random = new SplittableRandom(3);
            try (DecodeGraph decode = DecodeGraph.builder(cache).device(device).variant(AttentionVariant.WORKGROUP)
                    .layout(layout).profiling(false).build()) {
                long fastest = Long.MAX_VALUE;
                for (int run = 0; run <= RUNS; run++) {
                    decode.fillInputs(random.nextLong());
                    long start = clock.getAsLong();
                    decode.step();
                    long took = clock.getAsLong() - start;
                    if (run > 0) {
                        fastest = Math.min(fastest, took);
                    }
                }
                best.put(layout, fastest);
            }
        }
        return best;
    }
}
