package squall.device.opencl;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import squall.api.KernelContext;
import squall.runtime.DataTransferMode;
import squall.runtime.ExecutionPlan;
import squall.runtime.GridScheduler;
import squall.runtime.KernelBuildException;
import squall.runtime.TaskGraph;
import squall.runtime.WorkerGrid1D;
import squall.testing.OpenClTestDevice;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Closing a plan releases every OpenCL object its session made: contexts, queues, buffers, programs, kernels, events. */
@Tag("opencl")
class OpenClReleaseTest {

    @Test
    void closingThePlanReleasesEveryObject() {
        OpenClDevice device = OpenClTestDevice.opencl0();
        assertEquals(0, OpenClObjects.liveTotal(), "objects left over before the test: " + OpenClObjects.live());
        float[] x = new float[256];
        float[] y = new float[256];
        float[] z = new float[256];
        TaskGraph graph = new TaskGraph("g")
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, x)
                .task("scale", TestKernels.SCALE, x, 2f)
                .task("add", TestKernels.ADD_CONSTANT, x, y, 16, 16, 1)
                .task("reverse", TestKernels.REVERSE_IN_GROUP, new KernelContext(), y, z)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, z)
                .transferToHost(DataTransferMode.UNDER_DEMAND, x, y);
        try (ExecutionPlan plan = new ExecutionPlan(graph).withDevice(device).withProfiler()
                .withGridScheduler(new GridScheduler("g.reverse", new WorkerGrid1D(256)))) {
            plan.execute();
            plan.execute().transferToHost(x);
            Map<OpenClObjects.Kind, Long> live = OpenClObjects.live();
            assertEquals(1, live.get(OpenClObjects.Kind.CONTEXT));
            assertEquals(1, live.get(OpenClObjects.Kind.QUEUE));
            assertEquals(3, live.get(OpenClObjects.Kind.MEM));
            assertEquals(3, live.get(OpenClObjects.Kind.PROGRAM));
            assertEquals(3, live.get(OpenClObjects.Kind.KERNEL));
            assertEquals(0, live.get(OpenClObjects.Kind.EVENT), "events outlive the profile they were read for");
        }
        assertEquals(0, OpenClObjects.liveTotal(), "left after close: " + OpenClObjects.live());
    }

    @Test
    void aFailedBuildLeavesNothingBehind() {
        OpenClDevice device = OpenClTestDevice.opencl0();
        float[] x = new float[8];
        TaskGraph graph = new TaskGraph("g")
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, x)
                .task("broken", TestKernels.SCALE.withSource("__kernel void scale(__global float* x) { this is not C; }"), x, 2f)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, x);
        try (ExecutionPlan plan = new ExecutionPlan(graph).withDevice(device).withProfiler()) {
            assertThrows(KernelBuildException.class, plan::execute);
        }
        assertEquals(0, OpenClObjects.liveTotal(), "left after close: " + OpenClObjects.live());
    }

    @Test
    void switchingAPlanToAnotherDeviceReleasesTheOpenClSession() {
        OpenClDevice device = OpenClTestDevice.opencl0();
        float[] x = new float[8];
        TaskGraph graph = new TaskGraph("g")
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, x)
                .task("scale", TestKernels.SCALE, x, 2f)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, x);
        try (ExecutionPlan plan = new ExecutionPlan(graph).withDevice(device)) {
            plan.execute();
            assertTrue(OpenClObjects.liveTotal() > 0);
            plan.withDevice("jvm");
            assertEquals(0, OpenClObjects.liveTotal(), "left after leaving the device: " + OpenClObjects.live());
        }
    }
}
