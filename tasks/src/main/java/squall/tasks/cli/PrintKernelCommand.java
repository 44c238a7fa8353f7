package squall.tasks.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import squall.runtime.KernelDescriptor;
import squall.runtime.KernelLibraries;
import squall.runtime.KernelTarget;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/** {@code squall print-kernel}: the source squall's kernel compiler generated for a kernel. */
@Command(name = "print-kernel", description = "Prints a kernel's generated source, or lists the kernels.")
final class PrintKernelCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", arity = "0..1", paramLabel = "NAME",
            description = "Kernel name: AttentionKernels.attendBroadcast, or attendBroadcast when unambiguous.")
    String name;

    @Option(names = "--target", paramLabel = "<target>", defaultValue = "opencl", converter = LowerCaseEnums.TargetConverter.class,
            description = "opencl, cuda or java (the JVM variant); default ${DEFAULT-VALUE}.")
    KernelTarget target;

    @Option(names = "--list", description = "Print every kernel's qualified name, one per line.")
    boolean list;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (list) {
            if (name != null) {
                throw new BadInputException("NAME", "--list takes no kernel name, got '" + name + "'");
            }
            for (KernelDescriptor k : KernelLibraries.all()) {
                out.println(k.qualifiedName());
            }
        } else {
            if (name == null) {
                throw new BadInputException("NAME", "name a kernel (such as AttentionKernels.attendBroadcast), or give --list");
            }
            String source = kernel(name).source(target);
            out.print(source.endsWith("\n") ? source : source + "\n");
        }
        out.flush();
        return 0;
    }

    /** By qualified name, simple name, or the owner's full class name plus the method. */
    private static KernelDescriptor kernel(String name) {
        for (KernelDescriptor k : KernelLibraries.all()) {
            if ((k.owner().getName() + "." + k.name()).equals(name)) {
                return k;
            }
        }
        try {
            return KernelLibraries.byName(name);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("NAME", e.getMessage());
        }
    }
}
