package squall.device.cuda;

import squall.runtime.DeviceKernel;
import squall.runtime.KernelBuild;
import squall.runtime.KernelDescriptor;

import java.lang.foreign.MemorySegment;

/**
 * A kernel loaded on the GPU: its {@code CUfunction} in a module its session owns, and what the
 * driver says about it.
 *
 * @param descriptor         the kernel
 * @param session            the session that loaded it
 * @param function           the {@code CUfunction}
 * @param label              {@code AttentionKernels.attendBroadcast (task 'attend')}, for messages
 * @param maxThreadsPerBlock the most threads one block can have (registers can make it fewer than the device's)
 * @param staticSharedBytes  shared memory the kernel declares itself
 * @param build              the compiler, its options and where the PTX came from
 * @param checked            whether it is the bounds-checked build (it takes an error record and array lengths)
 */
record CudaKernel(KernelDescriptor descriptor, CudaSession session, MemorySegment function, String label,
                  int maxThreadsPerBlock, int staticSharedBytes, KernelBuild build, boolean checked) implements DeviceKernel {
}
