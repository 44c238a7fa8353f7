package squall.tasks;

import squall.runtime.Device;
import squall.runtime.Devices;

import java.util.List;
import java.util.stream.Stream;

/** The devices tests run on: jvm always, and every OpenCL and CUDA device found. */
public final class TestDevices {

    private TestDevices() {
    }

    public static Stream<Device> all() {
        return Devices.all().stream();
    }

    /** Device ids, for parameterised tests. */
    public static List<String> ids() {
        return all().map(Device::id).toList();
    }
}
