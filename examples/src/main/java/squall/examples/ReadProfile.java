package squall.examples;

import squall.api.Kernel;
import squall.api.Parallel;
import squall.runtime.DataTransferMode;
import squall.runtime.Device;
import squall.runtime.DeviceEvent;
import squall.runtime.Devices;
import squall.runtime.ExecutionPlan;
import squall.runtime.ProfilerResult;
import squall.runtime.TaskCost;
import squall.runtime.TaskGraph;
import squall.runtime.TaskProfile;

/**
 * What a profile holds: per execution the host's wall time and the device's own times for compiling, copying and
 * each kernel, the bytes moved, and with a declared {@link TaskCost} the bandwidth a task achieved.
 */
public final class ReadProfile {

    @Kernel
    public static void saxpy(float a, float[] x, float[] y, float[] out, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            out[i] = a * x[i] + y[i];
        }
    }

    public static void main(String[] args) {
        Device device = args.length > 0 ? Devices.get(args[0]) : Devices.defaultDevice();
        int n = 1 << 22;                                                         // 4 Mi floats, 16 MiB per array
        float[] x = new float[n], y = new float[n], out = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = i % 1000;
            y[i] = 1;
        }
        TaskGraph graph = new TaskGraph("profiled")
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, x, y)
                .task("saxpy", ReadProfile::saxpy, 2f, x, y, out, n)
                .cost("saxpy", () -> new TaskCost(2L * n * Float.BYTES, (long) n * Float.BYTES, 2L * n))
                .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
        try (ExecutionPlan plan = new ExecutionPlan(graph).withDevice(device).withProfiler()) {
            for (int execution = 0; execution < 3; execution++) {
                ProfilerResult p = plan.execute().profilerResult();
                System.out.printf("execution %d on %s: %.2f ms in all: compile %.2f ms, copy in %,d bytes in %.2f ms,"
                                + " kernels %.2f ms, copy out %,d bytes in %.2f ms, the host's own work %.2f ms%n",
                        p.execution(), p.device(), p.totalNanos() / 1e6, p.compileNanos() / 1e6, p.copyInBytes(),
                        p.copyInNanos() / 1e6, p.kernelNanos() / 1e6, p.copyOutBytes(), p.copyOutNanos() / 1e6,
                        p.dispatchNanos() / 1e6);
                for (TaskProfile t : p.tasks()) {
                    System.out.printf("  task %s: %.3f ms, %.1f GB/s, %.2f GFLOP/s%n", t.task(), t.kernelNanos() / 1e6,
                            t.gigabytesPerSecond(), t.gigaflopsPerSecond());
                }
                for (DeviceEvent e : p.events()) {
                    if (e.kind() == DeviceEvent.Kind.COMPILE) {
                        System.out.printf("  compiled %s in %.2f ms%n", e.label(), e.nanos() / 1e6);
                    }
                }
            }
        }
        System.out.printf("out[999] = %.1f (2 * 999 + 1)%n", out[999]);
    }
}
