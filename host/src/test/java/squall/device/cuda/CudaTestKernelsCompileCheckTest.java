package squall.device.cuda;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import squall.compiler.HalfKernels;
import squall.runtime.KernelDescriptor;
import squall.runtime.KernelLibraries;
import squall.testing.CudaAssembly;
import squall.testkernels.TestKernels;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The test kernels the GPU tests run ({@link CudaTestKernels}, {@link HalfKernels}, {@link TestKernels#reverseInGroup}), compiled by nvcc and assembled
 * by ptxas for sm_80 and sm_90 without spilling, so that a machine without a GPU still checks their CUDA C.
 */
class CudaTestKernelsCompileCheckTest {

    private static CudaAssembly cuda;

    @BeforeAll
    static void findTools() {
        cuda = CudaAssembly.find();
    }

    private static List<KernelDescriptor> kernels() {
        List<KernelDescriptor> kernels = new ArrayList<>(KernelLibraries.library(CudaTestKernels.class).kernels());
        kernels.addAll(KernelLibraries.library(HalfKernels.class).kernels());
        kernels.add(KernelLibraries.find(TestKernels.class, "reverseInGroup"));
        return kernels;
    }

    @TestFactory
    List<DynamicTest> everyTestKernelCompilesAndAssembles() {
        return cuda.everyKernelCompilesAndAssembles(kernels());
    }

    @TestFactory
    List<DynamicTest> everyBoundsCheckedTestKernelCompilesAndAssembles() {
        List<DynamicTest> tests = cuda.everyBoundsCheckedKernelCompilesAndAssembles(kernels());
        assertEquals(kernels().size(), tests.size(), "every test kernel has a bounds-checked build");
        return tests;
    }
}
