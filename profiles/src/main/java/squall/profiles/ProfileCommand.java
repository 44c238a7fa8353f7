package squall.profiles;

import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import squall.runtime.AtomicFile;
import squall.runtime.Device;
import squall.runtime.DeviceType;
import squall.runtime.Devices;
import squall.tasks.BandwidthProbe;
import squall.tasks.AttentionVariant;
import squall.tasks.FmaProbe;
import squall.tasks.KvCache;
import squall.tasks.KvDtype;
import squall.tasks.LayoutProbe;
import squall.tasks.ModelPreset;
import squall.tasks.Peak;
import squall.tasks.cli.SquallCommand;
import squall.tasks.cli.StandardError;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * {@code scripts/profile}: decode (and prefill) attention on every device, side by side. For every
 * device × workload × variant it checks the device's output against the jvm device on a small run of
 * the same graph, then times the real one, and writes {@code report.md}, {@code data.csv},
 * {@code profile.json} and charts into a results folder. Exit status: 0 when every measurement was
 * right, 1 when a device was wrong or failed (the results are written all the same) or the run itself
 * failed, 2 on bad input.
 *
 * <pre>{@code
 * scripts/profile --devices all --layers 16 --contexts 1024,4096,16384
 * scripts/profile --compare profiles/results/2026-11-20-host profiles/results/2026-11-23-host
 * }</pre>
 *
 * <p>In-process: {@code int status = ProfileCommand.commandLine().execute("--devices", "jvm", "--out", dir);}
 */
@Command(name = "profile",
        mixinStandardHelpOptions = true,
        versionProvider = ProfileCommand.Version.class,
        sortOptions = false,
        description = {
                "Times decode and prefill attention on every device, after checking each device's output against the"
                        + " jvm device, and writes report.md, data.csv, profile.json and charts.",
                "Workloads: the model as it is at each context, the same model forced to MHA (Hkv = Hq) and MQA"
                        + " (Hkv = 1) at the middle context, and a prompt prefill."})
public final class ProfileCommand implements Callable<Integer> {

    static final int BAD_INPUT = 2;
    static final int FAILED = 1;

    @Spec
    CommandSpec spec;

    @Option(names = "--devices", paramLabel = "all|LIST", defaultValue = "all",
            description = "Devices to profile: all, or ids separated by commas (jvm,opencl:0). Default: ${DEFAULT-VALUE}.")
    String devices;

    @Option(names = "--model", paramLabel = "M", defaultValue = "llama3-8b",
            description = "Model preset (squall models lists them). Default: ${DEFAULT-VALUE}.")
    String model;

    @Option(names = "--contexts", paramLabel = "N,N", split = ",", defaultValue = "1024,4096,16384",
            description = "Context lengths of the decode workloads. Default: ${DEFAULT-VALUE}.")
    List<Integer> contexts;

    @Option(names = "--variants", paramLabel = "V,V", split = ",", defaultValue = "broadcast,workgroup,gather,repeat",
            description = "Cache variants (workgroup is decode only). Default: ${DEFAULT-VALUE}.")
    List<String> variants;

    @Option(names = "--layers", paramLabel = "N",
            description = "Layers to run. Default: enough that the smallest context's K/V is twice the CPU's"
                    + " last-level cache (so no step runs from the cache), at most the model's.")
    Integer layers;

    @Option(names = "--batch", paramLabel = "B", defaultValue = "1", description = "Sequences per step. Default: ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--kv-dtype", paramLabel = "T", defaultValue = "fp16",
            description = "KV cache storage: fp32, fp16, bf16 or int8. Default: ${DEFAULT-VALUE}.")
    String kvDtype;

