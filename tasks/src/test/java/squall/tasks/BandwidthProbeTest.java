package squall.tasks;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import squall.runtime.Devices;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Tag("opencl")
class BandwidthProbeTest {

    @Test
    void measuresOnceAndRemembersPerDevice(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("bandwidth.properties");
        for (String id : TestDevices.ids()) {
            double first = BandwidthProbe.gigabytesPerSecond(Devices.get(id), 16L << 20, file);
            assertTrue(first > 0.1 && Double.isFinite(first), id + ": " + first + " GB/s");
            // a second call reads the file: the same figure, not a new measurement
            assertEquals(first, BandwidthProbe.gigabytesPerSecond(Devices.get(id), 16L << 20, file), 0.01);
        }
        String saved = Files.readString(file);
        assertTrue(saved.contains("jvm_"), saved);
        assertTrue(saved.contains(" measured "), saved);
    }
}
