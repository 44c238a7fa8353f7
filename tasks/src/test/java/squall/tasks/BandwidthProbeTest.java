package squall.tasks;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import squall.runtime.Device;
import squall.runtime.DeviceType;
import squall.runtime.Devices;
import squall.runtime.ForwardingDevice;

import java.io.Reader;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Tag("opencl")
class BandwidthProbeTest {

    /** One MiB: the probes' arithmetic, not a measurement. */
    private static final long SMALL = 1L << 20;

    /** The pattern with three floats replaced, so that skipping any of them changes the sum. */
    private static float[] spiked(int n) {
        float[] data = BandwidthProbe.pattern(n);
        data[0] = 1000f;          // was 0
        data[n / 2 + 1] = 2000f;  // was 1
        data[n - 1] = 4000f;      // was 3
        return data;
    }

    private static double spikedSum(int n) {
        return BandwidthProbe.patternSum(n) + 1000 + (2000 - 1) + (4000 - 3);
    }

    @Test
    void thePatternSumsToItsClosedForm() {
        assertEquals(6, BandwidthProbe.patternSum(4));           // 0 + 1 + 2 + 3
        assertEquals(9, BandwidthProbe.patternSum(7));           // 6 + 0 + 1 + 2
        assertEquals(6.0 * (1 << 26), BandwidthProbe.patternSum(1L << 28)); // 1 GiB of floats
        float[] p = BandwidthProbe.pattern(8);
        assertEquals(3f, p[7]);
        assertEquals(0f, p[4]);
    }

    @Test
    void everyDeviceSumsEveryFloatInBothWalks() {
        int n = BandwidthProbe.floats(SMALL);
        for (Device device : TestDevices.all().toList()) {
            for (boolean coalesced : new boolean[] {false, true}) {
                ProbeRuns.Reading r = BandwidthProbe.readOnDevice(device, spiked(n), 2, coalesced);
                assertEquals(spikedSum(n), r.sum(), device.id() + (coalesced ? " coalesced" : " contiguous"));
                assertTrue(r.nanos() > 0, device.id());
            }
        }
    }

    @Test
    void theHostSumsEveryFloatOfAnyRange() {
        int n = BandwidthProbe.floats(SMALL);
        assertEquals(spikedSum(n), BandwidthProbe.readOnHost(spiked(n), 1).sum());
        float[] p = BandwidthProbe.pattern(n);
        // an odd start and end: the vector loop's head and tail, and more than one block
        assertEquals(BandwidthProbe.patternSum(n - 5) - BandwidthProbe.patternSum(3), HostProbe.sum(p, 3, n - 5));
        float[] big = BandwidthProbe.pattern((1 << 21) + 17);
        assertEquals(BandwidthProbe.patternSum(big.length), HostProbe.sum(big, 0, big.length));
    }

    @Test
    void aKernelThatReadsNothingIsNoBandwidth() {
        Device idle = ProbeDevices.idle(Devices.get("jvm"));
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> BandwidthProbe.measure(idle, SMALL));
        assertTrue(e.getMessage().contains("did not read every float"), e.getMessage());
    }

    @Test
    void bandwidthIsBytesReadOverTime() {
        float[] mib = new float[1 << 18];
        assertEquals(1.048576, BandwidthProbe.gigabytesPerSecond(mib, new ProbeRuns.Reading(0, 1_000_000)), 1e-12);
    }

    @Test
    void sizesOutsideTheGranuleAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> BandwidthProbe.floats(1000));
        assertThrows(IllegalArgumentException.class, () -> BandwidthProbe.floats(BandwidthProbe.GRANULE + 4));
        assertThrows(IllegalArgumentException.class, () -> BandwidthProbe.floats(8L << 30));
        assertEquals(BandwidthProbe.GRANULE / 4, BandwidthProbe.floats(BandwidthProbe.GRANULE));
    }

    @Test
    void aCpuPeakTakesTheHostAndAGpuPeakIsItsOwn() {
        for (Device device : TestDevices.all().toList()) {
            Peak p = BandwidthProbe.measure(device, SMALL);
            if (device.type() == DeviceType.GPU) {
                assertTrue(Double.isNaN(p.host()), device.id() + ": " + p);
            } else {
                assertFalse(Double.isNaN(p.host()), device.id() + ": " + p);
            }
            assertEquals(Math.max(p.device(), Double.isNaN(p.host()) ? 0 : p.host()), p.value(), device.id() + ": " + p);
        }
        // a device that says it is a GPU: the coalesced walk, and no host figure
        Device gpuLike = new ForwardingDevice(Devices.get("jvm")) {
            @Override
            public DeviceType type() {
                return DeviceType.GPU;
            }
        };
        Peak gpu = BandwidthProbe.measure(gpuLike, SMALL);
        assertEquals(Peak.Source.DEVICE, gpu.setBy());
        assertTrue(Double.isNaN(gpu.host()), gpu::toString);
    }

    @Test
    void measuresOnceAndRemembers(@TempDir Path dir) throws Exception {
        Path file = dir.resolve(BandwidthProbe.FILE);
        AtomicInteger sessions = new AtomicInteger();
        Device jvm = ProbeDevices.counting(Devices.get("jvm"), sessions);
        Peak first = BandwidthProbe.peak(jvm, SMALL, file);
        assertEquals(1, sessions.get());
        Peak again = BandwidthProbe.peak(jvm, SMALL, file);
        assertEquals(1, sessions.get(), "a remembered peak is measured again");
        assertEquals(first.value(), again.value(), 0.005);
        assertEquals(first.setBy(), again.setBy());
        String saved = Files.readString(file);
        assertTrue(saved.contains("jvm_") && saved.contains(" set-by " + first.setBy().label() + " device "), saved);
    }

    @Test
    void anOldCopyBandwidthLineIsMeasuredAgainNotMisread(@TempDir Path dir) throws Exception {
        Path file = dir.resolve(BandwidthProbe.FILE);
        AtomicInteger sessions = new AtomicInteger();
        Device jvm = ProbeDevices.counting(Devices.get("jvm"), sessions);
        BandwidthProbe.peak(jvm, SMALL, file);
        // what squall remembered before, a copy bandwidth, under the same key
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
        }
        String key = p.stringPropertyNames().iterator().next();
        p.setProperty(key, "999.00 measured 2026-11-23");
        try (Writer w = Files.newBufferedWriter(file)) {
            p.store(w, null);
        }
        Peak peak = BandwidthProbe.peak(jvm, SMALL, file);
        assertEquals(2, sessions.get(), "the old line was taken for a read bandwidth");
        assertTrue(peak.value() < 999, peak::toString);
        assertTrue(Files.readString(file).contains(" set-by "), "the old line is replaced");
    }
}
