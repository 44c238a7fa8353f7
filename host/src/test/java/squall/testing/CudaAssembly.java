package squall.testing;

import org.junit.jupiter.api.DynamicTest;
import squall.device.cuda.CudaCompiler;
import squall.runtime.KernelDescriptor;
import squall.runtime.KernelTarget;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A kernel's CUDA source compiled by nvcc to PTX for sm_80 and sm_90 and the PTX assembled by ptxas: what the GPU's
 * driver will do with it, checked on a machine without a GPU. Each module's compile-check test hands it the kernels
 * it holds (host its test kernels, tasks the attention kernels).
 *
 * <pre>{@code
 * CudaAssembly cuda = CudaAssembly.find();   // skips the test, saying which tool is missing
 * String ptxasVerbose = cuda.assemble(kernel, Map.of("SQUALL_D", 128), 90);
 * CudaAssembly.assertNoSpills(ptxasVerbose, kernel.qualifiedName());
 * }</pre>
 */
public final class CudaAssembly {

    /** The architectures every kernel is assembled for: A100 and H100. */
    public static final int[] ARCHS = {80, 90};

    private static final Pattern SPILLS = Pattern.compile("(\\d+) bytes spill stores, (\\d+) bytes spill loads");
    private static final Pattern REGISTERS = Pattern.compile("Used (\\d+) registers");

    private final CudaCompiler nvcc;
    private final Path ptxas;

    private CudaAssembly(CudaCompiler nvcc, Path ptxas) {
        this.nvcc = nvcc;
        this.ptxas = ptxas;
    }

    /** nvcc and the ptxas beside it (or on the PATH); without either the test is skipped, saying which. */
    public static CudaAssembly find() {
        Optional<CudaCompiler> found = CudaCompiler.nvcc();
        assumeTrue(found.isPresent(), "nvcc not found on the PATH, in $CUDA_HOME/bin or /usr/local/cuda/bin");
        Path ptxas = findPtxas(found.get());
        assumeTrue(ptxas != null, "ptxas not found next to nvcc or on the PATH");
        return new CudaAssembly(found.get(), ptxas);
    }

    private static Path findPtxas(CudaCompiler nvcc) {
        List<Path> candidates = new ArrayList<>();
        String description = nvcc.description();
        String nvccPath = description.substring(description.indexOf('(') + 1, description.lastIndexOf(')'));
        candidates.add(Path.of(nvccPath).resolveSibling("ptxas"));
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isBlank()) {
                candidates.add(Path.of(dir, "ptxas"));
            }
        }
        return candidates.stream().filter(Files::isExecutable).findFirst().orElse(null);
    }

    /**
     * One test per kernel and architecture: it compiles (specialised with {@link CudaTestSupport#specializationValue})
     * and assembles without spilling registers.
     */
    public List<DynamicTest> everyKernelCompilesAndAssembles(List<KernelDescriptor> kernels) {
        List<DynamicTest> tests = new ArrayList<>();
        for (KernelDescriptor kernel : kernels) {
            for (int arch : ARCHS) {
                tests.add(DynamicTest.dynamicTest(kernel.qualifiedName() + " sm_" + arch, () -> {
                    String output = assemble(kernel, defines(kernel), arch);
                    assertNoSpills(output, kernel.qualifiedName() + " sm_" + arch);
                }));
            }
        }
        return tests;
    }

    /**
     * One test per kernel that has a bounds-checked build: that build compiles and assembles for sm_90 (it is for
     * finding bugs, so it may spill); without a GPU this is all that is checked of it on CUDA.
     */
    public List<DynamicTest> everyBoundsCheckedKernelCompilesAndAssembles(List<KernelDescriptor> kernels) {
        List<DynamicTest> tests = new ArrayList<>();
        for (KernelDescriptor kernel : kernels) {
            if (kernel.checkedSource(KernelTarget.CUDA) == null) {
                continue; // a hand-written test kernel
            }
            tests.add(DynamicTest.dynamicTest(kernel.qualifiedName() + " bounds-checked sm_90", () -> {
                String output = assemble(kernel, kernel.checkedSource(KernelTarget.CUDA), defines(kernel), 90);
                assertTrue(output.contains("Used"), output);
            }));
        }
        return tests;
    }

    private static Map<String, Integer> defines(KernelDescriptor kernel) {
        return kernel.defines(CudaTestSupport.specialization(kernel));
    }

    /**
     * Registers spilled to local memory turn a bandwidth-bound kernel into one that also waits on its own stack: the
     * kernels are small enough that ptxas must fit them in registers at the shapes tested.
     */
    public static void assertNoSpills(String ptxasVerbose, String what) {
        Matcher spills = SPILLS.matcher(ptxasVerbose);
        assertTrue(spills.find(), () -> "ptxas -v printed no spill line for " + what + ":\n" + ptxasVerbose);
        do {
            String line = spills.group();
            assertEquals("0", spills.group(1), () -> what + " spills registers: " + line + "\n" + ptxasVerbose);
            assertEquals("0", spills.group(2), () -> what + " spills registers: " + line + "\n" + ptxasVerbose);
        } while (spills.find());
        Matcher registers = REGISTERS.matcher(ptxasVerbose);
        assertTrue(registers.find(), () -> "ptxas -v printed no register count for " + what + ":\n" + ptxasVerbose);
        System.out.println("ptxas: " + what + ": " + registers.group(1) + " registers, no spills");
    }

    /** nvcc to PTX, then ptxas to a cubin; returns what {@code ptxas -v} printed. */
    public String assemble(KernelDescriptor kernel, Map<String, Integer> defines, int arch, String... ptxasOptions)
            throws IOException, InterruptedException {
        return assemble(kernel, kernel.source(KernelTarget.CUDA), defines, arch, ptxasOptions);
    }

    /** {@link #assemble(KernelDescriptor, Map, int, String...)} of {@code source} instead of the kernel's own. */
    public String assemble(KernelDescriptor kernel, String source, Map<String, Integer> defines, int arch,
                           String... ptxasOptions) throws IOException, InterruptedException {
        String ptx = nvcc.compile(source, kernel.qualifiedName(), defines, arch);
        assertTrue(ptx.contains(".target sm_" + arch), () -> "PTX for the wrong target:\n" + ptx.lines().limit(20).toList());
        assertTrue(ptx.contains(".entry " + kernel.entryPoint()), () -> kernel.entryPoint() + " is not an entry of the PTX");

        Path dir = Files.createTempDirectory("squall-ptxas-");
        try {
            Path in = dir.resolve("kernel.ptx");
            Files.writeString(in, ptx, StandardCharsets.US_ASCII);
            List<String> command = new ArrayList<>(List.of(ptxas.toString(), "-v", "-arch=sm_" + arch));
            command.addAll(List.of(ptxasOptions));
            command.addAll(List.of("-o", dir.resolve("kernel.cubin").toString(), in.toString()));
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "ptxas did not finish");
            assertEquals(0, p.exitValue(), () -> "ptxas -arch=sm_" + arch + " rejected " + kernel.qualifiedName() + ":\n" + output);
            assertTrue(Files.size(dir.resolve("kernel.cubin")) > 0);
            return output;
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
