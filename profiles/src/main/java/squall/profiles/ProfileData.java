package squall.profiles;

import java.util.ArrayList;
import java.util.List;

/**
 * Everything a profile run recorded: {@code profile.json}, from which the report and charts are made.
 *
 * @param format       {@value #FORMAT}
 * @param partial      {@code true} until the run finished every measurement
 * @param command      the command line as typed
 * @param started      ISO-8601 instant
 * @param finished     ISO-8601 instant, {@code null} while running
 * @param measurements in the order they ran
 * @param loadAtStart  the machine's load average when the run started ({@link MachineInfo#loadAverage()})
 * @param loadAtEnd    and when it finished or stopped; {@code null} while running or where unknown
 */
public record ProfileData(String format, boolean partial, String command, String started, String finished,
                          MachineInfo machine, SoftwareInfo software, RunOptions options, List<DeviceInfo> devices,
                          List<Measurement> measurements, Double loadAtStart, Double loadAtEnd) {

    public static final String FORMAT = "squall-profile/1";

    public ProfileData {
        devices = List.copyOf(devices);
        measurements = List.copyOf(measurements);
    }

    /** A run whose load averages are unknown (a profile recorded before they were). */
    public ProfileData(String format, boolean partial, String command, String started, String finished,
                       MachineInfo machine, SoftwareInfo software, RunOptions options, List<DeviceInfo> devices,
                       List<Measurement> measurements) {
        this(format, partial, command, started, finished, machine, software, options, devices, measurements, null, null);
    }

    public ProfileData withMeasurement(Measurement m) {
        List<Measurement> all = new ArrayList<>(measurements);
        all.add(m);
        return new ProfileData(format, partial, command, started, finished, machine, software, options, devices, all,
                loadAtStart, loadAtEnd);
    }

    /** The run completed {@code when}, with the machine's load average {@code load} then. */
    public ProfileData finished(String when, Double load) {
        return new ProfileData(format, false, command, started, when, machine, software, options, devices, measurements,
                loadAtStart, load);
    }

    /** The run stopped early, with the machine's load average {@code load} then. */
    public ProfileData stopped(Double load) {
        return new ProfileData(format, partial, command, started, finished, machine, software, options, devices,
                measurements, loadAtStart, load);
    }

    /** The device with this id, or {@code null}. */
    public DeviceInfo device(String id) {
        return devices.stream().filter(d -> d.id().equals(id)).findFirst().orElse(null);
    }
}
