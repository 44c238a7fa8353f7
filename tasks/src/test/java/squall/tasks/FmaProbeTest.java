package squall.tasks;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import squall.kernels.ProbeKernels;
import squall.runtime.DataTransferMode;
import squall.runtime.Device;
import squall.runtime.Devices;
import squall.runtime.ExecutionPlan;
import squall.runtime.TaskGraph;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FmaProbeTest {

    @Test
    void everyDeviceRunsEveryChainToItsEnd() {
        for (Device device : TestDevices.all().toList()) {
            for (int rounds : new int[] {1, 3}) {
                float[] out = new float[300];
                TaskGraph graph = new TaskGraph("fma").task("fma", ProbeKernels::fmaChains, out, rounds, 1f, 1f)
                        .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
                try (ExecutionPlan plan = new ExecutionPlan(graph).withDevice(device)) {
                    plan.execute();
                }
                // work-item w: twelve chains from (w & 255) + 0 .. 11, each 8 * rounds FMAs of +1
                assertEquals(66 + 96 * rounds, out[0], device.id());
                assertEquals(12 * 5 + 66 + 96 * rounds, out[5], device.id());
                assertEquals(66 + 96 * rounds, out[256], device.id() + ": w & 255 wraps");
                assertEquals(12 * 43 + 66 + 96 * rounds, out[299], device.id());
            }
        }
    }

    @Test
    void theFmaIsFusedOnEveryDevice() {
        // m = 1.1, c = 0.1: work-item 0's sum differs by two ulp between a * m + c rounded once and rounded twice
        float m = 1.1f;
        float c = 0.1f;
        assertTrue(expected(m, c, true) != expected(m, c, false), "test premise: fused and unfused differ");
        for (Device device : TestDevices.all().toList()) {
            float[] out = new float[8];
            TaskGraph graph = new TaskGraph("fma").task("fma", ProbeKernels::fmaChains, out, 1, m, c)
                    .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
            try (ExecutionPlan plan = new ExecutionPlan(graph).withDevice(device)) {
                plan.execute();
            }
            assertEquals(expected(m, c, true), out[0], device.id() + " did not fuse the multiply-add");
        }
    }

    /** What work-item 0 of {@link ProbeKernels#fmaChains} writes, in plain Java, {@code fused} or rounded twice. */
    private static float expected(float m, float c, boolean fused) {
        float[] a = new float[12];
        for (int t = 0; t < 12; t++) {
            a[t] = t;
            for (int k = 0; k < 8; k++) {
                a[t] = fused ? Math.fma(a[t], m, c) : a[t] * m + c;
            }
        }
        return ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7])) + ((a[8] + a[9]) + (a[10] + a[11]));
    }

    @Test
    void theExpectedSumsAreTheirClosedForms() {
        // 256 work-items, one round: 12 * (0 + ... + 255) + 256 * (0 + ... + 11) + 256 * 12 * 8
        assertEquals(12 * 32640 + 256 * 66 + 256 * 96, FmaProbe.expectedKernelSum(256, 1));
        assertEquals(2 * 12 * 8 * 2 * 10, FmaProbe.kernelFlops(10, 2));
        // host: 8 lanes * 12 chains = 96 values 0 .. 95, each 10 higher, on 2 threads
        assertEquals(2 * (96 * 95 / 2 + 96 * 10), FmaProbe.expectedHostSum(10, 8, 2));
    }

    @Test
    void theProbesCheckTheirOwnResults() {
        for (Device device : TestDevices.all().toList()) {
            double gflops = FmaProbe.onDevice(device, 4096, 2);
            assertTrue(gflops > 0 && Double.isFinite(gflops), device.id() + ": " + gflops);
        }
        double host = FmaProbe.onHost(1 << 12, 2);
        assertTrue(host > 0 && Double.isFinite(host), "host: " + host);
        assertThrows(IllegalArgumentException.class, () -> FmaProbe.onHost(1 << 24, 1), "values past 2^24 are inexact");
        assertThrows(IllegalArgumentException.class, () -> FmaProbe.onDevice(Devices.get("jvm"), 0, 1));
    }

    @Test
    void aKernelThatRunsNothingIsNoThroughput() {
        Device idle = ProbeDevices.idle(Devices.get("jvm"));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> FmaProbe.onDevice(idle, 256, 1));
        assertTrue(e.getMessage().contains("did not run every FMA"), e.getMessage());
    }

    @Test
    void measuresOnceAndRemembers(@TempDir Path dir) throws Exception {
        Path file = dir.resolve(FmaProbe.FILE);
        AtomicInteger sessions = new AtomicInteger();
        Device jvm = ProbeDevices.counting(Devices.get("jvm"), sessions);
        Peak first = FmaProbe.peak(jvm, 4096, file);
        assertEquals(1, sessions.get());
        assertEquals(first.value(), FmaProbe.peak(jvm, 4096, file).value(), 0.005);
        assertEquals(1, sessions.get(), "a remembered peak is measured again");
        String saved = Files.readString(file);
        assertTrue(saved.contains("jvm_") && saved.contains(" set-by " + first.setBy().label() + " device "), saved);
    }
}
