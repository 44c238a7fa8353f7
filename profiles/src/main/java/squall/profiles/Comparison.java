package squall.profiles;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import squall.tasks.cli.Bytes;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * {@code scripts/profile --compare A B}: for every workload × device × variant present in both runs,
 * the ratio B / A of ms/step (above 1: B is slower) and of GB/s (below 1: B moves less), so a
 * regression stands out.
 *
 * <pre>{@code
 * Comparison.of(Path.of("profiles/results/2026-11-20-host"), Path.of("profiles/results/2026-11-23-host"))
 *         .print(new PrintWriter(System.out, true));
 * }</pre>
 */
public final class Comparison {

    /** A row of one run, as {@code data.csv} holds it. */
    record Row(String workload, String device, String variant, String status, Double msPerStep, Double gbPerS) {
        String key() {
            return workload + " " + device + " " + variant;
        }
    }

    private final Path a;
    private final Path b;
    private final Map<String, Row> rowsA;
    private final Map<String, Row> rowsB;
    /** Each run's profile.json, beside its data.csv; {@code null} where there is none. */
    private final ProfileData dataA;
    private final ProfileData dataB;

    private Comparison(Path a, Path b) {
        this.a = a;
        this.b = b;
        this.rowsA = read(a);
        this.rowsB = read(b);
        this.dataA = profileBeside(a);
        this.dataB = profileBeside(b);
    }

    private static ProfileData profileBeside(Path csv) {
        Path json = csv.toAbsolutePath().resolveSibling(ResultsFolder.JSON);
        return Files.isRegularFile(json) ? Json.read(json) : null;
    }

    /**
     * What differs between the two runs besides the code: settings, machine, JDK, load. A ratio means what it says
     * only when these are the same; each difference is one line, {@code A / B}.
     */
    List<String> differences() {
        List<String> notes = new ArrayList<>();
        if (dataA == null || dataB == null) {
            notes.add("settings and machine unknown for " + (dataA == null && dataB == null ? "A and B"
                    : dataA == null ? "A" : "B") + " (no " + ResultsFolder.JSON + " beside its " + ResultsFolder.CSV
                    + "): the rows may not be alike");
            return notes;
        }
        RunOptions oa = dataA.options(), ob = dataB.options();
        List<String> settings = new ArrayList<>();
        differ(settings, "model", oa.model(), ob.model());
        differ(settings, "layers", oa.layers(), ob.layers());
        differ(settings, "batch", oa.batch(), ob.batch());
        differ(settings, "KV dtype", oa.kvDtype(), ob.kvDtype());
        differ(settings, "block size", oa.blockSize(), ob.blockSize());
        differ(settings, "timed steps", oa.steps(), ob.steps());
        differ(settings, "warm-up steps", oa.warmup(), ob.warmup());
        differ(settings, "prefill tokens", oa.prefillTokens(), ob.prefillTokens());
        if (!settings.isEmpty()) {
            notes.add("different settings: " + String.join("; ", settings));
        }
        MachineInfo ma = dataA.machine(), mb = dataB.machine();
        List<String> machine = new ArrayList<>();
        differ(machine, "host", ma.host(), mb.host());
        differ(machine, "CPU", ma.cpu(), mb.cpu());
        differ(machine, "cores", ma.cores(), mb.cores());
        differ(machine, "memory", Bytes.brief(ma.memoryBytes()), Bytes.brief(mb.memoryBytes()));
        differ(machine, "OS", ma.os(), mb.os());
        differ(machine, "GPUs", ma.gpus(), mb.gpus());
        differ(machine, "JDK", dataA.software().jdk(), dataB.software().jdk());
        if (!machine.isEmpty()) {
            notes.add("different machines or JDKs: " + String.join("; ", machine));
        }
        for (ProfileData d : List.of(dataA, dataB)) {
            double busiest = Math.max(d.loadAtStart() == null ? 0 : d.loadAtStart(), d.loadAtEnd() == null ? 0 : d.loadAtEnd());
            if (busiest > d.machine().cores()) {
                notes.add((d == dataA ? "A" : "B") + " ran on a busy machine (load average up to "
                        + String.format(Locale.ROOT, "%.2f", busiest) + " on " + d.machine().cores() + " cores)");
            }
        }
        return notes;
    }

    private static void differ(List<String> notes, String what, Object a, Object b) {
        if (!Objects.equals(a, b)) {
            notes.add(what + " " + a + " / " + b);
        }
    }

