package squall.tasks.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import squall.runtime.CacheFolder;
import squall.runtime.Device;
import squall.runtime.DeviceProvider;
import squall.runtime.Devices;
import squall.tasks.BandwidthProbe;
import squall.tasks.FmaProbe;
import squall.tasks.Peak;

import java.io.PrintWriter;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * {@code squall devices}: every device found, the id {@code --device} takes first, then why other back ends are
 * missing; with {@code --measure}, each device's read bandwidth and FMA throughput, and with {@code --c-loop} the
 * plain C loops beside them, in one run.
 *
 * <pre>{@code
 * scripts/squall devices --measure
 * scripts/squall devices --measure --c-loop --devices jvm,opencl:0
 * }</pre>
 */
@Command(name = "devices", sortOptions = false,
        description = "Lists the devices squall can run on, and the back ends it found none for.")
final class DevicesCommand implements Callable<Integer> {

    /** The back ends squall knows, so that one that is not even built in still gets a line. */
    private static final List<String> KNOWN_BACKENDS = List.of("jvm", "opencl", "cuda");
    private static final int C_RUNS = 5;

    @Spec
    CommandSpec spec;

    @Option(names = "--measure", description = {"Also print each device's read bandwidth (GB/s: a sum over 1 GiB on"
            + " every core) and fp32 FMA throughput (GFLOP/s), measured once per device and then remembered in"
            + " $SQUALL_CACHE_DIR (default ~/.cache/squall; delete a file to measure again). On CPU devices each is"
            + " the higher of a kernel on the device and the JVM on the host (Vector API); SET BY says which."})
    boolean measure;

    @Option(names = "--devices", split = ",", paramLabel = "<id>",
            description = "Devices to measure, comma-separated (default all); implies --measure.")
    List<String> measured;

    @Option(names = "--now", description = "Measure now rather than print the remembered figures (nothing is"
            + " remembered); implies --measure.")
    boolean now;

    @Option(names = "--probe-mib", paramLabel = "<MiB>",
            description = "Read-probe buffer in MiB (default 1024); implies --now.")
    Integer probeMib;

    @Option(names = "--fma-items", paramLabel = "<n>",
            description = "Work-items of the FMA kernel (default " + FmaProbe.DEFAULT_ITEMS + "); implies --now.")
    Integer fmaItems;

    @Option(names = "--rounds", paramLabel = "<n>", description = {"Measure n times, the C loop too, one round after"
            + " the other, and keep each figure's best (default 1): on a machine others share, the load moves within"
            + " the seconds one round takes; implies --now."})
    Integer rounds;

    @Option(names = "--c-loop", description = {"Also build and run the plain C read and FMA loops (scripts/c/peak.c, "
            + CLoop.COMPILER + ", every thread) in the same run, and print squall's figures as % of them; needs gcc;"
            + " implies --now."})
    boolean cLoop;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<Device> chosen = measured();
        List<Device> devices = Devices.all();
        TextTable table = new TextTable("ID", "NAME", "KIND", "BACKEND", "PROPERTIES");
        for (Device d : devices) {
            table.row(d.id(), d.name(), d.type().name().toLowerCase(Locale.ROOT), d.backend(), properties(d.properties()));
        }
        table.print(out);

