package squall.tasks;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import squall.api.KernelContext;
import squall.runtime.DataTransferMode;
import squall.runtime.Device;
import squall.runtime.Devices;
import squall.runtime.ExecutionPlan;
import squall.runtime.GridScheduler;
import squall.runtime.TaskGraph;
import squall.runtime.WorkerGrid1D;
import squall.testing.OpenClTestDevice;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** Kernels compiled by squall's compiler that exercise local memory, barriers and array lengths, on opencl:0 and jvm. */
@Tag("opencl")
class OpenClCompiledKernelsTest {

    private static Device opencl;

    @BeforeAll
    static void device() {
        opencl = OpenClTestDevice.opencl0();
    }

    private static float[] runGroupSums(Device device, float[] in, int local) {
        float[] sums = new float[in.length / local];
        WorkerGrid1D grid = new WorkerGrid1D(in.length);
        grid.setLocalWork(local, 1, 1);
        TaskGraph graph = new TaskGraph("g")
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, in)
                .task("sums", DeviceTestKernels::groupSums, new KernelContext(), in, sums)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, sums);
        try (ExecutionPlan plan = new ExecutionPlan(graph).withDevice(device)
                .withGridScheduler(new GridScheduler("g.sums", grid))) {
            plan.execute();
        }
        return sums;
    }

    @Test
    void groupReductionsInLocalMemoryMatchTheJvmDevice() {
        Random random = new Random(11);
        float[] in = new float[1024];
        for (int i = 0; i < in.length; i++) {
            in[i] = random.nextInt(100); // integers: every summation order gives the same float
        }
        for (int local : new int[] {16, 64, 256}) {
            float[] expected = new float[in.length / local];
            for (int i = 0; i < in.length; i++) {
                expected[i / local] += in[i];
            }
            assertArrayEquals(expected, runGroupSums(Devices.get("jvm"), in, local), "jvm, local " + local);
            assertArrayEquals(expected, runGroupSums(opencl, in, local), "opencl, local " + local);
        }
    }

    @Test
    void anArraysLengthReachesTheKernel() {
        float[] x = new float[1003];
        float[] y = new float[1003];
        for (int i = 0; i < x.length; i++) {
            x[i] = i;
            y[i] = 1;
        }
        TaskGraph graph = new TaskGraph("g")
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, x, y)
                .task("axpy", DeviceTestKernels::axpy, 2f, x, y)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, y);
        try (ExecutionPlan plan = new ExecutionPlan(graph).withDevice(opencl)) {
            plan.execute();
        }
        float[] expected = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            expected[i] = 2f * i + 1;
        }
        assertArrayEquals(expected, y);
    }
}
