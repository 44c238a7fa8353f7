package squall.profiles;

import org.jfree.chart.JFreeChart;

import squall.runtime.AtomicFile;
import squall.tasks.cli.Bytes;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * {@code report.md} and its charts, made from a {@code profile.json} alone, so a stored profile can be
 * reported again (and the report is the same wherever it is made).
 *
 * <pre>{@code
 * Report.write(Json.read(Path.of("profiles/results/2026-11-23-host/profile.json")), Path.of("/tmp/again"));
 * }</pre>
 */
public final class Report {

    public static final String FILE = "report.md";

    private Report() {
    }

    /** Writes {@code report.md}, then the charts it shows (PNG and SVG), into {@code dir}. */
    public static void write(ProfileData data, Path dir) {
        Map<String, JFreeChart> charts = Charts.of(data);
        try {
            Files.createDirectories(dir);
            String text = markdown(data, List.copyOf(charts.keySet()));
            AtomicFile.write(dir.resolve(FILE), temp -> Files.writeString(temp, text, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + dir.resolve(FILE) + ": " + e.getMessage(), e);
        }
        Charts.write(charts, dir);
    }

    /** The report's text; {@code charts} are the chart names written beside it ({@link Charts#write}). */
    static String markdown(ProfileData data, List<String> charts) {
        StringBuilder md = new StringBuilder();
        RunOptions o = data.options();
        md.append("# squall profile: ").append(o.model()).append(" on ")
                .append(data.devices().stream().map(DeviceInfo::id).collect(Collectors.joining(", "))).append("\n\n");
        if (data.partial()) {
            int planned = data.measurements().size();
            md.append("> **Partial results.** The run stopped before it finished; ").append(planned)
                    .append(planned == 1 ? " measurement was" : " measurements were").append(" recorded.\n\n");
        }
        md.append("Recorded ").append(data.started())
                .append(data.finished() == null ? "" : " to " + data.finished()).append(" with:\n\n");
        md.append("```\n").append(data.command()).append("\n```\n\n");

        warnings(md, data);
        summary(md, data);
        machine(md, data);
        software(md, data);
        devices(md, data);
        settings(md, data);
        legend(md, data);
        results(md, data);
        if (!charts.isEmpty()) {
            md.append("## Charts\n\nEach chart is here as SVG and PNG.\n\n");
            for (String chart : charts) {
                md.append("![").append(Charts.title(chart)).append("](").append(chart).append(".svg)\n\n");
            }
        }
        return md.toString();
    }

    // ---------------------------------------------------------------- sections

    private static void summary(StringBuilder md, ProfileData data) {
        List<Measurement> asIs = okDecode(data, false);
        if (asIs.isEmpty()) {
            return;
        }
        md.append("## Summary\n\n");
        List<Integer> contexts = asIs.stream().map(m -> m.workload().context()).distinct().sorted().toList();
        String kind = asIs.getFirst().workload().attention().name();
        md.append("Fastest decode step per device, ").append(kind).append(" as the model has it: median ms/step (fastest–slowest"
                + " step), variant, % of the device's ").append(peakName(data)).append(".\n\n");
        List<String> header = new ArrayList<>(List.of("device"));
        contexts.forEach(c -> header.add("context " + c));
        Table t = new Table(header, rightAlignedFrom(1, header.size()));
        for (String device : deviceIds(data)) {
            List<String> row = new ArrayList<>(List.of(device));
            for (int c : contexts) {
                row.add(fastest(asIs, device, m -> m.workload().context() == c)
                        .map(m -> msPerStep(m) + ", " + m.variant()
                                + (Double.isNaN(m.percentOfPeak()) ? "" : ", " + Numbers.percent(m.percentOfPeak())))
                        .orElse(""));
            }
            t.row(row);
        }
        t.appendTo(md);

        List<Measurement> forced = okDecode(data, true);
        if (!forced.isEmpty()) {
            int context = forced.getFirst().workload().context();
            md.append("\nThe same model with its KV heads forced, context ").append(context)
                    .append(": fastest median ms/step per device (fastest–slowest step), and its ratio to MHA.\n\n");
            List<Measurement> atContext = okDecode(data).stream().filter(m -> m.workload().context() == context).toList();
            Table k = new Table(List.of("device", "MHA", "GQA", "MQA", "GQA / MHA", "MQA / MHA"),
                    rightAlignedFrom(1, 6));
            for (String device : deviceIds(data)) {
                Map<String, Measurement> best = new LinkedHashMap<>();
                for (String kind2 : List.of("MHA", "GQA", "MQA")) {
                    fastest(atContext, device, m -> m.workload().attention().name().equals(kind2))
                            .ifPresent(m -> best.put(kind2, m));
                }
                if (best.isEmpty()) {
                    continue;
                }
                Map<String, Double> ms = new LinkedHashMap<>();
                List.of("MHA", "GQA", "MQA").forEach(kind2 -> ms.put(kind2,
                        best.containsKey(kind2) ? best.get(kind2).summary().msPerStep() : Double.NaN));
                k.row(List.of(device, msPerStepOrEmpty(best.get("MHA")), msPerStepOrEmpty(best.get("GQA")),
                        msPerStepOrEmpty(best.get("MQA")),
                        Numbers.ratio(ms.get("GQA") / ms.get("MHA")), Numbers.ratio(ms.get("MQA") / ms.get("MHA"))));
            }
            k.appendTo(md);
        }
        long wrong = data.measurements().stream().filter(m -> !m.ok()).count();
        if (wrong > 0) {
            md.append("\n").append(wrong).append(wrong == 1 ? " measurement was" : " measurements were")
                    .append(" not timed (wrong output or a device error): see the tables below.\n");
        }
        md.append("\n");
    }

    private static void machine(StringBuilder md, ProfileData data) {
        MachineInfo m = data.machine();
        md.append("## Machine\n\n");
        Table t = new Table(List.of("", ""), new boolean[2]);
        t.row(List.of("host", m.host()));
        t.row(List.of("CPU", m.cpu() + ", " + m.cores() + (m.cores() == 1 ? " core" : " cores")));
        t.row(List.of("last-level cache", m.llcBytes() > 0 ? Bytes.brief(m.llcBytes()) : "unknown"));
        t.row(List.of("memory", Bytes.brief(m.memoryBytes())));
        t.row(List.of("OS", m.os()));
        t.row(List.of("GPU", m.gpus().isEmpty() ? "none" : String.join(", ", m.gpus())));
        t.row(List.of("load average", load(data.loadAtStart()) + " at the start, " + load(data.loadAtEnd())
                + " at the end (1-minute averages; this run's own threads count at the end)"));
        t.appendTo(md);
        md.append("\n");
    }

    private static void software(StringBuilder md, ProfileData data) {
        SoftwareInfo s = data.software();
        md.append("## Software\n\n");
        Table t = new Table(List.of("", ""), new boolean[2]);
        t.row(List.of("JDK", s.jdk() + ", " + s.vm()));
        t.row(List.of("squall", s.squall() + (s.git() == null ? "" : " (git " + s.git() + ")")));
        t.appendTo(md);
        md.append("\nDevice drivers are among each device's properties below.\n\n");
    }

    private static void devices(StringBuilder md, ProfileData data) {
        md.append("## Devices\n\n");
        boolean old = copyPeaks(data);
        Table t = new Table(List.of("device", "name", "type", old ? "copy GB/s" : "read GB/s (set by)",
                "FMA GFLOP/s (set by)", "properties"), new boolean[] {false, false, false, true, true, false});
        for (DeviceInfo d : data.devices()) {
            String properties = d.properties().entrySet().stream().map(e -> e.getKey() + " = " + e.getValue())
                    .collect(Collectors.joining("; "));
            t.row(List.of(d.id(), d.name(), d.type(), peakCell(d.peak(), d.peakSetBy()), peakCell(d.fmaPeak(), d.fmaSetBy()),
                    properties));
        }
        t.appendTo(md);
        md.append("\n");
    }

    private static void settings(StringBuilder md, ProfileData data) {
        RunOptions o = data.options();
        md.append("## Settings\n\n");
        Table t = new Table(List.of("", ""), new boolean[2]);
        t.row(List.of("model", o.model()));
        t.row(List.of("layers", Integer.toString(o.layers())));
        t.row(List.of("batch", Integer.toString(o.batch())));
        t.row(List.of("KV dtype", o.kvDtype()));
        t.row(List.of("block size", o.blockSize() + " tokens"));
        t.row(List.of("contexts", o.contexts().stream().map(String::valueOf).collect(Collectors.joining(", "))));
        t.row(List.of("variants", String.join(", ", o.variants())));
        t.row(List.of("steps", o.warmup() + " warm-up, then " + o.steps() + " timed"));
        t.row(List.of("prefill", o.prefillTokens() == 0 ? "none" : o.prefillTokens() + " tokens into an empty cache"));
        t.appendTo(md);
        md.append("\n");
    }

    private static void legend(StringBuilder md, ProfileData data) {
        String peak = copyPeaks(data)
                ? "- **% of peak**: GB/s as a share of the device's copy bandwidth (recorded before squall measured read "
                + "bandwidth: a copy kernel on the device over buffers far past its caches, read + written bytes per second)."
                : "- **% of peak**: GB/s as a share of the device's read bandwidth (`BandwidthProbe`: a sum over 1 GiB on "
                + "every core, the higher of a kernel on the device and, on CPUs, the JVM on the host with the Vector API; "
                + "*set by* in the device table names which).\n"
                + "- **% of FMA**: prefill GFLOP/s as a share of the device's fp32 FMA throughput (`FmaProbe`: independent "
                + "FMA chains on every core, the higher of a kernel and, on CPUs, the JVM's Vector API; *set by* names which).";
        md.append("""
                ## How to read the tables

                - **ms/step**: median host time of one step (every layer: append the new K/V rows, attend), over the \
                timed steps, with the fastest and the slowest step in brackets. A decode step adds one token per \
                sequence, so the context grows by one each step.
                - **kernel ms**: device time of the step's kernels (device timestamps where the device has them): \
                median (fastest–slowest).
                - **GB/s**: bytes an ideal step must move (each layer's K/V in use read once, plus queries, outputs and \
                the new rows; the repeat variant's own copy of the cache is not counted) per second of kernel time.
                %s
                - **× MHA**: this row's ms/step over the same device and variant with the model forced to MHA \
                (Hkv = Hq) at the same context.
                - **check**: relative L2 error of a small run of the same graph (2 layers, short contexts) against the \
                jvm device, and of the jvm device against float64 attention; a device above 1e-05 is **wrong** and \
                not timed.

                """.formatted(peak));
    }

    private static void results(StringBuilder md, ProfileData data) {
        md.append("## Results\n\n");
        Map<String, List<Measurement>> byWorkload = new LinkedHashMap<>();
        for (Measurement m : data.measurements()) {
            byWorkload.computeIfAbsent(m.workload().key(), k -> new ArrayList<>()).add(m);
        }
        long llc = data.machine().llcBytes();
        for (List<Measurement> rows : byWorkload.values()) {
            Workload w = rows.getFirst().workload();
            md.append("### ").append(w.title()).append("\n\n");
            md.append(w.layers()).append(w.layers() == 1 ? " layer" : " layers").append(", batch ").append(w.batch())
                    .append(", ").append(w.dtype()).append(" KV: ").append(Bytes.brief(w.workingSetBytes()))
                    .append(" of K/V per step");
            if (llc > 0) {
                double times = (double) w.workingSetBytes() / llc;
                md.append(times > 1 ? String.format(Locale.ROOT, " (%.1f × the %s last-level cache)", times, Bytes.brief(llc))
                        : " (**fits in the " + Bytes.brief(llc) + " last-level cache**: this measures the cache, not memory)");
            }
            md.append(".\n\n");
            boolean decode = w.phase() == Workload.Phase.DECODE;
            List<String> header = decode
                    ? List.of("device", "variant", "ms/step", "kernel ms", "GB/s", "% of peak", "GFLOP/s", "× MHA", "check")
                    : List.of("device", "variant", "ms/step", "kernel ms", "tokens/s", "GFLOP/s", "% of FMA", "check");
            // every time is a median with the fastest and slowest step beside it
            Table t = new Table(header, rightAlignedFrom(2, header.size()));
            for (Measurement m : rows) {
                List<String> row = new ArrayList<>(List.of(m.device(), m.variant()));
                if (!m.ok()) {
                    row.add("**" + m.status().name().toLowerCase(Locale.ROOT) + "**: " + m.message());
                    while (row.size() < header.size() - 1) {
                        row.add("");
                    }
                    row.add(Numbers.error(m.checkError()));
                    t.row(row);
                    continue;
                }
                Summary s = m.summary();
                row.add(msPerStep(m));
                row.add(kernelMs(m));
                if (decode) {
                    row.add(Numbers.fmt(s.gigabytesPerSecond()));
                    row.add(Numbers.percent(m.percentOfPeak()));
                    row.add(Numbers.fmt(s.gigaflopsPerSecond()));
                    row.add(Numbers.ratio(vsMha(data, m)));
                } else {
                    row.add(Numbers.fmt(s.tokensPerSecond()));
                    row.add(Numbers.fmt(s.gigaflopsPerSecond()));
                    row.add(Numbers.percent(percentOfFma(data, m)));
                }
                row.add(Numbers.error(m.checkError()));
                t.row(row);
            }
            t.appendTo(md);
            md.append("\n");
        }
    }

    /** Fewer untimed steps than this leave one-time costs (kernel builds, the JIT) in the timed ones. */
    static final int MIN_WARMUP = 2;
    /** A first timed step this many times the median of the others was still warming up. */
    static final double WARM_FIRST_STEP = 1.5;

    /** Reasons not to trust the numbers at a glance, each a visible quote block at the top of the report. */
    private static void warnings(StringBuilder md, ProfileData data) {
        int cores = data.machine().cores();
        double busiest = Math.max(data.loadAtStart() == null ? 0 : data.loadAtStart(),
                data.loadAtEnd() == null ? 0 : data.loadAtEnd());
        if (busiest > cores) {
            md.append("> **Warning: the machine was busy.** Load average ").append(load(data.loadAtStart()))
                    .append(" at the start and ").append(load(data.loadAtEnd())).append(" at the end, on ").append(cores)
                    .append(cores == 1 ? " core" : " cores").append(": other work competed with this run, so times may be"
                    + " long and spread wide. Measure again on an idle machine.\n\n");
        }
        int warmup = data.options().warmup();
        if (warmup < MIN_WARMUP) {
            md.append("> **Warning: ").append(warmup).append(warmup == 1 ? " warm-up step" : " warm-up steps")
                    .append(".** The first step of a graph builds its kernels and copies the cache in, and the JIT compiles"
                    + " the jvm device's kernels over the first steps; with fewer than ").append(MIN_WARMUP)
                    .append(" warm-up steps that may be in the timed ones (`--warmup ").append(MIN_WARMUP)
                    .append("` or more).\n\n");
        }
        List<String> warming = new ArrayList<>();
        for (Measurement m : data.measurements()) {
            List<StepRecord> steps = m.steps();
            if (m.ok() && steps.size() >= 3) {
                double first = steps.getFirst().totalNanos();
                double rest = Summary.median(steps.subList(1, steps.size()), StepRecord::totalNanos);
                if (first > WARM_FIRST_STEP * rest) {
                    warming.add(m.workload().key() + " " + m.device() + " " + m.variant() + String.format(Locale.ROOT,
                            " (%s against %s ms)", Numbers.fmt(first / 1e6), Numbers.fmt(rest / 1e6)));
                }
            }
        }
        if (!warming.isEmpty()) {
            md.append("> **Warning: still warming up.** The first timed step took more than ")
                    .append(Numbers.fmt(WARM_FIRST_STEP)).append("× the median of the others in ").append(warming.size())
                    .append(warming.size() == 1 ? " measurement" : " measurements").append(": ")
                    .append(String.join("; ", warming)).append(". Give `--warmup` more steps.\n\n");
        }
    }

    private static String load(Double load) {
        return load == null ? "unknown" : String.format(Locale.ROOT, "%.2f", load);
    }

    /** Median ms/step with the fastest and slowest step. */
    static String msPerStep(Measurement m) {
        Summary s = m.summary();
        return Numbers.spread(s.msPerStep(), s.msMin(), s.msMax());
    }

    private static String msPerStepOrEmpty(Measurement m) {
        return m == null ? "" : msPerStep(m);
    }

    /** Median kernel time with the fastest and slowest, from the timed steps (a profile may keep fewer than it timed). */
    static String kernelMs(Measurement m) {
        List<StepRecord> steps = m.steps();
        if (steps.size() < 2) {
            return Numbers.fmt(m.summary().kernelMs());
        }
        return Numbers.spread(Summary.median(steps, x -> x.kernelNanos() / 1e6),
                steps.stream().mapToDouble(x -> x.kernelNanos() / 1e6).min().orElseThrow(),
                steps.stream().mapToDouble(x -> x.kernelNanos() / 1e6).max().orElseThrow());
    }

    // ---------------------------------------------------------------- helpers

    /** Whether a device's peak is a copy bandwidth: a profile recorded before squall measured read bandwidth. */
    static boolean copyPeaks(ProfileData data) {
        return data.devices().stream().anyMatch(DeviceInfo::copyPeak);
    }

    /** What "% of peak" is a share of, in this profile. */
    static String peakName(ProfileData data) {
        return copyPeaks(data) ? "copy bandwidth" : "read bandwidth";
    }

    /** A peak and the probe that set it: {@code 26.1 (host)}; {@code unknown} when not measured. */
    private static String peakCell(Double value, String setBy) {
        return value == null ? "unknown" : Numbers.fmt(value) + (setBy == null ? "" : " (" + setBy + ")");
    }

    /** A prefill row's GFLOP/s as a percentage of its device's FMA throughput; NaN when unknown. */
    static double percentOfFma(ProfileData data, Measurement m) {
        DeviceInfo d = data.device(m.device());
        return m.ok() && d != null ? d.percentOfFma(m.summary().gigaflopsPerSecond()) : Double.NaN;
    }

    /** This row's ms/step over the MHA row of the same device, variant, phase and context; NaN if none. */
    static double vsMha(ProfileData data, Measurement m) {
        Workload w = m.workload();
        if (w.attention().name().equals("MHA")) {
            return Double.NaN;
        }
        return data.measurements().stream()
                .filter(o -> o.ok() && o.device().equals(m.device()) && o.variant().equals(m.variant()))
                .filter(o -> o.workload().phase() == w.phase() && o.workload().context() == w.context()
                        && o.workload().attention().name().equals("MHA")
                        && o.workload().model().queryHeads() == w.model().queryHeads())
                .findFirst().map(o -> m.summary().msPerStep() / o.summary().msPerStep()).orElse(Double.NaN);
    }

    static List<Measurement> okDecode(ProfileData data) {
        return data.measurements().stream().filter(m -> m.ok() && m.workload().phase() == Workload.Phase.DECODE).toList();
    }

    /** OK decode measurements of the model as it is ({@code forced = false}) or with forced KV heads. */
    static List<Measurement> okDecode(ProfileData data, boolean forced) {
        return okDecode(data).stream().filter(m -> m.workload().forced() == forced).toList();
    }

    static List<String> deviceIds(ProfileData data) {
        Set<String> ids = new LinkedHashSet<>();
        data.devices().forEach(d -> ids.add(d.id()));
        data.measurements().forEach(m -> ids.add(m.device()));
        return List.copyOf(ids);
    }

    private static Optional<Measurement> fastest(List<Measurement> ms, String device,
                                                 java.util.function.Predicate<Measurement> which) {
        return ms.stream().filter(m -> m.device().equals(device)).filter(which)
                .min(Comparator.comparingDouble(m -> m.summary().msPerStep()));
    }

    private static boolean[] rightAlignedFrom(int first, int columns) {
        boolean[] right = new boolean[columns];
        for (int c = first; c < columns; c++) {
            right[c] = true;
        }
        return right;
    }

    /** A Markdown table; cells may not break lines, and a {@code |} in a cell is escaped. */
    private record Table(List<String> header, boolean[] rightAligned, List<List<String>> rows) {

        Table(List<String> header, boolean[] rightAligned) {
            this(header, rightAligned, new ArrayList<>());
        }

        void row(List<String> cells) {
            if (cells.size() != header.size()) {
                throw new IllegalArgumentException("expected " + header.size() + " cells, got " + cells);
            }
            rows.add(cells);
        }

        void appendTo(StringBuilder md) {
            line(md, header);
            StringBuilder rule = new StringBuilder("|");
            for (boolean right : rightAligned) {
                rule.append(right ? "--:|" : "---|");
            }
            md.append(rule).append('\n');
            rows.forEach(r -> line(md, r));
        }

        private static void line(StringBuilder md, List<String> cells) {
            md.append("|");
            for (String cell : cells) {
                String c = Objects.requireNonNullElse(cell, "").replace("|", "\\|").replaceAll("\\R", " ");
                md.append(c.isEmpty() ? " |" : " " + c + " |");
            }
            md.append('\n');
        }
    }
}
