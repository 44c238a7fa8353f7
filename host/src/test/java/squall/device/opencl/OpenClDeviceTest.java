package squall.device.opencl;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import squall.runtime.Device;
import squall.runtime.DeviceType;
import squall.runtime.Devices;
import squall.testing.OpenClTestDevice;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Tag("opencl")
class OpenClDeviceTest {

    @Test
    void devicesAreNumberedAcrossPlatformsAndDescribed() {
        OpenClDevice first = OpenClTestDevice.opencl0();
        assertSame(first, Devices.get(first.id()));
        List<Device> opencl = Devices.all().stream().filter(d -> d.backend().equals("opencl")).toList();
        for (int i = 0; i < opencl.size(); i++) {
            Device d = opencl.get(i);
            assertEquals("opencl:" + i, d.id());
            assertNotEquals(DeviceType.JVM, d.type());
            Map<String, String> p = d.properties();
            for (String key : List.of("name", "vendor", "type", "compute units", "global memory", "local memory",
                    "max work-group size", "OpenCL C", "driver version")) {
                assertTrue(p.containsKey(key) && !p.get(key).isBlank(), d.id() + " lacks '" + key + "': " + p);
            }
            assertTrue(p.get("OpenCL C").startsWith("OpenCL C "), p.get("OpenCL C"));
            assertTrue(Integer.parseInt(p.get("compute units")) > 0, p.toString());
            assertEquals(d.name(), p.get("name"));
        }
    }

    @Test
    void discoveringAgainFindsTheSameDevicesInTheSameOrder() {
        OpenClTestDevice.opencl0();
        List<String> again = new OpenClDeviceProvider().discover().stream().map(d -> d.id() + " " + d.name()).toList();
        List<String> known = Devices.all().stream().filter(d -> d.backend().equals("opencl"))
                .map(d -> d.id() + " " + d.name()).toList();
        assertEquals(known, again);
    }
}
