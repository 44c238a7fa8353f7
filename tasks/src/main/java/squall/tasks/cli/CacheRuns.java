package squall.tasks.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import squall.kernels.AttentionOptions;
import squall.runtime.Device;
import squall.tasks.CacheGraph;
import squall.tasks.CacheReference;
import squall.tasks.KvCache;
import squall.tasks.ModelPreset;
import squall.tasks.Peak;
import squall.tasks.StepResult;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/** What {@code squall decode} and {@code squall prefill} do alike: allocate, make inputs, check and report. */
final class CacheRuns {

    private static final ObjectMapper JSON = new ObjectMapper();

    private CacheRuns() {
    }

    /**
     * Allocates the cache; a heap that runs out despite {@link RunMemory#requireFits}, or a cache the
     * {@code KvCache} rejects, is the user's {@code argument} to change.
     */
    static <T> T allocate(RunMemory memory, String argument, String rerun, Supplier<T> allocation) {
        try {
            return allocation.get();
        } catch (OutOfMemoryError e) {
            throw memory.outOfMemory(argument, rerun);
        } catch (IllegalArgumentException e) {
            throw new BadInputException(argument, e.getMessage());
        }
    }

    /**
     * One measured step of {@code graph} on inputs drawn from {@code seed}; a failure, or an output that is not finite,
     * fails the command, naming {@code where} and the step ({@code what} {@code index}: {@code step 3},
     * {@code chunk 1}).
     */
    static StepResult step(CacheGraph graph, long seed, String where, String what, int index) {
        graph.fillInputs(seed);
        StepResult result;
        try {
            result = graph.step();
        } catch (RuntimeException e) {
            throw new CommandFailedException(where + " failed at " + what + " " + index + ": " + e.getMessage(), e);
        }
        requireFinite(graph.output(), where, index);
        return result;
    }

    /** A device that returns NaN or infinity from finite inputs is broken: say so rather than report its speed. */
    private static void requireFinite(float[] output, String where, int step) {
        for (int i = 0; i < output.length; i++) {
            if (!Float.isFinite(output[i])) {
                throw new CommandFailedException(where + " produced " + output[i] + " at output index " + i + " of step "
                        + step + " from finite inputs");
            }
        }
    }

    /**
     * Each layer's options: the preset's, with every feature a flag gives replaced by the flag's value on every layer.
     */
    static List<AttentionOptions> layerOptions(ModelPreset model, int layers,
                                                                         AttentionFlags flags) {
        AttentionOptions given = flags.over(AttentionOptions.NONE, model.queryHeads());
        return model.layerOptions(layers, o -> merge(o, given, flags));   // the files read once, not per layer
    }

    private static AttentionOptions merge(AttentionOptions preset,
                                                         AttentionOptions given, AttentionFlags flags) {
        AttentionOptions o = preset;
        if (flags.window != null) {
            o = o.withWindow(given.window());
        }
        if (flags.softcap != null) {
            o = o.withSoftcap(given.softcap());
        }
        if (given.alibiSlopes() != null) {
            o = o.withAlibiSlopes(given.alibiSlopes());
        }
        if (given.sinks() != null) {
            o = o.withSinks(given.sinks());
        }
        return o;
    }

