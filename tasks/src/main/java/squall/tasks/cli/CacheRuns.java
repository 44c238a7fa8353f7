package squall.tasks.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import squall.runtime.Device;
import squall.tasks.ModelPreset;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;
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

    /** A device that returns NaN or infinity from finite inputs is broken: say so rather than report its speed. */
    static void requireFinite(float[] output, String where, int step) {
        for (int i = 0; i < output.length; i++) {
            if (!Float.isFinite(output[i])) {
                throw new CommandFailedException(where + " produced " + output[i] + " at output index " + i + " of step "
                        + step + " from finite inputs");
            }
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

    /** Why a jvm run moves no bytes, for the text report; empty elsewhere. */
    static String sharedNote(Map<String, Object> r) {
        return "jvm".equals(r.get("device_type")) ? "; the jvm device works on the host arrays, so nothing is copied" : "";
    }

    static void printJson(PrintWriter out, Map<String, Object> report) {
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
                bytes(first.h2dBytes()), bytes(first.d2hBytes()));
    }

    /** {@code 1,024 bytes (1.0 KiB)}. */
    static String bytes(long n) {
        return KvSizeCommand.grouped(n) + " bytes" + (n >= 1024 ? " (" + KvSizeCommand.binary(n) + ")" : "");
    }

    static void statsRow(TextTable table, String label, Stats s, String format) {
        table.row(label, String.format(Locale.ROOT, format, s.mean()), String.format(Locale.ROOT, format, s.median()),
                String.format(Locale.ROOT, format, s.min()), String.format(Locale.ROOT, format, s.max()));
    }
}
