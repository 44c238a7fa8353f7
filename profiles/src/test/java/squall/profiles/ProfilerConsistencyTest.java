package squall.profiles;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import squall.runtime.Device;
import squall.runtime.Devices;
import squall.runtime.ProfilerResult;
import squall.runtime.TaskProfile;
import squall.tasks.AttentionVariant;
import squall.tasks.DecodeGraph;
import squall.tasks.KvCache;
import squall.tasks.KvDtype;
import squall.tasks.ModelPreset;
import squall.tasks.PrefillGraph;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The profiler's numbers agree with each other and with the shapes, on every device present: task kernel
 * times add up to the step's kernel time and stay within its wall time; copies move exactly the arrays
 * the graph sends; each task's declared bytes and FLOPs follow from the model and the lengths; compile
 * time appears on the first execution only.
 */
@Tag("opencl")
class ProfilerConsistencyTest {

    /** GQA with G = 4, two layers, small enough to run in milliseconds anywhere. */
    static final ModelPreset MODEL = new ModelPreset("test-gqa", "test GQA", 2, 8, 2, 32);
    static final int B = 2, BS = 16, CONTEXT = 40, STEPS = 3;

    static List<String> devices() {
        return Devices.all().stream().map(Device::id).toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void decodeProfilesAreConsistent(String deviceId) {
        Device device = Devices.get(deviceId);
        KvCache cache = KvCache.forBatch(MODEL, MODEL.layers(), KvDtype.FP16, BS, B, CONTEXT + STEPS);
        for (int s = 0; s < B; s++) {
            cache.fillRandom(s, CONTEXT, 5 + s);
        }
        int Hq = MODEL.queryHeads(), Hkv = MODEL.kvHeads(), D = MODEL.headDim(), L = MODEL.layers();
        try (DecodeGraph decode = DecodeGraph.builder(cache).device(device).variant(AttentionVariant.BROADCAST).slices(1)
                .build()) {
            for (int step = 0; step < STEPS; step++) {
                ProfilerResult p = decode.step().profile();
                assertEquals(step, p.execution());
                consistentTimes(p, step, device);

                long rows = 4L * L * B * Hq * D, newRows = 4L * L * B * Hkv * D, lengths = 2 * 4L * B; // and tokens brought
                // the cache, the block table, and one float: the kernels' placeholder for slopes and sinks
                long resident = 2L * L * cache.keys(0).length * 4 + 4L * cache.blockTable().length + 4;
                if (device.backend().equals("jvm")) {
                    assertEquals(0, p.copyInBytes() + p.copyOutBytes(), "the jvm device's buffers are the host arrays");
                } else {
                    assertEquals((step == 0 ? resident : 0) + rows + 2 * newRows + lengths, p.copyInBytes(),
                            "copy-in bytes of step " + step);
                    assertEquals(rows, p.copyOutBytes(), "copy-out bytes of step " + step);
                }

                long keysSeen = 2L * (CONTEXT + step + 1); // both sequences, including the new token
                for (TaskProfile t : p.tasks()) {
                    if (t.task().startsWith("append")) {
                        assertEquals(2L * 4 * B * Hkv * D, t.cost().bytesRead(), t.task());
                        assertEquals((long) B * 2 * Hkv * D * 2, t.cost().bytesWritten(), t.task());
                        assertEquals(0, t.cost().flops(), t.task());
                    } else if (t.task().startsWith("attend")) {
                        long qBytes = 4L * B * Hq * D;
                        assertEquals(keysSeen * 2 * Hkv * D * 2 + qBytes, t.cost().bytesRead(), t.task());
                        assertEquals(qBytes, t.cost().bytesWritten(), t.task());
                        assertEquals(4L * Hq * D * keysSeen, t.cost().flops(), t.task());
                    }
                }
                assertEquals(2 * L, p.tasks().size(), "an append and an attend per layer");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("devices")
    void prefillProfilesAreConsistent(String deviceId) {
        Device device = Devices.get(deviceId);
        int T = 24;
        KvCache cache = KvCache.forBatch(MODEL, MODEL.layers(), KvDtype.FP32, BS, B, 2 * T);
        try (PrefillGraph prefill = PrefillGraph.builder(cache, T).device(device).build()) {
            for (int step = 0; step < 2; step++) {
                long before = cache.length(0);
                ProfilerResult p = prefill.step().profile();
                consistentTimes(p, step, device);
                long flops = p.tasks().stream().filter(t -> t.task().startsWith("attend"))
                        .mapToLong(t -> t.cost().flops()).sum();
                // every new token sees the keys before it and itself: T * before + T (T + 1) / 2 pairs per sequence
                long pairs = B * (T * before + (long) T * (T + 1) / 2);
                assertEquals(4L * MODEL.layers() * MODEL.queryHeads() * MODEL.headDim() * pairs, flops,
                        "prefill FLOPs of step " + step);
            }
        }
    }

    /** Per-task times add up, fit in the step, and compile time is there on the first execution only. */
    private static void consistentTimes(ProfilerResult p, int execution, Device device) {
        long taskKernels = p.tasks().stream().mapToLong(TaskProfile::kernelNanos).sum();
        assertEquals(p.kernelNanos(), taskKernels, "every kernel event belongs to a task");
        assertTrue(taskKernels <= p.totalNanos(),
                () -> "task kernel time " + taskKernels + " ns exceeds the step's " + p.totalNanos() + " ns");
        long deviceWork = p.kernelNanos() + p.copyInNanos() + p.copyOutNanos() + p.compileNanos();
        assertTrue(deviceWork <= p.totalNanos(),
                () -> "device work " + deviceWork + " ns exceeds the step's wall time " + p.totalNanos() + " ns");
        for (TaskProfile t : p.tasks()) {
            assertTrue(t.kernelNanos() > 0, () -> t.task() + " has no kernel time");
            if (execution > 0) {
                assertEquals(0, t.compileNanos(), () -> t.task() + " compiled again on execution " + execution);
            }
        }
        // Devices that build kernels do it on the first execution (tasks that share a kernel build it once);
        // the jvm device runs Java that needs no building.
        if (execution == 0 && !device.backend().equals("jvm")) {
            assertTrue(p.compileNanos() > 0, "no compile time on the first execution");
        }
        if (execution > 0) {
            assertEquals(0, p.compileNanos(), "compile time after the first execution");
            assertEquals(0L, p.metrics().get("TOTAL_DRIVER_COMPILE_TIME"));
        }
    }
}
