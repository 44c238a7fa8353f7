package squall.profiles;

import squall.runtime.Device;
import squall.tasks.Peak;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A device as the report describes it.
 *
 * @param properties the driver's properties in its order (versions among them)
 * @param peak       read bandwidth in GB/s from {@code BandwidthProbe}, {@code null} when it could not be measured; in a
 *                   profile recorded before squall measured read bandwidth ({@code peakSetBy} absent), the copy
 *                   bandwidth it measured then
 * @param peakSetBy  which probe set {@code peak}: {@code device} (a kernel on it) or {@code host} (the JVM on the
 *                   host CPU); {@code null} in older profiles
 * @param fmaPeak    fp32 FMA throughput in GFLOP/s from {@code FmaProbe}, {@code null} when unknown
 * @param fmaSetBy   which probe set {@code fmaPeak}
 */
public record DeviceInfo(String id, String name, String type, String backend, Map<String, String> properties, Double peak,
                         String peakSetBy, Double fmaPeak, String fmaSetBy) {

    public DeviceInfo {
        properties = new LinkedHashMap<>(properties);
    }

    /** {@code read} and {@code fma} may be {@code null}: not measured. */
    public static DeviceInfo of(Device device, Peak read, Peak fma) {
        return new DeviceInfo(device.id(), device.name(), device.type().name().toLowerCase(Locale.ROOT), device.backend(),
                device.properties(), read == null ? null : read.value(), read == null ? null : read.setBy().label(),
                fma == null ? null : fma.value(), fma == null ? null : fma.setBy().label());
    }

    /** {@code gflops} as a percentage of {@link #fmaPeak()}; NaN when that is unknown. */
    public double percentOfFma(double gflops) {
        return fmaPeak != null && fmaPeak > 0 ? 100 * gflops / fmaPeak : Double.NaN;
    }

    /** Whether {@link #peak()} is a copy bandwidth, from a profile recorded before squall measured read bandwidth. */
    public boolean copyPeak() {
        return peak != null && peakSetBy == null;
    }
}
