package squall.device.opencl;

import org.lwjgl.PointerBuffer;
import org.lwjgl.opencl.CL10;
import org.lwjgl.system.MemoryStack;
import org.lwjgl.system.MemoryUtil;
import squall.runtime.KernelBuildException;

import java.nio.ByteBuffer;
import java.nio.IntBuffer;

/**
 * Makes OpenCL programs for one device: from source or from a binary, then {@code clBuildProgram}.
 * Any failure is a {@link KernelBuildException} naming the kernel and the device, with the driver's
 * build log; the half-made program is released.
 */
final class ProgramBuilds {

    private final OpenClDevice device;
    private final long context;

    ProgramBuilds(OpenClDevice device, long context) {
        this.device = device;
        this.context = context;
    }

    private String deviceName() {
        return device.id() + " (" + device.name() + ")";
    }

    /** Compiles {@code source} with {@code options}. */
    long fromSource(String source, String options, String kernel) {
        long program;
        try (MemoryStack stack = MemoryStack.stackPush()) {
            IntBuffer code = stack.mallocInt(1);
            program = OpenClObjects.created(OpenClObjects.Kind.PROGRAM, CL10.clCreateProgramWithSource(context, source, code));
            if (code.get(0) != 0) {
                throw new KernelBuildException(kernel, deviceName(), "clCreateProgramWithSource: " + ClErrors.name(code.get(0)), "");
            }
        }
        build(program, options, kernel, "");
        return program;
    }

    /** Loads a binary made for this device and builds it with {@code options}. */
    long fromBinary(byte[] binary, String options, String kernel, ProgramOrigin origin) {
        String what = " (" + origin.tag() + ", " + binary.length + " bytes)";
        long program;
        ByteBuffer bytes = MemoryUtil.memAlloc(binary.length);
        try (MemoryStack stack = MemoryStack.stackPush()) {
            bytes.put(0, binary);
            IntBuffer status = stack.mallocInt(1);
            IntBuffer code = stack.mallocInt(1);
            program = OpenClObjects.created(OpenClObjects.Kind.PROGRAM, CL10.clCreateProgramWithBinary(context,
                    stack.pointers(device.deviceHandle()), bytes, status, code));
            if (code.get(0) != 0 || status.get(0) != 0) {
                OpenClObjects.release(OpenClObjects.Kind.PROGRAM, program);
                int error = code.get(0) != 0 ? code.get(0) : status.get(0);
                throw new KernelBuildException(kernel, deviceName(), "clCreateProgramWithBinary" + what + ": "
                        + ClErrors.name(error), "");
            }
        } finally {
            MemoryUtil.memFree(bytes);
        }
        build(program, options, kernel, what);
        return program;
    }

    private void build(long program, String options, String kernel, String what) {
        int code = CL10.clBuildProgram(program, device.deviceHandle(), options, null, 0L);
        if (code != 0) {
            String log = buildLog(program);
            OpenClObjects.release(OpenClObjects.Kind.PROGRAM, program);
            throw new KernelBuildException(kernel, deviceName(), "clBuildProgram" + what + " with options '" + options
                    + "': " + ClErrors.name(code), log);
        }
    }

    /** The driver's messages from the last build of {@code program}, for this device. */
    String buildLog(long program) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer size = stack.mallocPointer(1);
            int code = CL10.clGetProgramBuildInfo(program, device.deviceHandle(), CL10.CL_PROGRAM_BUILD_LOG,
                    (ByteBuffer) null, size);
            if (code != 0 || size.get(0) <= 1) {
                return "";
            }
            ByteBuffer log = MemoryUtil.memAlloc((int) size.get(0));
            try {
                if (CL10.clGetProgramBuildInfo(program, device.deviceHandle(), CL10.CL_PROGRAM_BUILD_LOG, log, null) != 0) {
                    return "";
                }
                return MemoryUtil.memUTF8(log, (int) size.get(0) - 1).strip();
            } finally {
                MemoryUtil.memFree(log);
            }
        }
    }

    /** The program's binary for this (its only) device, as {@code clCreateProgramWithBinary} takes it. */
    static byte[] binary(long program) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer sizes = stack.mallocPointer(1);
            ClErrors.check(CL10.clGetProgramInfo(program, CL10.CL_PROGRAM_BINARY_SIZES, sizes, null),
                    "clGetProgramInfo(CL_PROGRAM_BINARY_SIZES)");
            long size = sizes.get(0);
            if (size <= 0 || size > Integer.MAX_VALUE) {
                throw new OpenClException("clGetProgramInfo(CL_PROGRAM_BINARY_SIZES) gave " + size + " bytes", -30);
            }
            ByteBuffer binary = MemoryUtil.memAlloc((int) size);
            try {
                PointerBuffer pointers = stack.pointers(binary);
                ClErrors.check(CL10.clGetProgramInfo(program, CL10.CL_PROGRAM_BINARIES, pointers, null),
                        "clGetProgramInfo(CL_PROGRAM_BINARIES)");
                byte[] result = new byte[(int) size];
                binary.get(0, result);
                return result;
            } finally {
                MemoryUtil.memFree(binary);
            }
        }
    }

    /** The one {@code __kernel} in {@code program} (the compiler emits one per source). */
    static long onlyKernel(long program, String kernel) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            IntBuffer count = stack.mallocInt(1);
            ClErrors.check(CL10.clCreateKernelsInProgram(program, null, count), "clCreateKernelsInProgram");
            int n = count.get(0);
            PointerBuffer kernels = stack.mallocPointer(Math.max(n, 1));
            ClErrors.check(CL10.clCreateKernelsInProgram(program, kernels, (IntBuffer) null), "clCreateKernelsInProgram");
            for (int i = 0; i < n; i++) {
                OpenClObjects.created(OpenClObjects.Kind.KERNEL, kernels.get(i));
            }
            if (n != 1) {
                for (int i = 0; i < n; i++) {
                    OpenClObjects.release(OpenClObjects.Kind.KERNEL, kernels.get(i));
                }
                throw new IllegalStateException("the OpenCL program of " + kernel + " has " + n
                        + " __kernel functions; squall's compiler emits exactly one");
            }
            return kernels.get(0);
        }
    }
}
