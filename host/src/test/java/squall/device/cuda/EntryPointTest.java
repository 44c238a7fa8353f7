package squall.device.cuda;

import org.junit.jupiter.api.Test;
import squall.runtime.KernelDescriptor;
import squall.runtime.KernelLibraries;
import squall.runtime.KernelTarget;
import squall.testkernels.TestKernels;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A device finds a kernel's entry point and its defines in the kernel's descriptor, not by reading its source. */
class EntryPointTest {

    @Test
    void aKernelNamedAfterACTypeIsEnteredByItsCName() {
        KernelDescriptor half = KernelLibraries.find(CudaTestKernels.class, "half");
        assertEquals("half_", half.entryPoint());
        assertTrue(half.source(KernelTarget.CUDA).contains("__global__ void half_("), half.source(KernelTarget.CUDA));
        assertEquals("scale", KernelLibraries.find(TestKernels.class, "scale").entryPoint());
    }

    @Test
    void definesNameEverySpecializedParameterAndRefuseAMissingOne() {
        KernelDescriptor transpose = KernelLibraries.find(CudaTestKernels.class, "tileTranspose");
        String specialized = transpose.params().stream().filter(p -> p.specialized()).findFirst().orElseThrow().name();
        assertEquals(Map.of("SQUALL_" + specialized, 16), transpose.defines(Map.of(specialized, 16, "unused", 1)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> transpose.defines(Map.of()));
        assertTrue(e.getMessage().contains("'" + specialized + "'"), e.getMessage());
    }
}
