package squall.device.opencl;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import squall.api.KernelContext;
import squall.runtime.DataTransferMode;
import squall.runtime.DeviceEvent;
import squall.runtime.ExecutionPlan;
import squall.runtime.GridScheduler;
import squall.runtime.KernelBuildException;
import squall.runtime.KernelLaunchException;
import squall.runtime.ProfilerResult;
import squall.runtime.TaskGraph;
import squall.runtime.WorkerGrid1D;
import squall.testing.OpenClTestDevice;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Building and launching: specialisation, 2-D ranges, local memory, and the errors a user sees. */
@Tag("opencl")
class OpenClKernelTest {

    private static OpenClDevice device;

    @BeforeAll
    static void device() {
        device = OpenClTestDevice.opencl0();
    }

    @Test
    void eachSpecialisationIsItsOwnProgramAndOneProgramServesEveryTaskThatSharesIt() {
        int rows = 7;
        int cols = 13; // neither a multiple of any work-group size
        float[] in = new float[rows * cols];
        for (int i = 0; i < in.length; i++) {
            in[i] = i * 0.5f;
        }
        float[] plus3 = new float[in.length];
        float[] plus5 = new float[in.length];
        float[] plus3Again = new float[in.length];
        TaskGraph graph = new TaskGraph("g")
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, in)
                .task("three", TestKernels.ADD_CONSTANT, in, plus3, rows, cols, 3)
                .task("five", TestKernels.ADD_CONSTANT, in, plus5, rows, cols, 5)
                .task("threeAgain", TestKernels.ADD_CONSTANT, in, plus3Again, rows, cols, 3)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, plus3, plus5, plus3Again);
        try (ExecutionPlan plan = new ExecutionPlan(graph).withDevice(device).withProfiler()) {
            ProfilerResult p = plan.execute().profilerResult();
            long compiles = p.events().stream().filter(e -> e.kind() == DeviceEvent.Kind.COMPILE).count();
            assertEquals(2, compiles, "one program per specialisation, on first use only: " + p.events());
            assertTrue(p.events().stream().filter(e -> e.kind() == DeviceEvent.Kind.COMPILE)
                    .allMatch(e -> ProgramOrigin.ofLabel(e.label()) != null), p.events().toString());
            for (int r = 0; r < rows; r++) {
                for (int c = 0; c < cols; c++) {
                    int i = r * cols + c;
                    assertEquals(in[i] + 3 + r, plus3[i]);
                    assertEquals(in[i] + 5 + r, plus5[i]);
                    assertEquals(in[i] + 3 + r, plus3Again[i]);
                }
            }
            ProfilerResult second = plan.execute().profilerResult();
            assertEquals(0, second.compileNanos(), "compiled again on the second execution");
            assertEquals(3, second.events().stream().filter(e -> e.kind() == DeviceEvent.Kind.KERNEL).count());
        }
    }

    @Test
    void aLocalSizeFromTheGridRoundsTheGlobalSizeUpAndTheKernelSkipsTheExtraWorkItems() {
        float[] x = new float[1001];
        java.util.Arrays.fill(x, 1f);
        TaskGraph graph = new TaskGraph("g")
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, x)
                .task("scale", TestKernels.SCALE, x, 2f)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, x);
        // The grid's global size is ignored for @Parallel kernels; its local size is used.
        WorkerGrid1D grid = new WorkerGrid1D(64);
        grid.setLocalWork(64, 1, 1);
        try (ExecutionPlan plan = new ExecutionPlan(graph).withDevice(device)
                .withGridScheduler(new GridScheduler("g.scale", grid))) {
            plan.execute();
        }
        for (int i = 0; i < x.length; i++) {
            assertEquals(2f, x[i], "element " + i);
        }
    }

    @Test
    void contextKernelsGetLocalMemorySizedFromTheirWorkGroup() {
        int n = 96 * 4;
        float[] in = new float[n];
        for (int i = 0; i < n; i++) {
            in[i] = i;
        }
        for (long local : new long[] {0, 32, 96}) {
            float[] out = new float[n];
            WorkerGrid1D grid = new WorkerGrid1D(n);
            if (local > 0) {
                grid.setLocalWork(local, 1, 1);
            }
            long group = local > 0 ? local : 64; // the jvm device's choice when the grid names none: 384 = 6 * 64
            TaskGraph graph = new TaskGraph("g")
                    .transferToDevice(DataTransferMode.EVERY_EXECUTION, in)
                    .task("reverse", TestKernels.REVERSE_IN_GROUP, new KernelContext(), in, out)
                    .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
            try (ExecutionPlan plan = new ExecutionPlan(graph).withDevice(device)
                    .withGridScheduler(new GridScheduler("g.reverse", grid))) {
                plan.execute();
            }
            for (int i = 0; i < n; i++) {
                long start = i / group * group;
                assertEquals(in[(int) (start + group - 1 - (i - start))], out[i], "local " + local + ", element " + i);
            }
        }
    }

    @Test
    void sourceTheDriverRejectsFailsWithTheBuildLog() {
        TestKernels.HandWritten broken = TestKernels.SCALE.withSource("""
                __kernel void scale(__global float* x, const float factor, const int x_length) {
                    x[get_global_id(0)] = undeclared_variable * factor;
                }
                """);
        float[] x = new float[16];
        TaskGraph graph = new TaskGraph("g")
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, x)
                .task("broken", broken, x, 2f)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, x);
        try (ExecutionPlan plan = new ExecutionPlan(graph).withDevice(device)) {
            KernelBuildException e = assertThrows(KernelBuildException.class, plan::execute);
            assertTrue(e.getMessage().contains("TestKernels.scale"), e.getMessage());
            assertTrue(e.getMessage().contains(device.id()), e.getMessage());
            assertTrue(e.getMessage().contains("CL_BUILD_PROGRAM_FAILURE"), e.getMessage());
            assertTrue(e.buildLog().contains("undeclared_variable"), "build log: " + e.buildLog());
            assertTrue(e.getMessage().contains(e.buildLog().strip()), "the message carries the log");
        }
    }

    @Test
    void aWorkGroupTooLargeForTheDeviceFailsNamingKernelTaskDeviceAndError() {
        long tooLarge = Long.highestOneBit(device.maxWorkGroupSize()) * 2;
        float[] in = new float[(int) tooLarge];
        float[] out = new float[(int) tooLarge];
        WorkerGrid1D grid = new WorkerGrid1D(tooLarge);
        grid.setLocalWork(tooLarge, 1, 1);
        TaskGraph graph = new TaskGraph("g")
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, in)
                .task("reverse", TestKernels.REVERSE_IN_GROUP, new KernelContext(), in, out)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
        try (ExecutionPlan plan = new ExecutionPlan(graph).withDevice(device)
                .withGridScheduler(new GridScheduler("g.reverse", grid))) {
            KernelLaunchException e = assertThrows(KernelLaunchException.class, plan::execute);
            for (String part : new String[] {"TestKernels.reverseInGroup", "'reverse'", device.id(), "CL_INVALID_WORK_GROUP_SIZE"}) {
                assertTrue(e.getMessage().contains(part), "no " + part + " in: " + e.getMessage());
            }
        }
    }
}
