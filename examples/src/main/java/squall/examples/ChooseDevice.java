package squall.examples;

import squall.api.Kernel;
import squall.api.Parallel;
import squall.runtime.DataTransferMode;
import squall.runtime.Device;
import squall.runtime.Devices;
import squall.runtime.ExecutionPlan;
import squall.runtime.TaskGraph;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;

/**
 * The devices of this machine, why a back end has none, the one squall picks when you name none, and a kernel run
 * on the device you name. A device id that is not here is an error that lists the ones that are.
 */
public final class ChooseDevice {

    @Kernel
    public static void square(int[] values, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            values[i] = values[i] * values[i];
        }
    }

    public static void main(String[] args) {
        for (Device d : Devices.all()) {
            System.out.printf("device %-9s %-5s %s%n", d.id(), d.type().name().toLowerCase(Locale.ROOT), d.name());
        }
        for (Map.Entry<String, String> missing : Devices.unavailableBackends().entrySet()) {
            System.out.printf("no %s device: %s%n", missing.getKey(), missing.getValue());
        }
        System.out.println("default: " + Devices.defaultDevice().id() + " (a GPU, else an OpenCL device, else jvm)");

        Device chosen = args.length > 0 ? Devices.get(args[0]) : Devices.defaultDevice();
        int[] values = {1, 2, 3, 4, 5, 6, 7, 8};
        TaskGraph graph = new TaskGraph("choose")
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, values)
                .task("square", ChooseDevice::square, values, values.length)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, values);
        try (ExecutionPlan plan = new ExecutionPlan(graph).withDevice(chosen)) {
            plan.execute();
        }
        System.out.printf("squared on %s: %s%n", chosen.id(), Arrays.toString(values));
    }
}
