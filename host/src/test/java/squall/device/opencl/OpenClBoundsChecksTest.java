package squall.device.opencl;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import squall.api.KernelContext;
import squall.device.jvm.JvmDevice;
import squall.runtime.DataTransferMode;
import squall.runtime.ExecutionPlan;
import squall.runtime.GridScheduler;
import squall.runtime.KernelLaunchException;
import squall.runtime.TaskGraph;
import squall.runtime.WorkerGrid1D;
import squall.testing.OpenClTestDevice;
import squall.testkernels.TestKernels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The bounds-checked builds on OpenCL: a kernel that indexes outside an array fails its launch with the kernel, the
 * array, the index and the length named, whether the array is a parameter, a helper's view of a private array or a
 * local array; the session goes on working. (Without the checks such a launch writes past its buffer: these kernels
 * are only ever run checked.)
 */
@Tag("opencl")
class OpenClBoundsChecksTest {

    private static OpenClDevice device;

    @BeforeAll
    static void device() {
        device = OpenClTestDevice.opencl0();
    }

    @Test
    void aWriteOnePastAParameterArrayIsReportedAndTheSessionGoesOn() {
        float[] out = new float[8];
        TaskGraph past = new TaskGraph("past").transferToHost(DataTransferMode.EVERY_EXECUTION, out)
                .task("write", TestKernels::writePastTheEnd, out, 8);
        try (ExecutionPlan plan = new ExecutionPlan(past).withDevice(device).withBoundsChecks()) {
            assertTrue(plan.boundsChecks());
            KernelLaunchException e = assertThrows(KernelLaunchException.class, plan::execute);
            assertTrue(e.getMessage().startsWith("kernel TestKernels.writePastTheEnd (task 'write') on " + device.id()), e.getMessage());
            assertTrue(e.getMessage().contains("index 8 is outside array 'out' (length 8)"), e.getMessage());
        }
        float[] within = new float[8];
        TaskGraph fits = new TaskGraph("fits").transferToDevice(DataTransferMode.EVERY_EXECUTION, within)
                .task("write", TestKernels::writePastTheEnd, within, 7)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, within);
        try (ExecutionPlan plan = new ExecutionPlan(fits).withDevice(device).withBoundsChecks()) {
            plan.execute();
            assertArrayEquals(new float[] {0, 0, 1, 2, 3, 4, 5, 6}, within, "the checked build computes what the plain one does");
        }
    }

    @Test
    void aHelperWritingPastAPrivateArrayIsReportedByTheArraysName() {
        float[] out = new float[4];
        TaskGraph graph = new TaskGraph("g").transferToHost(DataTransferMode.EVERY_EXECUTION, out)
                .task("fill", TestKernels::privatePastTheEnd, out, 16);
        try (ExecutionPlan plan = new ExecutionPlan(graph).withDevice(device).withBoundsChecks()) {
            KernelLaunchException e = assertThrows(KernelLaunchException.class, plan::execute);
            assertTrue(e.getMessage().contains("index 16 is outside array 'scratch' (length 16)"), e.getMessage());
        }
    }

    @Test
    void aWritePastALocalArrayIsReported() {
        float[] out = new float[64];
        TaskGraph graph = new TaskGraph("g").transferToHost(DataTransferMode.EVERY_EXECUTION, out)
                .task("shift", TestKernels::localPastTheEnd, new KernelContext(), out);
        GridScheduler grid = new GridScheduler("g.shift", new WorkerGrid1D(64).setLocalWork(16, 1, 1));
        try (ExecutionPlan plan = new ExecutionPlan(graph).withDevice(device).withGridScheduler(grid).withBoundsChecks()) {
            KernelLaunchException e = assertThrows(KernelLaunchException.class, plan::execute);
            assertTrue(e.getMessage().contains("index 16 is outside array 'tile' (length 16)"), e.getMessage());
        }
    }

    @Test
    void theJvmDeviceNamesTheIndexTheLengthAndTheLine() {
        float[] out = new float[8];
        TaskGraph graph = new TaskGraph("g").transferToHost(DataTransferMode.EVERY_EXECUTION, out)
                .task("write", TestKernels::writePastTheEnd, out, 8);
        try (ExecutionPlan plan = new ExecutionPlan(graph).withDevice(new JvmDevice(1))) {
            KernelLaunchException e = assertThrows(KernelLaunchException.class, plan::execute);
            assertTrue(e.getMessage().contains("an array index out of bounds (Index 8 out of bounds for length 8), at"
                    + " TestKernels"), e.getMessage());
        }
    }

    @Test
    void checksAreOffUnlessAskedFor() {
        float[] a = {7, 7};
        TaskGraph graph = new TaskGraph("g").transferToDevice(DataTransferMode.EVERY_EXECUTION, a)
                .task("write", TestKernels::writePastTheEnd, a, 1).transferToHost(DataTransferMode.EVERY_EXECUTION, a);
        try (ExecutionPlan plan = new ExecutionPlan(graph).withDevice(device)) {
            assertEquals(squall.runtime.BoundsChecks.requested(), plan.boundsChecks(), "SQUALL_BOUNDS_CHECKS decides the default");
            plan.withoutBoundsChecks().execute();
            assertArrayEquals(new float[] {7, 0}, a);
        }
    }
}
