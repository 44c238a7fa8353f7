package squall.tasks;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import squall.runtime.DataTransferMode;
import squall.runtime.Devices;
import squall.runtime.ExecutionPlan;
import squall.runtime.TaskGraph;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The README's kernel example runs on every device and computes a softmax per row. */
@Tag("opencl")
class ReadmeExampleTest {

    @Test
    void softmaxRowsOnEveryDevice() {
        int rows = 37, n = 50;
        Random random = new Random(4);
        float[] x = new float[rows * n];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextGaussian() * 3;
        }
        for (String id : TestDevices.ids()) {
            float[] y = new float[x.length];
            TaskGraph graph = new TaskGraph("softmax")
                    .transferToDevice(DataTransferMode.EVERY_EXECUTION, x)
                    .task("rows", MyKernels::softmaxRows, x, y, rows, n)
                    .transferToHost(DataTransferMode.EVERY_EXECUTION, y);
            try (ExecutionPlan plan = new ExecutionPlan(graph).withDevice(Devices.get(id)).withProfiler()) {
                assertTrue(plan.execute().profilerResult().metrics().containsKey("TOTAL_KERNEL_TIME"));
            }
            for (int r = 0; r < rows; r++) {
                double max = Double.NEGATIVE_INFINITY, sum = 0;
                for (int i = 0; i < n; i++) {
                    max = Math.max(max, x[r * n + i]);
                }
                for (int i = 0; i < n; i++) {
                    sum += Math.exp(x[r * n + i] - max);
                }
                for (int i = 0; i < n; i++) {
                    assertEquals(Math.exp(x[r * n + i] - max) / sum, y[r * n + i], 1e-6, id + " row " + r);
                }
            }
        }
    }
}