    /** Reads both runs; each is a results folder (its {@code data.csv}) or a CSV file. */
    public static Comparison of(Path a, Path b) {
        return new Comparison(csvOf(a), csvOf(b));
    }

    static Path csvOf(Path given) {
        Path csv = Files.isDirectory(given) ? given.resolve(ResultsFolder.CSV) : given;
        if (!Files.isRegularFile(csv)) {
            throw new IllegalArgumentException(given + (Files.isDirectory(given) ? " has no " + ResultsFolder.CSV
                    : " does not exist") + "; give a results folder or its data.csv");
        }
        return csv;
    }

    private static Map<String, Row> read(Path csv) {
        Map<String, Row> rows = new LinkedHashMap<>();
        CsvSchema schema = CsvSchema.emptySchema().withHeader();
        try (MappingIterator<Map<String, String>> it = CsvRow.MAPPER.readerForMapOf(String.class).with(schema)
                .readValues(csv.toFile())) {
            while (it.hasNext()) {
                Map<String, String> r = it.next();
                for (String column : List.of("workload", "device", "variant", "status", "ms_per_step", "gb_per_s")) {
                    if (!r.containsKey(column)) {
                        throw new IllegalArgumentException(csv + " has no column '" + column + "': not a squall data.csv");
                    }
                }
                Row row = new Row(r.get("workload"), r.get("device"), r.get("variant"), r.get("status"),
                        number(r.get("ms_per_step")), number(r.get("gb_per_s")));
                rows.put(row.key(), row);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + csv + ": " + e.getMessage(), e);
        }
        return rows;
    }

    private static Double number(String text) {
        return text == null || text.isBlank() ? null : Double.valueOf(text);
    }

    /** Rows present in both runs, in A's order. */
    List<Row[]> common() {
        List<Row[]> both = new ArrayList<>();
        rowsA.forEach((key, rowA) -> {
            Row rowB = rowsB.get(key);
            if (rowB != null) {
                both.add(new Row[] {rowA, rowB});
            }
        });
        return both;
    }

    /** Prints the table of ratios, then how many rows only one run has. */
    public void print(PrintWriter out) {
        out.println("A: " + a);
        out.println("B: " + b);
        List<String> notes = differences();
        if (notes.isEmpty()) {
            out.println("same settings, machine and JDK");
        } else {
            notes.forEach(n -> out.println("note: " + n));
        }
        out.println();
        List<String[]> table = new ArrayList<>();
        table.add(new String[] {"WORKLOAD", "DEVICE", "VARIANT", "MS/STEP A", "MS/STEP B", "B/A", "GB/S A", "GB/S B", "B/A"});
        for (Row[] pair : common()) {
            Row ra = pair[0], rb = pair[1];
            table.add(new String[] {ra.workload(), ra.device(), ra.variant(), value(ra, ra.msPerStep()),
                    value(rb, rb.msPerStep()), ratio(ra.msPerStep(), rb.msPerStep()), value(ra, ra.gbPerS()),
                    value(rb, rb.gbPerS()), ratio(ra.gbPerS(), rb.gbPerS())});
        }
        print(out, table);
        long onlyA = rowsA.keySet().stream().filter(k -> !rowsB.containsKey(k)).count();
        long onlyB = rowsB.keySet().stream().filter(k -> !rowsA.containsKey(k)).count();
        if (onlyA + onlyB > 0) {
            out.println();
            out.println(onlyA + " rows only in A, " + onlyB + " only in B (not compared)");
        }
        out.flush();
    }

    /** A number, or the status when the row was not timed ({@code wrong}, {@code failed}). */
    private static String value(Row row, Double x) {
        return x == null ? row.status() : Numbers.fmt(x);
    }

    private static String ratio(Double a, Double b) {
        return a == null || b == null || a == 0 ? "" : String.format(Locale.ROOT, "%.3f", b / a);
    }

    /** Columns two spaces apart; text left-aligned, numbers right-aligned. */
    private static void print(PrintWriter out, List<String[]> rows) {
        int columns = rows.getFirst().length;
        int[] widths = new int[columns];
        for (String[] row : rows) {
            for (int c = 0; c < columns; c++) {
                widths[c] = Math.max(widths[c], row[c].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < columns; c++) {
                String pad = " ".repeat(widths[c] - row[c].length());
                line.append(c > 0 ? "  " : "").append(c < 3 ? row[c] + pad : pad + row[c]);
            }
            out.println(line.toString().stripTrailing());
        }
    }
}