    @Option(names = "--steps", paramLabel = "N", defaultValue = "10", description = "Timed steps per measurement. Default: ${DEFAULT-VALUE}.")
    int steps;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "2",
            description = "Untimed steps first (the first compiles and copies the cache in). Default: ${DEFAULT-VALUE}.")
    int warmup;

    @Option(names = "--prefill-tokens", paramLabel = "T", defaultValue = "128",
            description = "Tokens of the prompt-prefill workload; 0 for none. Default: ${DEFAULT-VALUE}.")
    int prefillTokens;

    @Option(names = "--block-size", paramLabel = "N", defaultValue = "" + KvCache.DEFAULT_BLOCK_SIZE, description = "Tokens per cache block. Default: ${DEFAULT-VALUE}.")
    int blockSize;

    @Option(names = "--out", paramLabel = "DIR",
            description = "Results folder. Default: profiles/results/<yyyy-MM-dd>-<host>/ in the repository.")
    Path out;

    @Option(names = "--probe-mib", paramLabel = "N",
            description = "Measure each device's read bandwidth now over N MiB, and its FMA throughput, instead of the"
                    + " values BandwidthProbe and FmaProbe remember (measured once, over 1 GiB).")
    Integer probeMib;

    @Option(names = "--compare", arity = "2", paramLabel = "RUN",
            description = "Compare two runs (results folders or data.csv files): ratio B/A of ms/step and GB/s per row"
                    + " present in both. Nothing is run.")
    List<Path> compare;

    @Option(names = "--report", paramLabel = "DIR",
            description = "Write report.md and the charts again from DIR/profile.json (an earlier run). Nothing is run.")
    Path report;

    @Option(names = "--progress", negatable = true,
            description = "A progress bar on standard error (--no-progress: never). Default: only when standard error"
                    + " is a terminal, as for squall decode.")
    Boolean progress;

    @Option(names = {"-v", "--verbose"}, description = "Log to standard error: -v info, -vv debug.")
    void verbose(boolean[] flags) {
        if (flags.length > 0) {
            System.setProperty(LOG_LEVEL, flags.length == 1 ? "info" : "debug");
        }
    }

    static final String LOG_LEVEL = "org.slf4j.simpleLogger.defaultLogLevel";

    public static void main(String[] args) {
        StandardError.takeBack();
        setIfAbsent(LOG_LEVEL, "warn");
        setIfAbsent("org.slf4j.simpleLogger.logFile", "System.err");
        setIfAbsent("org.slf4j.simpleLogger.showThreadName", "false");
        setIfAbsent("org.slf4j.simpleLogger.showShortLogName", "true");
        System.exit(commandLine().execute(args));
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    /** The command line with its error handling: {@code execute(args)} returns the exit status. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new ProfileCommand());
        cli.setParameterExceptionHandler((e, args) -> {
            e.getCommandLine().getErr().println("profile: " + SquallCommand.oneLine(e.getMessage())
                    + (e.getMessage().contains("--help") ? "" : " (try 'profile --help')"));
            e.getCommandLine().getErr().flush();
            return BAD_INPUT;
        });
        cli.setExecutionExceptionHandler((e, failed, parseResult) -> {
            if (e instanceof BadInput) {
                failed.getErr().println("profile: " + SquallCommand.oneLine(e.getMessage()));
                failed.getErr().flush();
                return BAD_INPUT;
            }
            LoggerFactory.getLogger(ProfileCommand.class).debug("profile failed", e);
            String message = e.getMessage() == null ? e.toString() : e.getClass().getSimpleName() + ": " + e.getMessage();
            failed.getErr().println("profile: error: " + SquallCommand.oneLine(message) + " (-vv for the stack trace)");
            failed.getErr().flush();
            return FAILED;
        });
        return cli;
    }

    private boolean showProgress() {
        return showProgress(progress, StandardError.isTerminal());
    }

    /** {@code --progress} or {@code --no-progress} as given; otherwise on a terminal only, where a bar helps. */
    static boolean showProgress(Boolean option, boolean stderrIsTerminal) {
        return option != null ? option : stderrIsTerminal;
    }

    @Override
    public Integer call() {
        PrintWriter stdout = spec.commandLine().getOut();
        if (compare != null) {
            Comparison comparison;
            try {
                comparison = Comparison.of(compare.get(0), compare.get(1));
            } catch (IllegalArgumentException e) {
                throw bad("--compare", e.getMessage());
            }
            comparison.print(stdout);
            return 0;
        }
        if (report != null) {
            Path json = report.resolve(ResultsFolder.JSON);
            if (!Files.isRegularFile(json)) {
                throw bad("--report", report + " has no " + ResultsFolder.JSON);
            }
            Report.write(Json.read(json), report);
            stdout.println("report: " + report.resolve(Report.FILE).toAbsolutePath().normalize());
            stdout.flush();
            return 0;
        }
        // Before anything of this run adds to it: the work that was already there.
        Double loadAtStart = MachineInfo.loadAverage();
        Plan plan = plan();

        PrintWriter err = spec.commandLine().getErr();
        Map<String, Double> peaks = new LinkedHashMap<>();
        List<DeviceInfo> infos = new ArrayList<>();
        for (Device d : plan.devices()) {
            Peak read = peak(d, "read bandwidth", "% of peak", () -> probeMib != null
                    ? BandwidthProbe.measure(d, (long) probeMib << 20) : BandwidthProbe.peak(d), err);
            Peak fma = peak(d, "FMA throughput", "% of FMA", () -> probeMib != null
                    ? FmaProbe.measure(d, FmaProbe.DEFAULT_ITEMS) : FmaProbe.peak(d), err);
            if (read != null) {
                peaks.put(d.id(), read.value());
            }
            DeviceInfo info = DeviceInfo.of(d, read, fma);
            if (plan.variants().contains(AttentionVariant.WORKGROUP)) {
                // The work-group graphs below run the layout measured faster on this device: say which.
                info.properties().put("workgroup layout", LayoutProbe.fasterLayout(d) + " (measured faster, remembered)");
            }
            infos.add(info);
        }
        Path root = Path.of(System.getProperty("squall.root", "")).toAbsolutePath();
        List<String> gpus = plan.devices().stream().filter(d -> d.type() == DeviceType.GPU)
                .map(d -> d.id() + ": " + d.name()).toList();
        MachineInfo machine = MachineInfo.detect(gpus);
        Path dir = out != null ? out
                : root.resolve("profiles/results").resolve(LocalDate.now() + "-" + machine.host());
        ProfileData initial = new ProfileData(ProfileData.FORMAT, true, typedCommand(),
                Instant.now().truncatedTo(ChronoUnit.SECONDS).toString(), null, machine, SoftwareInfo.detect(root),
                plan.options(), infos, List.of(), loadAtStart, null);

        ProfileRunner runner = new ProfileRunner(plan.devices(), plan.workloads(), plan.variants(), warmup, steps, peaks,
                new OutputCheck());
        int notOk = 0;
        try (ResultsFolder folder = new ResultsFolder(dir, initial);
             Progress bar = showProgress() ? Progress.bar("profile", runner.progressUnits(), System.err) : Progress.none()) {
            Thread hook = folder.shutdownHook();
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                runner.run(folder::add, bar);
                bar.close();
                folder.finish();
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the hook is running or has run: it writes the partial report
                }
            }
            for (Measurement m : folder.data().measurements()) {
                notOk += m.ok() ? 0 : 1;
            }
            stdout.println("results: " + dir.toAbsolutePath().normalize());
            printSummary(stdout, folder.data());
        }
        if (notOk > 0) {
            err.println("profile: " + notOk + " measurement" + (notOk == 1 ? " was" : "s were")
                    + " wrong or failed; see " + dir.resolve(Report.FILE));
            err.flush();
            return FAILED;
        }
        return 0;
    }

    /** What the options ask for, checked. */
    record Plan(List<Device> devices, List<Workload> workloads, List<AttentionVariant> variants, RunOptions options) {
    }

    Plan plan() {
        if (out != null) {
            requireWritableFolder(out);
        }
        List<Device> chosen = devices();
        ModelPreset m;
        try {
            m = ModelPreset.byId(model);
        } catch (IllegalArgumentException e) {
            throw bad("--model", e.getMessage());
        }
        KvDtype dtype;
        try {
            dtype = KvDtype.parse(kvDtype);
            dtype.storage();
        } catch (IllegalArgumentException e) {
            throw bad("--kv-dtype", e.getMessage());
        }
        List<AttentionVariant> vs = new ArrayList<>();
        for (String v : variants) {
            try {
                AttentionVariant parsed = AttentionVariant.parse(v.strip());
                if (!vs.contains(parsed)) {
                    vs.add(parsed);
                }
            } catch (IllegalArgumentException e) {
                throw bad("--variants", e.getMessage());
            }
        }
        List<Integer> ctx = contexts.stream().distinct().sorted().toList();
        if (ctx.isEmpty() || ctx.getFirst() < 1) {
            throw bad("--contexts", "context lengths must be >= 1, got " + contexts);
        }
        positive("--batch", batch);
        positive("--steps", steps);
        positive("--warmup", warmup);
        positive("--block-size", blockSize);
        if (prefillTokens < 0) {
            throw bad("--prefill-tokens", "must be >= 0, got " + prefillTokens);
        }
        if (probeMib != null) {
            positive("--probe-mib", probeMib);
        }
        int L = layers != null ? layers : autoLayers(m, ctx.getFirst(), dtype);
        if (L < 1 || L > m.layers()) {
            throw bad("--layers", "must be in [1, " + m.layers() + "] for " + m.id() + ", got " + L);
        }
        List<Workload> workloads = new ArrayList<>();
        for (int c : ctx) {
            workloads.add(Workload.decode(m, c, L, batch, dtype, blockSize));
        }
        Workload middle = Workload.decode(m, ctx.get((ctx.size() - 1) / 2), L, batch, dtype, blockSize);
        for (int kvHeads : new int[] {m.queryHeads(), 1}) {
            Workload forced = middle.withKvHeads(kvHeads);
            if (forced.forced()) {
                workloads.add(forced);
            }
        }
        if (prefillTokens > 0) {
            workloads.add(Workload.prefill(m, prefillTokens, L, batch, dtype, blockSize));
        }
        RunOptions options = new RunOptions(m.id(), chosen.stream().map(Device::id).toList(), ctx,
                vs.stream().map(AttentionVariant::toString).toList(), L, batch, dtype.toString(), steps, warmup,
                prefillTokens, blockSize);
        return new Plan(chosen, workloads, vs, options);
    }

    /** Layers whose K/V at {@code context} is at least twice the last-level cache, at most the model's. */
    static int autoLayers(ModelPreset m, int context, KvDtype dtype) {
        long perLayer = 2L * m.kvHeads() * m.headDim() * (long) context * dtype.bytes();
        long wanted = 2 * MachineInfo.lastLevelCacheOrAssumed();
        return (int) Math.max(1, Math.min(m.layers(), (wanted + perLayer - 1) / perLayer));
    }

    private List<Device> devices() {
        if (devices.strip().equalsIgnoreCase("all")) {
            return Devices.all();
        }
        LinkedHashSet<Device> chosen = new LinkedHashSet<>();
        for (String id : devices.split(",")) {
            if (id.isBlank()) {
                continue;
            }
            try {
                chosen.add(Devices.get(id.strip()));
            } catch (IllegalArgumentException e) {
                throw bad("--devices", e.getMessage());
            }
        }
        if (chosen.isEmpty()) {
            throw bad("--devices", "name at least one device, or all");
        }
        return List.copyOf(chosen);
    }

    /** {@code probe}'s peak of {@code d}; {@code null} with a warning when it fails, so the run goes on without it. */
    private static Peak peak(Device d, String what, String column, Supplier<Peak> probe, PrintWriter err) {
        try {
            return probe.get();
        } catch (RuntimeException e) {
            err.println("profile: warning: no " + what + " for " + d.id() + " (" + SquallCommand.oneLine(String.valueOf(e.getMessage()))
                    + "): its " + column + " stays empty");
            err.flush();
            return null;
        }
    }

    private String typedCommand() {
        String given = System.getProperty("squall.command");
        if (given != null && !given.isBlank()) {
            return given.strip();
        }
        return "profile " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
    }

    private static void printSummary(PrintWriter out, ProfileData data) {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"WORKLOAD", "DEVICE", "VARIANT", "MS/STEP", "GB/S", "% PEAK", "STATUS"});
        for (Measurement m : data.measurements()) {
            rows.add(new String[] {m.workload().key(), m.device(), m.variant(),
                    m.ok() ? Numbers.fmt(m.summary().msPerStep()) : "",
                    m.ok() ? Numbers.fmt(m.summary().gigabytesPerSecond()) : "", Numbers.percent(m.percentOfPeak()),
                    m.status().name().toLowerCase(Locale.ROOT)});
        }
        int[] widths = new int[rows.getFirst().length];
        rows.forEach(r -> {
            for (int c = 0; c < r.length; c++) {
                widths[c] = Math.max(widths[c], r[c].length());
            }
        });
        for (String[] r : rows) {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < r.length; c++) {
                String pad = " ".repeat(widths[c] - r[c].length());
                line.append(c > 0 ? "  " : "").append(c < 3 || c == 6 ? r[c] + pad : pad + r[c]);
            }
            out.println(line.toString().stripTrailing());
        }
        out.flush();
    }

    private static void positive(String option, int value) {
        if (value < 1) {
            throw bad(option, "must be >= 1, got " + value);
        }
    }

    /** Before any measurement: --out must be a folder (or nothing yet) whose result files squall may replace. */
    private static void requireWritableFolder(Path dir) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw bad("--out", dir + " is not a folder");
        }
        if (Files.isDirectory(dir)) {
            List<String> names = new ArrayList<>(List.of(ResultsFolder.CSV, ResultsFolder.JSON, Report.FILE));
            for (String chart : Charts.NAMES) {
                names.add(chart + ".png");
                names.add(chart + ".svg");
            }
            for (String name : names) {
                try {
                    AtomicFile.target(dir.resolve(name));
                } catch (IOException e) {
                    throw bad("--out", e.getMessage());
                }
            }
        }
    }

    private static BadInput bad(String option, String detail) {
        return new BadInput(option + ": " + detail);
    }

    /** The user's input is wrong: one line naming the option, exit status 2. */
    static final class BadInput extends RuntimeException {
        BadInput(String message) {
            super(message);
        }
    }

    /** The version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = ProfileCommand.class.getPackage().getImplementationVersion();
            return new String[] {"squall profile " + (version == null ? "(development build)" : version)};
        }
    }
}
