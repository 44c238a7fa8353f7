package squall.device.cuda;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.opentest4j.AssertionFailedError;
import squall.kernels.PagedAttentionKernels;
import squall.runtime.Device;
import squall.runtime.DeviceType;
import squall.runtime.Devices;
import squall.runtime.ForwardingDevice;
import squall.runtime.KernelDescriptor;
import squall.runtime.KernelLibraries;
import squall.runtime.KernelTarget;
import squall.tasks.KvDtype;
import squall.tasks.WorkGroupDecode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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

    /**
     * The bounds-checked build of every kernel compiles and assembles too (one architecture: it is for finding
     * bugs, so it may spill); without a GPU this is all that is checked of it on CUDA.
     */
    @TestFactory
    List<DynamicTest> everyBoundsCheckedKernelCompilesAndAssembles() {
        List<DynamicTest> tests = new ArrayList<>();
        for (KernelDescriptor kernel : KernelLibraries.all()) {
            if (kernel.checkedSource(KernelTarget.CUDA) == null) {
                continue; // a hand-written test kernel
            }
            tests.add(DynamicTest.dynamicTest(kernel.qualifiedName() + " bounds-checked sm_90", () -> {
                Map<String, Integer> defines = new TreeMap<>();
                CudaTestSupport.specialization(kernel).forEach((name, value) -> defines.put("SQUALL_" + name, value));
                String ptxas = assemble(kernel, kernel.checkedSource(KernelTarget.CUDA), defines, 90);
                assertTrue(ptxas.contains("Used"), ptxas);
            }));
        }
        assertTrue(tests.size() > 10, "the checked builds are on the class path: " + tests.size());
        return tests;
    }

    private static final Pattern SPILLS = Pattern.compile("(\\d+) bytes spill stores, (\\d+) bytes spill loads");
    private static final Pattern REGISTERS = Pattern.compile("Used (\\d+) registers");

    /**
     * Registers spilled to local memory turn a bandwidth-bound kernel into one that also waits on its own stack: the
     * kernels are small enough that ptxas must fit them in registers at the shapes tested.
     */
    static void assertNoSpills(String ptxasVerbose, String what) {
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

    private static void compileAndAssemble(KernelDescriptor kernel, int arch) throws IOException, InterruptedException {
        Map<String, Integer> defines = new TreeMap<>();
        CudaTestSupport.specialization(kernel).forEach((name, value) -> defines.put("SQUALL_" + name, value));
        String output = assemble(kernel, defines, arch);
        assertNoSpills(output, kernel.qualifiedName() + " sm_" + arch);
    }

    /**
     * The decode kernel as {@link WorkGroupDecode#launch} launches it for Llama-3-8B (G 4, D 128, 16-token blocks) on
     * an H100-sized GPU (132 SMs, 48 KiB of shared memory per block), for every cache dtype and both layouts: the
     * shapes where a spill would cost the most.
     */
    @TestFactory
    List<DynamicTest> decodeAtLlamaShapesKeepsEverythingInRegisters() {
        KernelDescriptor kernel = KernelLibraries.find(PagedAttentionKernels.class, "decodeWorkGroup");
        List<DynamicTest> tests = new ArrayList<>();
        for (WorkGroupDecode.Layout layout : WorkGroupDecode.Layout.values()) {
            WorkGroupDecode.Launch launch = WorkGroupDecode.launch(H100_SHAPED, 1, 8, 4, 128).withLayout(layout);
            for (KvDtype dtype : List.of(KvDtype.FP32, KvDtype.FP16, KvDtype.BF16)) {
                String what = "decodeWorkGroup " + dtype + " " + layout + " tile " + launch.tile() + " sm_90";
                tests.add(DynamicTest.dynamicTest(what,
                        () -> assertNoSpills(assemble(kernel, llamaDefines(launch, dtype), 90), what)));
            }
        }
        return tests;
    }

    /** The check above can fail: the same kernel held to 16 registers must spill, and be reported. */
    @Test
    void aKernelSqueezedIntoFewRegistersIsReportedAsSpilling() throws IOException, InterruptedException {
        KernelDescriptor kernel = KernelLibraries.find(PagedAttentionKernels.class, "decodeWorkGroup");
        WorkGroupDecode.Launch launch = WorkGroupDecode.launch(H100_SHAPED, 1, 8, 4, 128);
        String output = assemble(kernel, llamaDefines(launch, KvDtype.FP16), 90, "--maxrregcount=16");
        AssertionFailedError failure = assertThrows(AssertionFailedError.class, () -> assertNoSpills(output, "squeezed"));
        assertTrue(failure.getMessage().contains("spills registers"), failure::getMessage);
    }

    private static Map<String, Integer> llamaDefines(WorkGroupDecode.Launch launch, KvDtype dtype) {
        Map<String, Integer> defines = new TreeMap<>();
        defines.put("SQUALL_G", launch.G());
        defines.put("SQUALL_D", launch.D());
        defines.put("SQUALL_BS", 16);
        defines.put("SQUALL_TILE", launch.tile());
        defines.put("SQUALL_ITEMS", launch.localSize());
        defines.put("SQUALL_PER_ITEM", launch.perItem());
        defines.put("SQUALL_COALESCED", launch.layout() == WorkGroupDecode.Layout.COALESCED ? 1 : 0);
        defines.put("SQUALL_DTYPE", dtype.storage());
        defines.put("SQUALL_OPTIONS", 0);   // plain attention, as Llama runs
        return defines;
    }

    /** An H100 as the launch planner sees it; kernels are only compiled for it, never run. */
    private static final Device H100_SHAPED = new ForwardingDevice(Devices.get("jvm")) {
        @Override
        public DeviceType type() {
            return DeviceType.GPU;
        }

        @Override
        public long localMemoryBytes() {
            return 48 << 10;
        }

        @Override
        public int computeUnits() {
            return 132;
        }

        @Override
        public int maxWorkGroupSize() {
            return 1024;
        }
    };

    /** nvcc to PTX, then ptxas to a cubin; returns what {@code ptxas -v} printed. */
    private static String assemble(KernelDescriptor kernel, Map<String, Integer> defines, int arch, String... ptxasOptions)
            throws IOException, InterruptedException {
        return assemble(kernel, kernel.source(KernelTarget.CUDA), defines, arch, ptxasOptions);
    }

    private static String assemble(KernelDescriptor kernel, String source, Map<String, Integer> defines, int arch,
                                   String... ptxasOptions) throws IOException, InterruptedException {
        String ptx = nvcc.compile(source, kernel.qualifiedName(), defines, arch);
        assertTrue(ptx.contains(".target sm_" + arch), () -> "PTX for the wrong target:\n" + ptx.lines().limit(20).toList());
        assertTrue(ptx.contains(".entry " + kernel.name()), () -> kernel.name() + " is not an entry of the PTX");

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
