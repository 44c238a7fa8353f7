package squall.device.opencl;

import org.lwjgl.PointerBuffer;
import org.lwjgl.opencl.CL10;
import org.lwjgl.system.MemoryStack;
import org.lwjgl.system.MemoryUtil;

import java.nio.ByteBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;

/** Typed reads of {@code clGetPlatformInfo} and {@code clGetDeviceInfo}. */
final class ClInfo {

    private ClInfo() {
    }

    static String platformString(long platform, int param) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer size = stack.mallocPointer(1);
            ClErrors.check(CL10.clGetPlatformInfo(platform, param, (ByteBuffer) null, size), "clGetPlatformInfo");
            ByteBuffer value = MemoryUtil.memAlloc((int) size.get(0));
            try {
                ClErrors.check(CL10.clGetPlatformInfo(platform, param, value, null), "clGetPlatformInfo");
                return cString(value);
            } finally {
                MemoryUtil.memFree(value);
            }
        }
    }

    static String deviceString(long device, int param) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer size = stack.mallocPointer(1);
            ClErrors.check(CL10.clGetDeviceInfo(device, param, (ByteBuffer) null, size), "clGetDeviceInfo");
            ByteBuffer value = MemoryUtil.memAlloc((int) size.get(0));
            try {
                ClErrors.check(CL10.clGetDeviceInfo(device, param, value, null), "clGetDeviceInfo");
                return cString(value);
            } finally {
                MemoryUtil.memFree(value);
            }
        }
    }

    /** A {@code cl_ulong} (or {@code cl_bitfield}) property. */
    static long deviceLong(long device, int param) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            LongBuffer value = stack.mallocLong(1);
            ClErrors.check(CL10.clGetDeviceInfo(device, param, value, null), "clGetDeviceInfo");
            return value.get(0);
        }
    }

    /** A {@code cl_uint} property. */
    static int deviceInt(long device, int param) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            IntBuffer value = stack.mallocInt(1);
            ClErrors.check(CL10.clGetDeviceInfo(device, param, value, null), "clGetDeviceInfo");
            return value.get(0);
        }
    }

    /** A {@code size_t} property. */
    static long deviceSize(long device, int param) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer value = stack.mallocPointer(1);
            ClErrors.check(CL10.clGetDeviceInfo(device, param, value, null), "clGetDeviceInfo");
            return value.get(0);
        }
    }

    /** The text up to the first NUL, without surrounding blanks (drivers pad some strings). */
    private static String cString(ByteBuffer value) {
        int end = 0;
        while (end < value.limit() && value.get(end) != 0) {
            end++;
        }
        byte[] bytes = new byte[end];
        value.get(0, bytes);
        return new String(bytes, java.nio.charset.StandardCharsets.UTF_8).strip();
    }
}
