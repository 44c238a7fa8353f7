package squall.tasks.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import squall.runtime.Device;
import squall.runtime.DeviceSession;
import squall.runtime.Devices;
import squall.runtime.KernelBuild;
import squall.runtime.KernelDescriptor;
import squall.runtime.KernelLibraries;
import squall.runtime.KernelParam;
import squall.runtime.KernelTarget;
import squall.runtime.SquallException;
import squall.tasks.KvCache;
import squall.tasks.ModelPreset;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * {@code squall print-kernel}: the source squall's kernel compiler generated for a kernel, specialised the way a
 * device compiles it when asked, and how a device builds it.
 *
 * <pre>{@code
 * scripts/squall print-kernel PagedAttentionKernels.attendPaged --model llama3-8b --target cuda
 * scripts/squall print-kernel MySoftmax.softmaxRows --class-path MySoftmax.java --define N=64 --device opencl:0
 * }</pre>
 */
@Command(name = "print-kernel", sortOptions = false,
        description = {"Prints a kernel's generated source (OpenCL C, CUDA C or the JVM variant), or lists the kernels.",
                "Unspecialised, its first lines name the @Specialize values still to be defined; --define and --model"
                        + " give them, as the device gets them, and --device also builds it there and prints the build."})
final class PrintKernelCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME",
            description = "Kernel name: AttentionKernels.attendBroadcast, or attendBroadcast when unambiguous.")
    String name;

    @Option(names = "--target", paramLabel = "<target>", converter = LowerCaseEnums.TargetConverter.class,
            description = "opencl, cuda or java (the JVM variant); default opencl, or what --device compiles.")
    KernelTarget target;

    @Option(names = "--define", paramLabel = "NAME=VALUE", mapFallbackValue = "",
            description = "The value of a @Specialize parameter (repeat for each): N=64.")
    Map<String, String> defines = new LinkedHashMap<>();

    @Option(names = "--model", paramLabel = "<id>",
            description = "Specialise as 'squall decode --model <id>' would on --device (fp16 cache, blocks of " + KvCache.DEFAULT_BLOCK_SIZE + ").")
    String model;

    @Option(names = "--device", paramLabel = "<id>",
            description = "Build the kernel on this device (jvm, opencl:0, cuda:0) and print the compiler, its options and its log.")
    String deviceId;

    @Option(names = {"--class-path", "-cp"}, paramLabel = "<path>", split = ":",
            description = "Where else to look for kernels: jars, folders of classes and .java files (compiled here), separated by ':'.")
    List<String> classPath = new ArrayList<>();

    @Option(names = "--list", description = "Print every kernel's qualified name, one per line.")
    boolean list;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        try (UserClasses user = UserClasses.of(classPath, "--class-path", spec.commandLine().getErr())) {
            List<KernelDescriptor> kernels = KernelLibraries.all(user.loader());
            if (list) {
                if (name != null) {
                    throw new BadInputException("NAME", "--list takes no kernel name, got '" + name + "'");
                }
                kernels.forEach(k -> out.println(k.qualifiedName()));
                out.flush();
                return 0;
            }
            if (name == null) {
                throw new BadInputException("NAME", "name a kernel (such as AttentionKernels.attendBroadcast), or give --list");
            }
            KernelDescriptor kernel;
            try {
                kernel = KernelLibraries.byName(name, kernels);
            } catch (IllegalArgumentException e) {
                throw new BadInputException("NAME", e.getMessage());
            }
            Device device = DeviceOption.named(deviceId);
            KernelTarget shown = target(device);
            SortedMap<String, Integer> values = specialization(kernel, device);
            String source = SpecializedSource.of(kernel.source(shown), kernel, values, shown);
            out.print(source.endsWith("\n") ? source : source + "\n");
            if (device != null) {
                printBuild(out, kernel, device, values, shown);
            }
            out.flush();
        }
        return 0;
    }

    /** {@code --target}, else the language {@code --device} compiles, else OpenCL C. */
    private KernelTarget target(Device device) {
        KernelTarget compiled = device == null ? null : switch (device.backend()) {
            case "opencl" -> KernelTarget.OPENCL;
            case "cuda" -> KernelTarget.CUDA;
            default -> KernelTarget.JAVA;
        };
        if (target != null && compiled != null && target != compiled) {
            throw new BadInputException("--target", device.id() + " compiles " + compiled.name().toLowerCase(Locale.ROOT)
                    + ", not " + target.name().toLowerCase(Locale.ROOT) + "; leave --target out with --device");
        }
        return target != null ? target : compiled != null ? compiled : KernelTarget.OPENCL;
    }

    /** The values {@code --model} implies, overridden by each {@code --define}; every name checked against the kernel. */
    private SortedMap<String, Integer> specialization(KernelDescriptor kernel, Device device) {
        List<String> names = kernel.params().stream().filter(KernelParam::specialized).map(KernelParam::name).toList();
        SortedMap<String, Integer> values = new TreeMap<>();
        if (model != null) {
            ModelPreset preset;
            try {
                preset = ModelPreset.byId(model);
            } catch (IllegalArgumentException e) {
                throw new BadInputException("--model", e.getMessage());
            }
            Device on = device != null ? device : Devices.defaultDevice();
            DecodeSpecialization decode = DecodeSpecialization.find(preset, on, kernel);
            if (decode == null) {
                throw new BadInputException("--model", kernel.qualifiedName() + " is in no decode graph (squall decode runs the"
                        + " paged kernels); give its values with --define");
            }
            values.putAll(decode.values());
        }
        for (Map.Entry<String, String> d : defines.entrySet()) {
            if (!names.contains(d.getKey())) {
                throw new BadInputException("--define", kernel.qualifiedName() + " has no @Specialize parameter '" + d.getKey()
                        + "'" + (names.isEmpty() ? "; it has none" : "; it has " + String.join(", ", names)));
            }
            try {
                values.put(d.getKey(), Integer.parseInt(d.getValue().strip()));
            } catch (NumberFormatException e) {
                throw new BadInputException("--define", d.getKey() + " must be an int, got '" + d.getValue() + "'");
            }
        }
        return values;
    }

    /** Builds the kernel on {@code device} and prints how, as comments after the source. */
    private void printBuild(PrintWriter out, KernelDescriptor kernel, Device device, SortedMap<String, Integer> values,
                            KernelTarget shown) {
        List<String> missing = kernel.params().stream().filter(KernelParam::specialized).map(KernelParam::name)
                .filter(n -> !values.containsKey(n)).toList();
        if (!missing.isEmpty() && shown != KernelTarget.JAVA) {
            throw new BadInputException("--device", "building " + kernel.qualifiedName() + " needs a value for every @Specialize"
                    + " parameter; missing " + String.join(", ", missing) + " (give --define NAME=VALUE or --model)");
        }
        KernelBuild build;
        try (DeviceSession session = device.openSession(false)) {
            build = session.prepare(kernel, values, "print-kernel").build();
        } catch (SquallException e) {
            throw new CommandFailedException(e.getMessage(), e);
        }
        out.println();
        out.println("// Built on " + device.id());
        out.println("// compiler: " + build.compiler());
        out.println("// options:  " + (build.options().isEmpty() ? "(none)" : build.options()));
        out.println("// program:  " + build.origin());
        if (build.log().isBlank()) {
            out.println("// log:      (empty: the compiler had nothing to say)");
        } else {
            out.println("// log:");
            build.log().lines().forEach(l -> out.println("//   " + l));
        }
    }
}