    /** The layers' options in words, identical layers counted together: {@code 21 layers window 4096, softcap 50.0; ...}. */
    static String describe(List<AttentionOptions> perLayer) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (AttentionOptions o : perLayer) {
            counts.merge(o.toString(), 1, Integer::sum);
        }
        StringJoiner j = new StringJoiner("; ");
        counts.forEach((what, n) -> j.add(counts.size() == 1 ? what : n + " layer" + (n == 1 ? "" : "s") + " " + what));
        return j.toString();
    }

    /** What every run's report holds beside its figures: the layers' options and what {@code --check} found. */
    static void putRun(Map<String, Object> r, List<AttentionOptions> perLayer, Map<String, Object> checked) {
        putOptions(r, perLayer);
        r.putAll(checked);
    }

    /** The options in a report: each layer's window (0: none), and the features any layer has. */
    private static void putOptions(Map<String, Object> r, List<AttentionOptions> perLayer) {
        r.put("attention", describe(perLayer));
        r.put("windows", perLayer.stream().map(AttentionOptions::window).toList());
        r.put("softcap", perLayer.stream().mapToDouble(AttentionOptions::softcap).max().orElse(0));
        r.put("alibi", perLayer.stream().anyMatch(o -> o.alibiSlopes() != null));
        r.put("sinks", perLayer.stream().anyMatch(o -> o.sinks() != null));
    }

    /**
     * {@code --check}: the last step's output of every layer and sequence against the float64 reference over what
     * the cache holds, put in the report as {@code check_error} and {@code check_limit}; {@code true} if within.
     */
    static boolean check(Map<String, Object> r, CacheGraph graph, KvCache cache) {
        double error = CacheReference.worstError(graph, cache);
        double limit = cache.dtype().checkLimit();
        r.put("check_error", Double.isFinite(error) ? error : null);
        r.put("check_limit", limit);
        r.put("check_ok", error <= limit);
        return error <= limit;
    }

    /** The command's exit code: 1 when {@code --check} ran ({@link #check} put its verdict in {@code r}) and failed, else 0. */
    static int exitCode(Map<String, Object> r) {
        return !r.containsKey("check_ok") || (boolean) r.get("check_ok") ? 0 : 1;
    }

    /** The line {@code --check} prints. */
    static void printCheck(PrintWriter out, Map<String, Object> r) {
        if (r.containsKey("check_ok")) {
            Object error = r.get("check_error");
            out.printf(Locale.ROOT, "check:       worst relative L2 error of the last step vs float64 reference (every"
                            + " layer and sequence, over the values the %s cache holds) %s (limit %.0e): %s%n",
                    r.get("kv_dtype"), error == null ? "not finite" : String.format(Locale.ROOT, "%.3e", (double) error),
                    (double) r.get("check_limit"), (boolean) r.get("check_ok") ? "ok" : "FAILED");
        }
    }

    static void putDevice(Map<String, Object> r, Device device) {
        r.put("device", device.id());
        r.put("device_name", device.name());
        r.put("device_type", device.type().name().toLowerCase(Locale.ROOT));
    }

    static void putModel(Map<String, Object> r, ModelPreset model, int layers) {
        r.put("model", model.id());
        r.put("model_name", model.name());
        r.put("layers", layers);
        r.put("model_layers", model.layers());
        r.put("query_heads", model.queryHeads());
        r.put("kv_heads", model.kvHeads());
        r.put("head_dim", model.headDim());
    }

    /**
     * {@code peak}, the device's {@code of} ({@code read bandwidth}, {@code FMA throughput}) in {@code unit}, under
     * {@code "peak"} with the probe that set it, and the run's {@code achieved} (same unit) as
     * {@code "percent_of_peak"}; {@code achieved} {@code null}: no steady state to compare.
     */
    static void putPeak(Map<String, Object> r, Peak peak, String of, String unit, Double achieved) {
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("of", of);
        p.put("value", peak.value());
        p.put("unit", unit);
        p.put("set_by", peak.setBy().label());
        p.put("device", peak.device());
        p.put("host", Double.isNaN(peak.host()) ? null : peak.host());
        p.put("measured", peak.measured().toString());
        r.put("peak", p);
        r.put("percent_of_peak", achieved == null ? null : 100 * achieved / peak.value());
    }

    /** {@code probe}'s peak of {@code device}; a failure to measure it fails the command, naming the device. */
    static Peak measured(Device device, Function<Device, Peak> probe) {
        try {
            return probe.apply(device);
        } catch (RuntimeException e) {
            throw new CommandFailedException("--peak: measuring " + device.id() + " failed: " + e.getMessage(), e);
        }
    }

    /** The line {@link #putPeak} makes for the text report, its label {@code width} wide; none without a peak. */
    static void printPeak(PrintWriter out, Map<String, Object> r, int width) {
        if (!(r.get("peak") instanceof Map<?, ?> p)) {
            return;
        }
        Object percent = r.get("percent_of_peak");
        out.printf(Locale.ROOT, "%-" + width + "s%.2f %s %s, set by the %s probe (measured %s)%s%n", "peak:", p.get("value"),
                p.get("unit"), p.get("of"), p.get("set_by"), p.get("measured"),
                percent == null ? "" : String.format(Locale.ROOT, ": this run %.1f %% of it", (double) percent));
    }

    /** Why a jvm run moves no bytes, for the text report; empty elsewhere. */
    static String sharedNote(Map<String, Object> r) {
        return "jvm".equals(r.get("device_type")) ? "; the jvm device works on the host arrays, so nothing is copied" : "";
    }

    /**
     * Prints {@code report} as one line of JSON, or with {@code text}; the command's exit code: 1 if {@code --check}
     * failed, else 0.
     */
    static int print(PrintWriter out, boolean json, Map<String, Object> report, Consumer<PrintWriter> text) {
        if (json) {
            printJson(out, report);
        } else {
            text.accept(out);
        }
        return exitCode(report);
    }

    private static void printJson(PrintWriter out, Map<String, Object> report) {
        try {
            out.println(JSON.writeValueAsString(report));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write the report as JSON: " + e.getMessage(), e);
        }
        out.flush();
    }

    /** The model and device lines of a text report made by {@link #putModel} and {@link #putDevice}. */
    static void printHeader(PrintWriter out, Map<String, Object> r) {
        ModelPreset model = new ModelPreset((String) r.get("model"), (String) r.get("model_name"), (int) r.get("model_layers"),
                (int) r.get("query_heads"), (int) r.get("kv_heads"), (int) r.get("head_dim"));
        out.printf(Locale.ROOT, "model:       %s (%s): %d of %d layers, Hq %d, Hkv %d, head dim %d, %s%n", model.id(),
                model.name(), (int) r.get("layers"), model.layers(), model.queryHeads(), model.kvHeads(), model.headDim(),
                model.kind());
        out.printf(Locale.ROOT, "device:      %s (%s, %s)%n", r.get("device"), r.get("device_name"), r.get("device_type"));
    }

    static void printFirst(PrintWriter out, String what, StepCost first) {
        out.printf(Locale.ROOT, "%-12s attention %.3f ms, wall %.3f ms, compile %.2f ms, to device %s, from device %s%n",
                what + ":", first.attentionMillis(), first.wallMillis(), first.compileNanos() / 1e6,
                Bytes.exact(first.h2dBytes()), Bytes.exact(first.d2hBytes()));
    }

    static void statsRow(TextTable table, String label, Stats s, String format) {
        table.row(label, String.format(Locale.ROOT, format, s.mean()), String.format(Locale.ROOT, format, s.median()),
                String.format(Locale.ROOT, format, s.min()), String.format(Locale.ROOT, format, s.max()));
    }
}
