package squall.device.jvm;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import squall.api.KernelContext;
import squall.runtime.DataTransferMode;
import squall.runtime.ExecutionPlan;
import squall.runtime.GridScheduler;
import squall.runtime.KernelDescriptor;
import squall.runtime.KernelLaunchException;
import squall.runtime.TaskGraph;
import squall.runtime.WorkerGrid1D;
import squall.testkernels.TestKernels;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class JvmDeviceTest {

    private static void run(JvmDevice device, TaskGraph graph, GridScheduler grids) {
        try (ExecutionPlan plan = new ExecutionPlan(graph).withDevice(device).withGridScheduler(grids)) {
            plan.execute();
        }
    }

    @Property(tries = 60)
    void everyIndexOfTheOutermostLoopRunsExactlyOnce(@ForAll @IntRange(min = 0, max = 5000) int n,
                                                    @ForAll @IntRange(min = 1, max = 7) int threads) {
        int[] a = new int[n];
        TaskGraph graph = new TaskGraph("g").transferToDevice(DataTransferMode.EVERY_EXECUTION, a)
                .task("inc", TestKernels::increment, a).transferToHost(DataTransferMode.EVERY_EXECUTION, a);
        run(new JvmDevice(threads), graph, new GridScheduler());
        int[] ones = new int[n];
        Arrays.fill(ones, 1);
        assertArrayEquals(ones, a);
    }

    @Test
    void boundsThatDoNotStartAtZero() {
        int[] out = new int[100];
        Arrays.fill(out, -1);
        TaskGraph graph = new TaskGraph("g").transferToDevice(DataTransferMode.EVERY_EXECUTION, out)
                .task("write", TestKernels::writeIndex, out, 17, 83).transferToHost(DataTransferMode.EVERY_EXECUTION, out);
        run(new JvmDevice(3), graph, new GridScheduler());
        for (int i = 0; i < out.length; i++) {
            assertEquals(i >= 17 && i < 83 ? i : -1, out[i], "index " + i);
        }
    }

    @Test
    void threeDimensionsGiveTheSameResultOnOneOrManyThreads() {
        int nx = 7, ny = 5, nz = 3;
        int[] expected = new int[nx * ny * nz];
        for (int z = 0; z < nz; z++) {
            for (int y = 0; y < ny; y++) {
                for (int x = 0; x < nx; x++) {
                    expected[(z * ny + y) * nx + x] = x + 1000 * y + 1000000 * z;
                }
            }
        }
        for (int threads : new int[] {1, 4}) {
            int[] out = new int[expected.length];
            TaskGraph graph = new TaskGraph("g").transferToHost(DataTransferMode.EVERY_EXECUTION, out)
                    .task("coords", TestKernels::coordinates3d, out, nx, ny, nz);
            run(new JvmDevice(threads), graph, new GridScheduler());
            assertArrayEquals(expected, out, threads + " threads");
        }
    }

    @Test
    void barriersHold() {
        int groups = 16, local = 8;
        float[] in = new float[groups * local];
        for (int i = 0; i < in.length; i++) {
            in[i] = i + 1;
        }
        float[] out = new float[in.length];
        TaskGraph graph = new TaskGraph("g").transferToDevice(DataTransferMode.EVERY_EXECUTION, in)
                .task("reverse", TestKernels::reverseInGroup, new KernelContext(), in, out)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
        run(new JvmDevice(2), graph, new GridScheduler("g.reverse", new WorkerGrid1D(in.length).setLocalWork(local, 1, 1)));
        for (int g = 0; g < groups; g++) {
            for (int l = 0; l < local; l++) {
                assertEquals(in[g * local + local - 1 - l], out[g * local + l], "group " + g + ", item " + l);
            }
        }
    }

    @Test
    void theBarrierTestFailsWhenWorkItemsRunOneAfterAnother() {
        // What a device that ignored barriers would compute: each work-item to completion, in order.
        int local = 8;
        float[] in = new float[local];
        for (int i = 0; i < local; i++) {
            in[i] = i + 1;
        }
        float[] out = new float[local];
        float[] tile = new float[local];
        KernelContext.WorkGroup noBarriers = new KernelContext.WorkGroup() {
            public void barrier() {
            }

            public float[] localFloats(int slot, int size) {
                return tile;
            }

            public int[] localInts(int slot, int size) {
                throw new UnsupportedOperationException();
            }
        };
        for (int l = 0; l < local; l++) {
            KernelContext c = new KernelContext(noBarriers);
            c.localGroupSizeX = local;
            c.localIdx = l;
            c.globalIdx = l;
            TestKernels.reverseInGroup(c, in, out);
        }
        assertFalse(out[0] == in[local - 1], "sequential work-items must not see later items' writes");
    }

    /**
     * Work-item 0 returns before the barrier the others wait at. The kernel compiler rejects such a kernel, so it is
     * written here as the descriptor it would have made: what the jvm device's own check meets when a divergence is
     * one the compiler cannot see (data the work-items wrote differently, say).
     */
    private static final KernelDescriptor DIVERGENT_BARRIER = new KernelDescriptor(JvmDeviceTest.class, "divergentBarrier",
            java.util.List.of(new squall.runtime.KernelParam("ctx", squall.runtime.ParamType.KERNEL_CONTEXT,
                            squall.runtime.Access.NONE, false, false),
                    new squall.runtime.KernelParam("out", squall.runtime.ParamType.FLOAT_ARRAY, squall.runtime.Access.WRITE,
                            false, false)), 0, true, java.util.List.of()) {
        @Override
        public void runWorkItem(KernelContext ctx, Object[] args) {
            if (ctx.localIdx == 0) {
                return;
            }
            ctx.localBarrier();
            ((float[]) args[1])[ctx.globalIdx] = 1.0f;
        }
    };

    @Test
    void aWorkItemThatSkipsABarrierIsReported() {
        float[] out = new float[32];
        TaskGraph graph = new TaskGraph("g").transferToHost(DataTransferMode.EVERY_EXECUTION, out)
                .task("diverge", DIVERGENT_BARRIER, new KernelContext(), out);
        KernelLaunchException e = assertThrows(KernelLaunchException.class, () -> run(new JvmDevice(2), graph,
                new GridScheduler("g.diverge", new WorkerGrid1D(32).setLocalWork(8, 1, 1))));
        assertTrue(e.getMessage().contains("barrier divergence"), e.getMessage());
        assertTrue(e.getMessage().contains("JvmDeviceTest.divergentBarrier"), e.getMessage());
    }

    @Test
    void contextIndicesWithoutBarriers() {
        int n = 24, local = 6;
        int[] global = new int[n], localIds = new int[n], group = new int[n];
        TaskGraph graph = new TaskGraph("g").transferToHost(DataTransferMode.EVERY_EXECUTION, global, localIds, group)
                .task("ids", TestKernels::indices, new KernelContext(), global, localIds, group);
        run(new JvmDevice(3), graph, new GridScheduler("g.ids", new WorkerGrid1D(n).setLocalWork(local, 1, 1)));
        for (int i = 0; i < n; i++) {
            assertEquals(i, global[i]);
            assertEquals(i % local, localIds[i]);
            assertEquals(i / local, group[i]);
        }
    }

    @Test
    void aKernelWithoutParallelLoopsRunsOnce() {
        int[] out = new int[1];
        run(new JvmDevice(2), new TaskGraph("g").transferToHost(DataTransferMode.EVERY_EXECUTION, out)
                .task("one", TestKernels::single, out, 42), new GridScheduler());
        assertEquals(42, out[0]);
    }

    @Test
    void aFailingKernelNamesItselfAndTheDevice() {
        int[] out = new int[10];
        TaskGraph graph = new TaskGraph("g").transferToHost(DataTransferMode.EVERY_EXECUTION, out)
                .task("write", TestKernels::writeIndex, out, 0, 11);
        KernelLaunchException e = assertThrows(KernelLaunchException.class, () -> run(new JvmDevice(2), graph, new GridScheduler()));
        assertTrue(e.getMessage().contains("TestKernels.writeIndex"), e.getMessage());
        assertTrue(e.getMessage().contains("task 'write'"), e.getMessage());
        assertTrue(e.getMessage().contains("on jvm"), e.getMessage());
    }
}
