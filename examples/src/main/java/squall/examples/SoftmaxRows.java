package squall.examples;

import squall.api.Kernel;
import squall.api.KernelMath;
import squall.api.Parallel;
import squall.api.Specialize;
import squall.runtime.DataTransferMode;
import squall.runtime.Device;
import squall.runtime.Devices;
import squall.runtime.ExecutionPlan;
import squall.runtime.TaskGraph;

import java.util.Random;

/** A kernel of your own: a softmax per row, run on a device through a task graph and checked against plain Java. */
public final class SoftmaxRows {

    @Kernel
    public static void softmaxRows(float[] x, float[] y, int rows, @Specialize int N) {
        for (@Parallel int r = 0; r < rows; r++) {
            float max = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < N; i++) max = Math.max(max, x[r * N + i]);
            float sum = 0f;
            for (int i = 0; i < N; i++) sum += KernelMath.exp(x[r * N + i] - max);
            for (int i = 0; i < N; i++) y[r * N + i] = KernelMath.exp(x[r * N + i] - max) / sum;
        }
    }

    public static void main(String[] args) {
        Device device = args.length > 0 ? Devices.get(args[0]) : Devices.defaultDevice();
        int rows = 1024, n = 256;
        float[] x = new float[rows * n], y = new float[rows * n];
        Random random = new Random(42);
        for (int i = 0; i < x.length; i++) x[i] = (float) random.nextGaussian();

        TaskGraph graph = new TaskGraph("softmax")
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, x)
                .task("rows", SoftmaxRows::softmaxRows, x, y, rows, n)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, y);
        try (ExecutionPlan plan = new ExecutionPlan(graph).withDevice(device).withProfiler()) {
            for (int run = 0; run < 2; run++) {                      // the first also builds the kernel
                System.out.println(plan.execute().profilerResult().summary());
            }
        }

        float[] expected = new float[y.length];                  // the same method, called as plain Java
        softmaxRows(x, expected, rows, n);
        double largest = 0;
        for (int i = 0; i < y.length; i++) largest = Math.max(largest, Math.abs(y[i] - expected[i]));
        System.out.printf("%s: row 0 starts %.6f %.6f %.6f; largest difference from plain Java %.1e%n",
                device.id(), y[0], y[1], y[2], largest);
    }
}
