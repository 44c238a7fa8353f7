package squall.tasks;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import squall.runtime.Device;
import squall.runtime.DeviceKernel;
import squall.runtime.DeviceSession;
import squall.runtime.Devices;
import squall.runtime.ForwardingDevice;
import squall.runtime.KernelDescriptor;
import squall.runtime.Launch;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Tag("opencl")
class LayoutProbeTest {

    /** Short, so that a real step costs far less than the handicap below. */
    private static final int CONTEXT = 256;

    /** What each launch of the slow layout costs on the test's clock: more than any real step on a loaded machine. */
    private static final long HANDICAP_NANOS = 1_000_000_000_000L;

    /**
     * The jvm device with every launch of the work-group kernel in {@code slow} layout charged {@link #HANDICAP_NANOS}
     * to {@code charged}, which the probe's clock adds to real time: the probe must pick the other layout, however
     * slowly the machine runs the real steps (a real 50 ms sleep lost to a cold JIT on a busy CI machine).
     */
    private static Device handicapped(WorkGroupDecode.Layout slow, AtomicInteger sessions, AtomicLong charged) {
        int coalesced = slow == WorkGroupDecode.Layout.COALESCED ? 1 : 0;
        return new ForwardingDevice(Devices.get("jvm")) {
            @Override
            protected DeviceSession wrap(DeviceSession session) {
                sessions.incrementAndGet();
                Set<DeviceKernel> held = Collections.newSetFromMap(new IdentityHashMap<>());
                return new Session(this, session) {
                    @Override
                    public DeviceKernel prepare(KernelDescriptor kernel, Map<String, Integer> specialization, String task) {
                        DeviceKernel prepared = super.prepare(kernel, specialization, task);
                        if (kernel.name().equals("decodeWorkGroup") && specialization.get("COALESCED") == coalesced) {
                            held.add(prepared);
                        }
                        return prepared;
                    }

                    @Override
                    public void launch(Launch launch) {
                        if (held.contains(launch.kernel())) {
                            charged.addAndGet(HANDICAP_NANOS);
                        }
                        super.launch(launch);
                    }
                };
            }
        };
    }

    @ParameterizedTest
    @EnumSource(WorkGroupDecode.Layout.class)
    void picksTheLayoutThatRunsFasterAndRemembersIt(WorkGroupDecode.Layout slow, @TempDir Path dir) throws Exception {
        Path file = dir.resolve("layout.properties");
        AtomicInteger sessions = new AtomicInteger();
        AtomicLong charged = new AtomicLong();
        Device device = handicapped(slow, sessions, charged);
        LongSupplier clock = () -> System.nanoTime() + charged.get();
        WorkGroupDecode.Layout other = slow == WorkGroupDecode.Layout.COALESCED
                ? WorkGroupDecode.Layout.CONTIGUOUS : WorkGroupDecode.Layout.COALESCED;

        assertEquals(other, LayoutProbe.fasterLayout(device, CONTEXT, file, clock));
        int measuring = sessions.get();
        assertEquals(2, measuring, "one session per layout measured");
        assertTrue(charged.get() >= HANDICAP_NANOS, "no launch of the slow layout reached the device");

        // remembered: the same answer, read from the file, with no session opened
        assertEquals(other, LayoutProbe.fasterLayout(device, CONTEXT, file, clock));
        assertEquals(measuring, sessions.get(), "a remembered layout is measured again");
        String saved = Files.readString(file);
        assertTrue(saved.contains("jvm") && saved.contains("=" + other + " ") && saved.contains(" measured "), saved);
        assertTrue(saved.contains("coalesced ") && saved.contains("contiguous ") && saved.contains(" ms"), saved);
    }

    @Test
    void measuresBothLayoutsOnEveryDevice() {
        for (Device device : TestDevices.all().toList()) {
            Map<WorkGroupDecode.Layout, Long> nanos = LayoutProbe.measure(device, CONTEXT);
            assertEquals(Set.of(WorkGroupDecode.Layout.values()), nanos.keySet(), device.id());
            nanos.values().forEach(ns -> assertTrue(ns > 0, device.id() + ": " + nanos));
        }
    }

    @Test
    void theFasterOfTwoTimesWins() {
        assertEquals(WorkGroupDecode.Layout.CONTIGUOUS, LayoutProbe.faster(
                Map.of(WorkGroupDecode.Layout.COALESCED, 90L, WorkGroupDecode.Layout.CONTIGUOUS, 10L)));
        assertEquals(WorkGroupDecode.Layout.COALESCED, LayoutProbe.faster(
                Map.of(WorkGroupDecode.Layout.COALESCED, 10L, WorkGroupDecode.Layout.CONTIGUOUS, 90L)));
    }

    @Test
    void aDecodeGraphWithoutALayoutRunsTheMeasuredOne() {
        Device jvm = Devices.get("jvm");
        ModelPreset small = new ModelPreset("small", "small", 1, 8, 2, 32);
        KvCache cache = KvCache.forBatch(small, 1, KvDtype.FP32, 16, 1, 64);
        cache.fillRandom(0, 16, 1);
        try (DecodeGraph decode = DecodeGraph.builder(cache).device(jvm).variant(AttentionVariant.WORKGROUP).build()) {
            assertEquals(LayoutProbe.fasterLayout(jvm), decode.layout());
        }
        try (DecodeGraph decode = DecodeGraph.builder(cache).device(jvm).variant(AttentionVariant.BROADCAST).build()) {
            assertEquals(null, decode.layout(), "a layout belongs to the work-group kernel only");
        }
    }
}
