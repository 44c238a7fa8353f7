package squall.device.opencl;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import squall.runtime.Device;
import squall.runtime.Devices;

/**
 * {@code opencl:0} for tests. Without an OpenCL device a test is skipped with the reason, unless
 * {@code SQUALL_REQUIRE_OPENCL=1} (CI sets it): then it fails.
 */
final class OpenClTestDevice {

    private OpenClTestDevice() {
    }

    static OpenClDevice opencl0() {
        for (Device d : Devices.all()) {
            if (d.id().equals("opencl:0")) {
                return (OpenClDevice) d;
            }
        }
        String why = "no OpenCL device: " + Devices.unavailableBackends().getOrDefault("opencl", "opencl:0 not found");
        if ("1".equals(System.getenv("SQUALL_REQUIRE_OPENCL"))) {
            Assertions.fail(why + " (SQUALL_REQUIRE_OPENCL=1)");
        }
        Assumptions.abort(why);
        throw new AssertionError("unreachable");
    }
}
