package squall.profiles;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;

import java.math.BigDecimal;
import java.math.MathContext;

/**
 * One row of {@code data.csv}: a device × variant × workload with its steady-state numbers (empty
 * unless the status is {@code ok}). Times in milliseconds, bandwidth in GB/s (10^9 bytes per second).
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
@JsonPropertyOrder({"workload", "phase", "model", "attention", "hq", "hkv", "headDim", "layers", "batch", "context",
        "tokens", "kvDtype", "workingSetMib", "device", "deviceName", "variant", "slices", "status", "checkError",
        "steps", "msPerStep", "msMin", "msMax", "kernelMs", "copyMs", "dispatchMs", "compileMs", "gbPerS",
        "gflopPerS", "tokensPerS", "peakGbPerS", "peakSetBy", "pctOfPeak", "fmaPeakGflopPerS", "fmaSetBy", "pctOfFma",
        "message"})
public record CsvRow(String workload, String phase, String model, String attention, int hq, int hkv, int headDim,
                     int layers, int batch, int context, int tokens, String kvDtype, double workingSetMib, String device,
                     String deviceName, String variant, int slices, String status, Double checkError, int steps,
                     Double msPerStep, Double msMin, Double msMax, Double kernelMs, Double copyMs, Double dispatchMs,
                     Double compileMs, Double gbPerS, Double gflopPerS, Double tokensPerS, Double peakGbPerS,
                     String peakSetBy, Double pctOfPeak, Double fmaPeakGflopPerS, String fmaSetBy, Double pctOfFma,
                     String message) {

    static final CsvMapper MAPPER = new CsvMapper();
    static final CsvSchema SCHEMA = MAPPER.schemaFor(CsvRow.class);

    public static CsvRow of(Measurement m, DeviceInfo device) {
        Workload w = m.workload();
        Summary s = m.summary();
        boolean ok = m.ok();
        boolean fma = w.phase() == Workload.Phase.PREFILL;
        return new CsvRow(w.key(), w.phase().toString(), w.model().id(), w.attention().name(), w.model().queryHeads(),
                w.model().kvHeads(), w.model().headDim(), w.layers(), w.batch(), w.context(), w.tokens(),
                w.dtype().toString(), round(w.workingSetBytes() / (double) (1 << 20)), m.device(),
                device == null ? "" : device.name(), m.variant(), m.slices(),
                m.status().name().toLowerCase(java.util.Locale.ROOT), m.checkError() == null ? null : round(m.checkError()),
                m.steps().size(),
                ok ? round(s.msPerStep()) : null, ok ? round(s.msMin()) : null, ok ? round(s.msMax()) : null,
                ok ? round(s.kernelMs()) : null, ok ? round(s.copyMs()) : null, ok ? round(s.dispatchMs()) : null,
                ok ? round(m.compileNanos() / 1e6) : null, ok ? round(s.gigabytesPerSecond()) : null,
                ok ? round(s.gigaflopsPerSecond()) : null, ok ? round(s.tokensPerSecond()) : null,
                m.peak() == null ? null : round(m.peak()), device == null ? null : peakSetBy(device),
                ok && m.peak() != null ? round(m.percentOfPeak()) : null,
                device == null || device.fmaPeak() == null ? null : round(device.fmaPeak()),
                device == null ? null : device.fmaSetBy(),
                ok && fma && device != null && device.fmaPeak() != null
                        ? round(device.percentOfFma(s.gigaflopsPerSecond())) : null,
                m.message());
    }

    /** {@code device} or {@code host}; {@code copy} for a peak recorded before squall measured read bandwidth. */
    private static String peakSetBy(DeviceInfo device) {
        return device.copyPeak() ? "copy" : device.peakSetBy();
    }

    /** The header line, without a line break. */
    static String header() {
        return String.join(",", SCHEMA.getColumnNames());
    }

    /** The row as one CSV line, with its line break. */
    String line() {
        try {
            return MAPPER.writer(SCHEMA.withoutHeader()).writeValueAsString(this);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot write a CSV row: " + this, e);
        }
    }

    /** Six significant digits: enough for timings, short enough to read. */
    static double round(double x) {
        if (!Double.isFinite(x) || x == 0) {
            return x;
        }
        return new BigDecimal(x).round(new MathContext(6)).doubleValue();
    }
}
