package squall.runtime;

import org.junit.jupiter.api.Test;
import squall.api.KernelContext;
import squall.device.jvm.JvmDevice;
import squall.testkernels.TestKernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The plan's contract, on the jvm device; the OpenCL and CUDA devices have their own tests of it. */
class ExecutionPlanTest {

    @Test
    void anArrayInNoTransferIsRejectedWhenThePlanIsMade() {
        float[] a = new float[4];
        TaskGraph graph = new TaskGraph("g").task("scale", TestKernels::scale, a, 2.0f);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ExecutionPlan(graph));
        assertTrue(e.getMessage().contains("'g.scale': array argument 0 'a' is in no transfer"), e.getMessage());
    }

    @Test
    void argumentsOfTheWrongTypeAreRejectedWhenTheTaskIsAdded() {
        float[] a = new float[4];
        KernelDescriptor scale = KernelLibraries.find(TestKernels.class, "scale");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TaskGraph("g").task("scale", scale, a, 2));
        assertEquals("task 'scale' (TestKernels.scale): argument 1 'factor' must be float, got int", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new TaskGraph("g").task("scale", scale, a));
        assertTrue(e.getMessage().contains("takes 2 arguments, got 1"), e.getMessage());
    }

    @Test
    void lambdasAreNotKernels() {
        float[] a = new float[4];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TaskGraph("g").task("scale", (float[] x, Float f) -> TestKernels.scale(x, f), a, 2.0f));
        assertTrue(e.getMessage().contains("a lambda cannot be compiled for a device"), e.getMessage());
    }

    @Test
    void taskNamesAreUniqueAcrossThePlansGraphs() {
        float[] a = new float[4], b = new float[4];
        TaskGraph one = new TaskGraph("one").transferToDevice(DataTransferMode.EVERY_EXECUTION, a)
                .task("scale", TestKernels::scale, a, 2.0f);
        TaskGraph two = new TaskGraph("two").transferToDevice(DataTransferMode.EVERY_EXECUTION, b)
                .task("scale", TestKernels::scale, b, 2.0f);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ExecutionPlan(one, two));
        assertTrue(e.getMessage().contains("task named 'scale'"), e.getMessage());
    }

    @Test
    void duplicateTaskNamesAreRejected() {
        float[] a = new float[4];
        TaskGraph graph = new TaskGraph("g").task("scale", TestKernels::scale, a, 2.0f);
        assertThrows(IllegalArgumentException.class, () -> graph.task("scale", TestKernels::scale, a, 3.0f));
    }

    @Test
    void contextKernelsNeedAGrid() {
        float[] in = new float[8], out = new float[8];
        TaskGraph graph = new TaskGraph("g").transferToDevice(DataTransferMode.EVERY_EXECUTION, in)
                .task("reverse", TestKernels::reverseInGroup, new KernelContext(), in, out)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
        try (ExecutionPlan plan = new ExecutionPlan(graph).withDevice(new JvmDevice(1))) {
            IllegalStateException e = assertThrows(IllegalStateException.class, plan::execute);
            assertTrue(e.getMessage().contains("new GridScheduler(\"g.reverse\""), e.getMessage());
        }
    }

    @Test
    void inPlaceWritesMakeTheHostCopyStaleUntilTransferred() {
        int[] a = {1, 2, 3};
        TaskGraph graph = new TaskGraph("g").transferToDevice(DataTransferMode.FIRST_EXECUTION, a)
                .task("inc", TestKernels::increment, a)
                .transferToHost(DataTransferMode.UNDER_DEMAND, a);
        try (ExecutionPlan plan = new ExecutionPlan(graph).withDevice(new JvmDevice(1))) {
            assertFalse(plan.isHostCopyStale(a));
            ExecutionResult result = plan.execute();
            assertTrue(plan.isHostCopyStale(a));
            result.transferToHost(a);
            assertFalse(plan.isHostCopyStale(a));
            plan.execute();
            plan.execute().transferToHost(a);
            assertArrayEquals(new int[] {4, 5, 6}, a);
        }
    }

    @Test
    void theProfileHasOneKernelEventPerTaskAndTornadoVmNames() {
        float[] a = new float[1 << 16];
        TaskGraph graph = new TaskGraph("g").transferToDevice(DataTransferMode.EVERY_EXECUTION, a)
                .task("first", TestKernels::scale, a, 2.0f)
                .task("second", TestKernels::scale, a, 0.5f)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, a)
                .cost("first", () -> new TaskCost(4L * a.length, 4L * a.length, a.length));
        try (ExecutionPlan plan = new ExecutionPlan(graph).withDevice(new JvmDevice(2)).withProfiler()) {
            ProfilerResult p = plan.execute().profilerResult();
            assertEquals(2, p.events().stream().filter(e -> e.kind() == DeviceEvent.Kind.KERNEL).count());
            assertTrue(p.kernelNanos("first") > 0);
            assertTrue(p.kernelNanos() <= p.totalNanos());
            assertTrue(p.metrics().containsKey("TOTAL_KERNEL_TIME"));
            assertEquals(p.kernelNanos("second"), p.metrics().get("g.second.TASK_KERNEL_TIME"));
            assertEquals(8L * a.length, p.metrics().get("g.first.TASK_BYTES"));
            TaskProfile first = p.tasks().getFirst();
            assertEquals("first", first.task());
            assertEquals(8.0 * a.length / first.kernelNanos(), first.gigabytesPerSecond(), 1e-9);
            assertEquals(0.0, p.tasks().get(1).gigabytesPerSecond());
        }
    }

    @Test
    void withoutTheProfilerThereIsNoProfile() {
        float[] a = new float[4];
        TaskGraph graph = new TaskGraph("g").transferToDevice(DataTransferMode.EVERY_EXECUTION, a)
                .task("scale", TestKernels::scale, a, 2.0f).transferToHost(DataTransferMode.EVERY_EXECUTION, a);
        try (ExecutionPlan plan = new ExecutionPlan(graph).withDevice(new JvmDevice(1))) {
            assertThrows(IllegalStateException.class, () -> plan.execute().profilerResult());
        }
    }

    @Test
    void aClosedPlanCannotRun() {
        float[] a = new float[4];
        ExecutionPlan plan = new ExecutionPlan(new TaskGraph("g").transferToDevice(DataTransferMode.EVERY_EXECUTION, a)
                .task("scale", TestKernels::scale, a, 2.0f)).withDevice(new JvmDevice(1));
        plan.close();
        assertThrows(IllegalStateException.class, plan::execute);
    }

    @Test
    void gridsMustDivideEvenly() {
        assertThrows(IllegalArgumentException.class, () -> new WorkerGrid1D(100).setLocalWork(64, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> new WorkerGrid1D(0));
    }
}
