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
import squall.tasks.KvDtype;
import squall.tasks.WorkGroupDecode;
import squall.testing.CudaAssembly;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every kernel on the class path (the attention kernels), compiled from its generated CUDA C to PTX by nvcc for
 * sm_80 and sm_90 and assembled by ptxas ({@link CudaAssembly}): what the GPU's driver will do with it, checked on
 * a machine without a GPU; and the work-group decode kernel at the shapes it is launched at.
 */
class CudaCompileCheckTest {

    private static CudaAssembly cuda;

    @BeforeAll
    static void findTools() {
        cuda = CudaAssembly.find();
    }

    @TestFactory
    List<DynamicTest> everyKernelCompilesAndAssembles() {
        List<KernelDescriptor> kernels = KernelLibraries.all();
        assertTrue(kernels.stream().anyMatch(k -> k.qualifiedName().equals("AttentionKernels.attendBroadcast")),
                () -> "the attention kernels must be on the class path, found " + kernels);
        return cuda.everyKernelCompilesAndAssembles(kernels);
    }

    /**
     * The bounds-checked build of every kernel compiles and assembles too (one architecture: it is for finding
     * bugs, so it may spill); without a GPU this is all that is checked of it on CUDA.
     */
    @TestFactory
    List<DynamicTest> everyBoundsCheckedKernelCompilesAndAssembles() {
        List<DynamicTest> tests = cuda.everyBoundsCheckedKernelCompilesAndAssembles(KernelLibraries.all());
        assertTrue(tests.size() > 10, "the checked builds are on the class path: " + tests.size());
        return tests;
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
                        () -> CudaAssembly.assertNoSpills(cuda.assemble(kernel, llamaDefines(launch, dtype), 90), what)));
            }
        }
        return tests;
    }

    /** The check above can fail: the same kernel held to 16 registers must spill, and be reported. */
    @Test
    void aKernelSqueezedIntoFewRegistersIsReportedAsSpilling() throws IOException, InterruptedException {
        KernelDescriptor kernel = KernelLibraries.find(PagedAttentionKernels.class, "decodeWorkGroup");
        WorkGroupDecode.Launch launch = WorkGroupDecode.launch(H100_SHAPED, 1, 8, 4, 128);
        String output = cuda.assemble(kernel, llamaDefines(launch, KvDtype.FP16), 90, "--maxrregcount=16");
        AssertionFailedError failure = assertThrows(AssertionFailedError.class, () -> CudaAssembly.assertNoSpills(output, "squeezed"));
        assertTrue(failure.getMessage().contains("spills registers"), failure::getMessage);
    }

    private static Map<String, Integer> llamaDefines(WorkGroupDecode.Launch launch, KvDtype dtype) {
        Map<String, Integer> values = new TreeMap<>();
        values.put("G", launch.G());
        values.put("D", launch.D());
        values.put("BS", 16);
        values.put("TILE", launch.tile());
        values.put("ITEMS", launch.localSize());
        values.put("PER_ITEM", launch.perItem());
        values.put("COALESCED", launch.layout() == WorkGroupDecode.Layout.COALESCED ? 1 : 0);
        values.put("DTYPE", dtype.storage());
        values.put("OPTIONS", 0);   // plain attention, as Llama runs
        return KernelLibraries.find(PagedAttentionKernels.class, "decodeWorkGroup").defines(values);
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
}