        Map<String, String> unavailable = Devices.unavailableBackends();
        Set<String> providers = ServiceLoader.load(DeviceProvider.class).stream()
                .map(p -> p.get().backend()).collect(Collectors.toCollection(LinkedHashSet::new));
        Set<String> backends = new LinkedHashSet<>(KNOWN_BACKENDS);
        backends.addAll(providers);
        backends.addAll(unavailable.keySet());
        boolean first = true;
        for (String backend : backends) {
            String note;
            if (unavailable.containsKey(backend)) {
                note = unavailable.get(backend);
            } else if (devices.stream().anyMatch(d -> d.backend().equals(backend))) {
                continue;
            } else if (providers.contains(backend)) {
                note = "the driver reported no devices";
            } else {
                note = "not built into this squall (no " + backend + " device provider on the class path)";
            }
            if (first) {
                out.println();
                first = false;
            }
            out.println(backend + ": unavailable: " + note);
        }
        out.flush();
        if (chosen != null) {
            measure(out, chosen);
        }
        return 0;
    }

    /** The devices to measure, {@code null} for none; checks the options first, so bad input measures nothing. */
    private List<Device> measured() {
        if (probeMib != null && (probeMib < 1 || probeMib > 2047 || ((long) probeMib << 20) % BandwidthProbe.GRANULE != 0)) {
            throw new BadInputException("--probe-mib", "must be in [1, 2047] MiB, got " + probeMib);
        }
        if (fmaItems != null && fmaItems < 1) {
            throw new BadInputException("--fma-items", "must be >= 1, got " + fmaItems);
        }
        if (cLoop && !CLoop.gccPresent()) {
            throw new BadInputException("--c-loop", "needs gcc on the PATH (apt-get install gcc), found none");
        }
        if (rounds != null && rounds < 1) {
            throw new BadInputException("--rounds", "must be >= 1, got " + rounds);
        }
        now |= probeMib != null || fmaItems != null || cLoop || rounds != null;
        if (!(measure || now || measured != null)) {
            return null;
        }
        if (measured == null || measured.stream().allMatch(String::isBlank)) {
            return Devices.all();
        }
        List<Device> chosen = new ArrayList<>();
        for (String id : measured) {
            if (!id.isBlank()) {
                try {
                    chosen.add(Devices.get(id.strip()));
                } catch (IllegalArgumentException e) {
                    throw new BadInputException("--devices", e.getMessage());
                }
            }
        }
        return chosen;
    }

    private void measure(PrintWriter out, List<Device> devices) {
        long mib = probeMib != null ? probeMib : BandwidthProbe.DEFAULT_BYTES >> 20;
        int items = fmaItems != null ? fmaItems : FmaProbe.DEFAULT_ITEMS;
        out.println();
        out.println(now ? "measuring now (" + mib + " MiB read, " + items + " FMA work-items), nothing remembered..."
                : "measured once per device, remembered in " + CacheFolder.root() + " (" + BandwidthProbe.FILE + ", "
                + FmaProbe.FILE + ")");
        out.flush();
        // The C loop runs before and after squall's probes in every round, and each figure keeps its best: on a
        // machine that others share, the load can change within the seconds a measurement takes.
        int n = rounds == null ? 1 : rounds;
        CLoop c = null;
        List<Peak[]> peaks = new ArrayList<>();
        for (int round = 0; round < n; round++) {
            c = cLoop ? CLoop.run(mib, C_RUNS).best(c) : null;
            for (int i = 0; i < devices.size(); i++) {
                Device d = devices.get(i);
                Peak[] both;
                try {
                    both = new Peak[] {now ? BandwidthProbe.measure(d, mib << 20) : BandwidthProbe.peak(d),
                            now ? FmaProbe.measure(d, items) : FmaProbe.peak(d)};
                } catch (RuntimeException e) {
                    throw new CommandFailedException("measuring " + d.id() + " failed: " + e.getMessage(), e);
                }
                if (round == 0) {
                    peaks.add(both);
                } else {
                    peaks.set(i, new Peak[] {peaks.get(i)[0].best(both[0]), peaks.get(i)[1].best(both[1])});
                }
            }
            c = cLoop ? CLoop.run(mib, C_RUNS).best(c) : null;
        }
        TextTable table = new TextTable("MEASURED", "READ GB/S", "SET BY", "DEVICE", "HOST", "FMA GFLOP/S", "SET BY",
                "DEVICE", "HOST", "WHEN").alignRight(1, 3, 4, 5, 7, 8);
        List<String> againstC = new ArrayList<>();
        for (int i = 0; i < devices.size(); i++) {
            Device d = devices.get(i);
            Peak read = peaks.get(i)[0];
            Peak fma = peaks.get(i)[1];
            table.row(d.id(), figure(read.value()), read.setBy().label(), figure(read.device()), figure(read.host()),
                    figure(fma.value()), fma.setBy().label(), figure(fma.device()), figure(fma.host()),
                    now ? "now" : read.measured().toString());
            if (c != null) {
                againstC.add(String.format(Locale.ROOT, "%s: read %.1f %% of the C loop (device %.1f %%, host %s), FMA"
                                + " %.1f %% (device %.1f %%, host %s)", d.id(), 100 * read.value() / c.readGigabytesPerSecond(),
                        100 * read.device() / c.readGigabytesPerSecond(), percent(read.host(), c.readGigabytesPerSecond()),
                        100 * fma.value() / c.fmaGigaflops(), 100 * fma.device() / c.fmaGigaflops(),
                        percent(fma.host(), c.fmaGigaflops())));
            }
        }
        if (c != null) {
            table.row("C loop", figure(c.readGigabytesPerSecond()), "", "", "", figure(c.fmaGigaflops()), "", "", "",
                    CLoop.COMPILER + ", " + c.threads() + " threads, the best of a run before and after"
                            + (n == 1 ? "" : " each round"));
        }
        table.print(out);
        out.println();
        out.println("READ: bytes summed per second over " + mib + " MiB on every core, best of " + Peak.RUNS + (n == 1 ? "" : " in each of "
                + n + " rounds") + "; FMA: fp32, two"
                + " operations per fused multiply-add. DEVICE: a kernel on the device; HOST: the JVM on the host CPU"
                + " (Vector API), measured for CPU devices; the higher is the peak and SET BY names it.");
        for (String line : againstC) {
            out.println(line);
        }
        out.flush();
    }

    /** Three significant digits, so that a tiny probe's figure does not print as 0; {@code -} for NaN. */
    private static String figure(double value) {
        return Double.isNaN(value) ? "-" : new BigDecimal(value).round(new MathContext(3)).toPlainString();
    }

    private static String percent(double value, double of) {
        return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%.1f %%", 100 * value / of);
    }

    private static String properties(Map<String, String> properties) {
        return properties.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", "));
    }
}
