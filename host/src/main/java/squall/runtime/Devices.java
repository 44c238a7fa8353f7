package squall.runtime;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import squall.device.jvm.JvmDevice;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;

/**
 * The devices on this machine: {@code jvm} always, then every device each back end finds
 * ({@code opencl:N}, {@code cuda:N}). Discovery runs once per process.
 */
public final class Devices {

    private static final Logger LOG = LoggerFactory.getLogger(Devices.class);
    private static volatile Devices instance;

    private final List<Device> devices;
    private final Map<String, String> unavailable;

    private Devices(List<Device> devices, Map<String, String> unavailable) {
        this.devices = List.copyOf(devices);
        this.unavailable = Collections.unmodifiableMap(unavailable);
    }

    private static Devices instance() {
        Devices d = instance;
        if (d == null) {
            synchronized (Devices.class) {
                d = instance;
                if (d == null) {
                    d = discover();
                    instance = d;
                }
            }
        }
        return d;
    }

    private static Devices discover() {
        List<Device> found = new ArrayList<>();
        found.add(new JvmDevice());
        Map<String, String> unavailable = new LinkedHashMap<>();
        for (DeviceProvider provider : ServiceLoader.load(DeviceProvider.class)) {
            try {
                found.addAll(provider.discover());
            } catch (Exception | LinkageError e) {
                String why = e.getMessage() == null ? e.toString() : e.getMessage();
                unavailable.put(provider.backend(), why);
                LOG.debug("{} devices unavailable: {}", provider.backend(), why, e);
            }
        }
        return new Devices(found, unavailable);
    }

    /** Every device found, {@code jvm} first. */
    public static List<Device> all() {
        return instance().devices;
    }

    /** Back ends that found no driver, with the reason. */
    public static Map<String, String> unavailableBackends() {
        return instance().unavailable;
    }

    /** The device with this id ({@code jvm}, {@code opencl:0}, {@code cuda:0}). */
    public static Device get(String id) {
        for (Device d : all()) {
            if (d.id().equals(id)) {
                return d;
            }
        }
        List<String> ids = all().stream().map(Device::id).toList();
        String backend = id.contains(":") ? id.substring(0, id.indexOf(':')) : id;
        String why = instance().unavailable.get(backend);
        throw new IllegalArgumentException("no device '" + id + "'" + (why == null ? "" : " (" + backend + ": " + why + ")")
                + "; devices here: " + String.join(", ", ids));
    }

    /**
     * The device to use when none is named: a GPU if there is one (CUDA before OpenCL), then an
     * OpenCL accelerator, then an OpenCL CPU, then {@code jvm}.
     */
    public static Device defaultDevice() {
        Device best = null;
        for (Device d : all()) {
            if (best == null || rank(d) > rank(best)) {
                best = d;
            }
        }
        return best;
    }

    private static int rank(Device d) {
        return switch (d.type()) {
            case GPU -> d.backend().equals("cuda") ? 5 : 4;
            case ACCELERATOR -> 3;
            case CPU -> 2;
            case JVM -> 1;
        };
    }
}
