package squall.device.opencl;

import squall.runtime.DeviceKernel;
import squall.runtime.KernelBuild;
import squall.runtime.KernelDescriptor;

/**
 * A {@code cl_kernel} for one task: the kernel built with one specialisation.
 *
 * @param descriptor   what the kernel compiler knows about it
 * @param handle       the {@code cl_kernel}
 * @param maxGroupSize {@code CL_KERNEL_WORK_GROUP_SIZE}: the largest work-group it can run with on this device
 * @param origin       where its program came from
 * @param session      the session that made it, and will release it
 * @param build        the compiler, options and log of its program
 * @param checked      whether it is the bounds-checked build (it takes an error record and array lengths)
 */
record OpenClKernel(KernelDescriptor descriptor, long handle, long maxGroupSize, ProgramOrigin origin,
                    OpenClSession session, KernelBuild build, boolean checked) implements DeviceKernel {
}
