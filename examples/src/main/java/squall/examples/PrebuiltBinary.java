package squall.examples;

import squall.api.Kernel;
import squall.api.Parallel;
import squall.api.Specialize;
import squall.device.opencl.OpenClDevice;
import squall.runtime.DataTransferMode;
import squall.runtime.Device;
import squall.runtime.DeviceEvent;
import squall.runtime.Devices;
import squall.runtime.ExecutionPlan;
import squall.runtime.KernelDescriptor;
import squall.runtime.KernelLibraries;
import squall.runtime.ProfilerResult;
import squall.runtime.TaskGraph;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A kernel from a prebuilt binary instead of its source, as FPGA boards are programmed: export the program an
 * OpenCL device built (an FPGA vendor's offline compiler writes such a file), register it, and every plan on that
 * device loads it. OpenCL only: elsewhere this says so and stops.
 */
public final class PrebuiltBinary {

    @Kernel
    public static void scale(float[] x, int n, @Specialize int FACTOR) {
        for (@Parallel int i = 0; i < n; i++) {
            x[i] = x[i] * FACTOR;
        }
    }

    public static void main(String[] args) throws IOException {
        Device device = args.length > 0 ? Devices.get(args[0])
                : Devices.all().stream().filter(d -> d instanceof OpenClDevice).findFirst().orElse(Devices.defaultDevice());
        if (!(device instanceof OpenClDevice opencl)) {
            String why = Devices.all().stream().filter(d -> d instanceof OpenClDevice).map(d -> "name one: " + d.id())
                    .findFirst().orElse("OpenCL: " + Devices.unavailableBackends().getOrDefault("opencl", "no device"));
            System.out.println("PrebuiltBinary needs an OpenCL device, and " + device.id() + " is not one (" + why
                    + "); nothing to do.");
            return;
        }
        KernelDescriptor kernel = KernelLibraries.find(PrebuiltBinary.class, "scale");
        Map<String, Integer> specialization = Map.of("FACTOR", 3);               // one binary per specialisation
        Path file = Files.createTempFile("scale-", ".bin");
        Files.write(file, opencl.exportBinary(kernel, specialization));
        opencl.registerBinary(kernel, specialization, Files.readAllBytes(file)); // from now on, no source build
        System.out.printf("%s: %,d-byte program binary for %s %s%n", opencl.id(), Files.size(file),
                kernel.qualifiedName(), specialization);
        Files.delete(file);

        float[] x = {1, 2, 3, 4};
        TaskGraph graph = new TaskGraph("prebuilt")
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, x)
                .task("scale", PrebuiltBinary::scale, x, x.length, 3)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, x);
        try (ExecutionPlan plan = new ExecutionPlan(graph).withDevice(opencl).withProfiler()) {
            ProfilerResult profile = plan.execute().profilerResult();
            for (DeviceEvent e : profile.events()) {
                if (e.kind() == DeviceEvent.Kind.COMPILE) {
                    System.out.println("loaded: " + e.label());                  // "scale [prebuilt binary]"
                }
            }
        } finally {
            opencl.unregisterBinary(kernel, specialization);
        }
        System.out.printf("x = %.0f %.0f %.0f %.0f%n", x[0], x[1], x[2], x[3]);
    }
}
