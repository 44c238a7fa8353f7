package squall.profiles;

import squall.runtime.Device;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A device as the report describes it.
 *
 * @param properties the driver's properties in its order (versions among them)
 * @param peak       copy bandwidth in GB/s from {@code BandwidthProbe}, {@code null} when it could not be measured
 */
public record DeviceInfo(String id, String name, String type, String backend, Map<String, String> properties, Double peak) {

    public DeviceInfo {
        properties = new LinkedHashMap<>(properties);
    }

    public static DeviceInfo of(Device device, Double peak) {
        return new DeviceInfo(device.id(), device.name(), device.type().name().toLowerCase(Locale.ROOT), device.backend(),
                device.properties(), peak);
    }
}
