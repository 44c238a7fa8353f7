package squall.device.cuda;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import squall.runtime.KernelDescriptor;
import squall.runtime.KernelLibraries;
import squall.runtime.KernelTarget;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every kernel on the class path, compiled from its generated CUDA C to PTX by nvcc for sm_80 and
 * sm_90 (specialised with {@link CudaTestSupport#specializationValue}), and the PTX assembled by
 * ptxas: what the GPU's driver will do with it, checked on a machine without a GPU.
 */
class CudaCompileCheckTest {

    private static final int[] ARCHS = {80, 90};
    private static CudaCompiler nvcc;
    private static Path ptxas;

    @BeforeAll
    static void findTools() {
        Optional<CudaCompiler> found = CudaCompiler.nvcc();
        assumeTrue(found.isPresent(), "nvcc not found on the PATH, in $CUDA_HOME/bin or /usr/local/cuda/bin");
        nvcc = found.get();
        ptxas = findPtxas();
        assumeTrue(ptxas != null, "ptxas not found next to nvcc or on the PATH");
    }

    private static Path findPtxas() {
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

    @TestFactory
    List<DynamicTest> everyKernelCompilesAndAssembles() {
        List<KernelDescriptor> kernels = KernelLibraries.all();
        assertTrue(kernels.stream().anyMatch(k -> k.qualifiedName().equals("AttentionKernels.attendBroadcast")),
                () -> "the attention kernels must be on the class path, found " + kernels);
        List<DynamicTest> tests = new ArrayList<>();
        for (KernelDescriptor kernel : kernels) {
            for (int arch : ARCHS) {
                tests.add(DynamicTest.dynamicTest(kernel.qualifiedName() + " sm_" + arch, () -> compileAndAssemble(kernel, arch)));
            }
        }
        return tests;
    }

    private static void compileAndAssemble(KernelDescriptor kernel, int arch) throws IOException, InterruptedException {
        Map<String, Integer> defines = new java.util.TreeMap<>();
        CudaTestSupport.specialization(kernel).forEach((name, value) -> defines.put("SQUALL_" + name, value));
        String ptx = nvcc.compile(kernel.source(KernelTarget.CUDA), kernel.qualifiedName(), defines, arch);
        assertTrue(ptx.contains(".target sm_" + arch), () -> "PTX for the wrong target:\n" + ptx.lines().limit(20).toList());
        assertTrue(ptx.contains(".entry " + kernel.name()), () -> kernel.name() + " is not an entry of the PTX");

        Path dir = Files.createTempDirectory("squall-ptxas-");
        try {
            Path in = dir.resolve("kernel.ptx");
            Files.writeString(in, ptx, StandardCharsets.US_ASCII);
            Process p = new ProcessBuilder(ptxas.toString(), "-arch=sm_" + arch, "-o", dir.resolve("kernel.cubin").toString(),
                    in.toString()).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "ptxas did not finish");
            assertEquals(0, p.exitValue(), () -> "ptxas -arch=sm_" + arch + " rejected " + kernel.qualifiedName() + ":\n" + output);
            assertTrue(Files.size(dir.resolve("kernel.cubin")) > 0);
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }
}
