package squall.tasks.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import squall.runtime.Device;
import squall.runtime.DeviceProvider;
import squall.runtime.Devices;

import java.io.PrintWriter;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/** {@code squall devices}: every device found, the id {@code --device} takes first, then why other back ends are missing. */
@Command(name = "devices", description = "Lists the devices squall can run on, and the back ends it found none for.")
final class DevicesCommand implements Callable<Integer> {

    /** The back ends squall knows, so that one that is not even built in still gets a line. */
    private static final List<String> KNOWN_BACKENDS = List.of("jvm", "opencl", "cuda");

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
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
        return 0;
    }

    private static String properties(Map<String, String> properties) {
        return properties.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(", "));
    }
}
