package squall.device.opencl;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import squall.runtime.DataTransferMode;
import squall.runtime.ExecutionPlan;
import squall.runtime.ExecutionResult;
import squall.runtime.ProfilerResult;
import squall.runtime.TaskGraph;
import squall.testing.OpenClTestDevice;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The plan's transfer modes on a real device, where a copy that is skipped really leaves the data behind. */
@Tag("opencl")
class OpenClTransferModesTest {

    private static OpenClDevice device;

    @BeforeAll
    static void device() {
        device = OpenClTestDevice.opencl0();
    }

    private static float[] ramp(int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = i + 1;
        }
        return a;
    }

    @Test
    void firstExecutionCopiesInOnceAndAKernelWritingInPlaceMakesTheHostCopyStale() {
        float[] x = ramp(1000);
        TaskGraph graph = new TaskGraph("g")
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, x)
                .task("scale", TestKernels.SCALE, x, 2.0f)
                .transferToHost(DataTransferMode.UNDER_DEMAND, x);
        try (ExecutionPlan plan = new ExecutionPlan(graph).withDevice(device).withProfiler()) {
            ProfilerResult first = plan.execute().profilerResult();
            assertEquals(4000, first.copyInBytes());
            assertEquals(0, first.copyOutBytes());
            assertTrue(plan.isHostCopyStale(x));
            ExecutionResult last = null;
            for (int run = 1; run < 3; run++) {
                last = plan.execute();
                assertEquals(0, last.profilerResult().copyInBytes(), "run " + run + " copied x in again");
                assertTrue(last.profilerResult().kernelNanos("scale") > 0);
            }
            assertEquals(1f, x[0], "the host copy changed without a transfer");
            last.transferToHost(x);
            assertFalse(plan.isHostCopyStale(x));
            assertArrayEquals(scaled(ramp(1000), 8), x, "three doublings on the resident buffer");
        }
    }

    @Test
    void everyExecutionCopiesEachTime() {
        float[] x = ramp(777);
        TaskGraph graph = new TaskGraph("g")
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, x)
                .task("scale", TestKernels.SCALE, x, 3.0f)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, x);
        try (ExecutionPlan plan = new ExecutionPlan(graph).withDevice(device).withProfiler()) {
            float[] expected = ramp(777);
            for (int run = 0; run < 3; run++) {
                ProfilerResult p = plan.execute().profilerResult();
                assertEquals(777 * 4, p.copyInBytes());
                assertEquals(777 * 4, p.copyOutBytes());
                assertTrue(p.copyInNanos() > 0 && p.copyOutNanos() > 0, p.toString());
                expected = scaled(expected, 3);
                assertArrayEquals(expected, x, "run " + run);
                assertFalse(plan.isHostCopyStale(x));
            }
        }
    }

    @Test
    void underDemandCopiesOutOnlyWhenAsked() {
        float[] in = ramp(300);
        float[] out = new float[300];
        TaskGraph graph = new TaskGraph("g")
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, in)
                .task("add", TestKernels.ADD_CONSTANT, in, out, 10, 30, 5)
                .transferToHost(DataTransferMode.UNDER_DEMAND, out);
        try (ExecutionPlan plan = new ExecutionPlan(graph).withDevice(device).withProfiler()) {
            ExecutionResult result = plan.execute();
            assertEquals(0, result.profilerResult().copyOutBytes());
            assertArrayEquals(new float[300], out, "copied out without being asked");
            assertTrue(plan.isHostCopyStale(out));
            result.transferToHost(out);
            assertFalse(plan.isHostCopyStale(out));
            for (int r = 0; r < 10; r++) {
                for (int c = 0; c < 30; c++) {
                    assertEquals(in[r * 30 + c] + 5 + r, out[r * 30 + c], "row " + r + ", column " + c);
                }
            }
        }
    }

    @Test
    void firstExecutionToHostCopiesOutOnlyOnTheFirstRun() {
        float[] in = ramp(64);
        float[] out = new float[64];
        TaskGraph graph = new TaskGraph("g")
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, in)
                .task("add", TestKernels.ADD_CONSTANT, in, out, 1, 64, 1)
                .transferToHost(DataTransferMode.FIRST_EXECUTION, out);
        try (ExecutionPlan plan = new ExecutionPlan(graph).withDevice(device).withProfiler()) {
            assertEquals(256, plan.execute().profilerResult().copyOutBytes());
            assertEquals(in[3] + 1, out[3]);
            in[3] = 100;
            assertEquals(0, plan.execute().profilerResult().copyOutBytes());
            assertEquals(5, out[3], "the second run's result reached the host without a copy");
            assertTrue(plan.isHostCopyStale(out));
        }
    }

    private static float[] scaled(float[] a, float factor) {
        float[] r = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            r[i] = a[i] * factor;
        }
        return r;
    }
}
