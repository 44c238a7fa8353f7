package squall.device.cuda;

import org.junit.jupiter.api.Test;
import squall.runtime.Device;
import squall.runtime.DeviceType;
import squall.runtime.Devices;
import squall.runtime.SquallException;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Discovery either lists GPUs as cuda:N with their properties, or says why there are none. */
class CudaDeviceProviderTest {

    private static boolean driverPresent() {
        return NativeLibrary.open(List.of("libcuda.so.1")).isPresent();
    }

    @Test
    void withoutADriverDiscoveryNamesTheMissingLibrary() {
        assumeFalse(driverPresent(), "libcuda.so.1 is present here: the discovery test with a driver covers this machine");
        SquallException e = assertThrows(SquallException.class, () -> new CudaDeviceProvider().discover());
        assertTrue(e.getMessage().startsWith("libcuda.so.1 not found"), e.getMessage());
        assertTrue(Devices.unavailableBackends().get("cuda").startsWith("libcuda.so.1 not found"),
                () -> "Devices should report why cuda is missing: " + Devices.unavailableBackends());
        IllegalArgumentException noDevice = assertThrows(IllegalArgumentException.class, () -> Devices.get("cuda:0"));
        assertTrue(noDevice.getMessage().contains("libcuda.so.1 not found"), noDevice.getMessage());
    }

    @Test
    void withADriverEveryGpuIsListedWithItsProperties() throws Exception {
        assumeTrue(driverPresent(), "no CUDA device: libcuda.so.1 not found (the test without a driver covers this machine)");
        List<Device> devices;
        try {
            devices = new CudaDeviceProvider().discover();
        } catch (SquallException e) {
            // A driver without a usable GPU: the message is cuInit's error name.
            assertTrue(e.getMessage().contains("CUDA_ERROR"), e.getMessage());
            return;
        }
        for (int i = 0; i < devices.size(); i++) {
            Device d = devices.get(i);
            assertEquals("cuda:" + i, d.id());
            assertEquals("cuda", d.backend());
            assertEquals(DeviceType.GPU, d.type());
            assertFalse(d.name().isBlank());
            for (String key : List.of("compute capability", "SMs", "global memory", "L2 cache", "shared memory per block",
                    "driver", "compiler")) {
                assertTrue(d.properties().containsKey(key), () -> key + " missing from " + d.properties());
            }
            assertTrue(d.properties().get("compute capability").matches("\\d+\\.\\d+"), d.properties().toString());
        }
    }
}
