package squall.runtime;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A profile read by a person: one line, milliseconds and bytes, the parts adding up to the whole. */
class ProfilerResultTest {

    @Test
    void summaryIsOneLineThatAddsUp() {
        List<DeviceEvent> events = List.of(
                new DeviceEvent(DeviceEvent.Kind.COMPILE, "rows [driver build]", 0, 2_000_000),
                new DeviceEvent(DeviceEvent.Kind.COPY_IN, "x", 4096, 500_000),
                new DeviceEvent(DeviceEvent.Kind.KERNEL, "rows", 0, 1_250_000),
                new DeviceEvent(DeviceEvent.Kind.COPY_OUT, "y", 2048, 250_000));
        ProfilerResult p = new ProfilerResult("opencl:0", 0, 5_000_000, events,
                List.of(new TaskProfile("rows", "softmax", 1_250_000, 2_000_000, new TaskCost(1_875_000, 625_000, 0))));
        assertEquals("opencl:0, execution 0: 5.00 ms in all = compile 2.00 ms + copy in 0.50 ms (4,096 bytes) + kernels 1.25 ms"
                + " + copy out 0.25 ms (2,048 bytes) + host 1.00 ms; softmax.rows 1.25 ms (2.00 GB/s)", p.summary());
    }
}
