package squall.tasks.cli;

import squall.runtime.Device;
import squall.runtime.Devices;

/**
 * What a command's {@code --device} names: an id from {@code squall devices} ({@code jvm}, {@code opencl:0},
 * {@code cuda:0}); an id that names no device is the user's {@code --device} to change.
 */
final class DeviceOption {

    private DeviceOption() {
    }

    /** The device {@code id} names; {@code null} (no {@code --device} given) for {@code null}. */
    static Device named(String id) {
        if (id == null) {
            return null;
        }
        try {
            return Devices.get(id);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("--device", e.getMessage());
        }
    }

    /** The device {@code id} names, or without one the default device (the fastest present). */
    static Device orDefault(String id) {
        return id == null ? Devices.defaultDevice() : named(id);
    }
}
