package squall.testing;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import squall.device.opencl.OpenClDevice;
import squall.runtime.Device;
import squall.runtime.Devices;

/**
 * The OpenCL device for tests: {@code opencl:0}, or the one {@code SQUALL_TEST_OPENCL_DEVICE} names
 * (say {@code opencl:1}, a GPU beside PoCL). Without it a test is skipped with the reason, unless
 * {@code SQUALL_REQUIRE_OPENCL=1} (CI sets it, and so does {@code scripts/test} where PoCL is installed): then it
 * fails. One fixture for every module's tests (host's test-jar carries {@code squall.testing}).
 */
public final class OpenClTestDevice {

    private OpenClTestDevice() {
    }

    public static OpenClDevice opencl0() {
        String id = System.getenv().getOrDefault("SQUALL_TEST_OPENCL_DEVICE", "opencl:0");
        for (Device d : Devices.all()) {
            if (d.id().equals(id)) {
                return (OpenClDevice) d;
            }
        }
        String why = "no OpenCL device " + id + ": " + Devices.unavailableBackends().getOrDefault("opencl", id + " not found");
        if ("1".equals(System.getenv("SQUALL_REQUIRE_OPENCL"))) {
            Assertions.fail(why + " (SQUALL_REQUIRE_OPENCL=1)");
        }
        Assumptions.abort(why);
        throw new AssertionError("unreachable");
    }
}
