package squall.runtime;

import org.junit.jupiter.api.Test;
import squall.api.KernelContext;
import squall.device.jvm.JvmDevice;
import squall.testkernels.TestKernels;

import java.util.List;

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

    @Test
    void aGraphIsFrozenWhenAPlanIsMadeFromIt() {
        float[] a = new float[4], b = new float[4];
        TaskGraph graph = new TaskGraph("g").transferToDevice(DataTransferMode.EVERY_EXECUTION, a)
                .task("scale", TestKernels::scale, a, 2.0f);
        try (ExecutionPlan plan = new ExecutionPlan(graph).withDevice(new JvmDevice(1))) {
            IllegalStateException e = assertThrows(IllegalStateException.class,
                    () -> graph.task("late", TestKernels::scale, b, 2.0f));
            assertTrue(e.getMessage().contains("task graph 'g' belongs to the execution plan of graph 'g'"), e.getMessage());
            assertThrows(IllegalStateException.class, () -> graph.transferToDevice(DataTransferMode.EVERY_EXECUTION, b));
            assertThrows(IllegalStateException.class, () -> graph.transferToHost(DataTransferMode.EVERY_EXECUTION, b));
            assertThrows(IllegalStateException.class, () -> graph.cost("scale", () -> new TaskCost(0, 0, 0)));
            assertTrue(graph.isFrozen());
            assertEquals(2, graph.steps().size(), "the refused changes left no step behind");
            plan.execute();
        }
    }

    @Test
    void anArrayReadBeforeAnythingWritesItIsRejected() {
        int[] a = new int[4];
        // a is only copied back: increment would read whatever a new device buffer holds
        TaskGraph graph = new TaskGraph("g").task("inc", TestKernels::increment, a)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, a);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ExecutionPlan(graph));
        assertTrue(e.getMessage().contains("task 'g.inc' (TestKernels.increment) reads array argument 0 'a', which no"
                + " earlier transferToDevice copies in and no earlier task writes"), e.getMessage());
        assertFalse(graph.isFrozen(), "a rejected graph can still be fixed");
        int[] b = new int[4];
        TaskGraph produced = new TaskGraph("p").transferToHost(DataTransferMode.EVERY_EXECUTION, b)
                .task("write", TestKernels::writeIndex, b, 0, 4)
                .task("inc", TestKernels::increment, b);
        try (ExecutionPlan plan = new ExecutionPlan(produced).withDevice(new JvmDevice(1))) {
            plan.execute();
            assertArrayEquals(new int[] {1, 2, 3, 4}, b, "an array an earlier task wrote may be read");
        }
    }

    /** A jvm device reporting the limits of a small accelerator, and counting the sessions it opens. */
    static final class SmallDevice extends ForwardingDevice {
        final long maxAllocation, memory, privateBytes;
        int sessions;

        SmallDevice(long maxAllocation, long memory, long privateBytes) {
            super(new JvmDevice(1));
            this.maxAllocation = maxAllocation;
            this.memory = memory;
            this.privateBytes = privateBytes;
        }

        @Override
        public long maxAllocationBytes() {
            return maxAllocation;
        }

        @Override
        public long globalMemoryBytes() {
            return memory;
        }

        @Override
        public long privateMemoryBytes() {
            return privateBytes;
        }

        @Override
        protected DeviceSession wrap(DeviceSession session) {
            sessions++;
            return super.wrap(session);
        }
    }

    @Test
    void arraysBeyondTheDevicesLimitsFailBeforeAnythingIsAllocated() {
        float[] big = new float[1000], other = new float[600];
        TaskGraph graph = new TaskGraph("g").transferToDevice(DataTransferMode.EVERY_EXECUTION, big, other)
                .task("scale", TestKernels::scale, big, 2.0f).task("scale2", TestKernels::scale, other, 2.0f);
        SmallDevice oneBuffer = new SmallDevice(3000, 1L << 20, 1L << 20);
        try (ExecutionPlan plan = new ExecutionPlan(graph).withDevice(oneBuffer)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, plan::execute);
            assertEquals("task 'g.scale' argument 'a': float[1000] needs 4000 bytes in one buffer, and the largest buffer"
                    + " jvm (" + oneBuffer.name() + ") allocates is 3000 bytes", e.getMessage());
            assertEquals(0, oneBuffer.sessions, "nothing was opened on the device");
        }
        SmallDevice memory = new SmallDevice(4000, 5000, 1L << 20);
        try (ExecutionPlan plan = new ExecutionPlan(graph).withDevice(memory)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, plan::execute);
            assertTrue(e.getMessage().contains("the plan's 2 arrays need 6400 bytes on jvm"), e.getMessage());
            assertTrue(e.getMessage().contains("which has 5000 bytes of memory"), e.getMessage());
            assertEquals(0, memory.sessions);
        }
    }

    @Test
    void theDescriptorListsPrivateArraysSizedForTheArguments() {
        KernelDescriptor sum = KernelLibraries.find(TestKernels.class, "privateSum");
        assertEquals(List.of(new PrivateArray("scratch", ParamType.FLOAT, 2000), new PrivateArray("fourZeros.zeros",
                ParamType.FLOAT, 4)), sum.privateArrays(new Object[] {null, 8, 1000}));
        assertEquals(8016, DeviceLimits.privateBytes(sum, new Object[] {null, 8, 1000}));
        // N * 2 wraps negative in int arithmetic: the descriptor sizes it as asked
        assertEquals(2L * Integer.MAX_VALUE, sum.privateArrays(new Object[] {null, 8, Integer.MAX_VALUE}).getFirst().length());
    }

    @Test
    void privateArraysBeyondAWorkItemsShareFailBeforeTheKernelRuns() {
        float[] out = new float[8];
        SmallDevice device = new SmallDevice(1L << 20, 1L << 20, 4096);
        TaskGraph fits = new TaskGraph("fits").task("sum", TestKernels::privateSum, out, 8, 500)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
        try (ExecutionPlan plan = new ExecutionPlan(fits).withDevice(device)) {
            plan.execute();
            assertEquals(500 * 499 / 2 + 500 * 7, out[7], 0.0f);
        }
        TaskGraph tooLarge = new TaskGraph("big").task("sum", TestKernels::privateSum, out, 8, 1000)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
        try (ExecutionPlan plan = new ExecutionPlan(tooLarge).withDevice(device)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, plan::execute);
            assertEquals("task 'big.sum' (TestKernels.privateSum with N = 1000): each work-item's private arrays"
                    + " (scratch[2000] float, fourZeros.zeros[4] float) need 8016 bytes, and a work-item on jvm ("
                    + device.name() + ") holds at most 4096", e.getMessage());
        }
        TaskGraph wraps = new TaskGraph("wraps").task("sum", TestKernels::privateSum, out, 8, Integer.MAX_VALUE / 2 + 1)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
        try (ExecutionPlan plan = new ExecutionPlan(wraps).withDevice(new JvmDevice(1))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, plan::execute);
            assertTrue(e.getMessage().contains("private array 'scratch' would have 2147483648 elements"), e.getMessage());
        }
    }

    @Test
    void aSecondThreadCallingAPlanWhileItExecutesFailsAtOnce() throws Exception {
        java.util.concurrent.CountDownLatch inside = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        Device gate = new ForwardingDevice(new JvmDevice(1)) {
            @Override
            protected DeviceSession wrap(DeviceSession session) {
                return new Session(this, session) {
                    @Override
                    public void launch(Launch launch) {
                        inside.countDown();
                        try {
                            assertTrue(release.await(60, java.util.concurrent.TimeUnit.SECONDS));
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                        super.launch(launch);
                    }
                };
            }
        };
        float[] a = {1, 2, 3, 4};
        TaskGraph graph = new TaskGraph("g").transferToDevice(DataTransferMode.EVERY_EXECUTION, a)
                .task("scale", TestKernels::scale, a, 2.0f).transferToHost(DataTransferMode.EVERY_EXECUTION, a);
        try (ExecutionPlan plan = new ExecutionPlan(graph).withDevice(gate)) {
            Thread first = new Thread(plan::execute, "first-executor");
            first.start();
            assertTrue(inside.await(60, java.util.concurrent.TimeUnit.SECONDS));
            IllegalStateException e = assertThrows(IllegalStateException.class, plan::execute);
            assertTrue(e.getMessage().contains("while thread 'first-executor' is inside execute() of the execution plan of"
                    + " graph 'g'"), e.getMessage());
            assertThrows(IllegalStateException.class, () -> plan.transferToHost(a));
            assertThrows(IllegalStateException.class, plan::close);
            release.countDown();
            first.join(60_000);
            assertArrayEquals(new float[] {2, 4, 6, 8}, a, "the first execution ran undisturbed");
            plan.execute();
            assertArrayEquals(new float[] {4, 8, 12, 16}, a, "and the plan is usable after it");
        }
    }
}
