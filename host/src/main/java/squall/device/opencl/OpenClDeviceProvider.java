package squall.device.opencl;

import org.lwjgl.PointerBuffer;
import org.lwjgl.opencl.CL10;
import org.lwjgl.system.MemoryStack;
import squall.runtime.Device;
import squall.runtime.DeviceProvider;

import java.nio.IntBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Finds every device of every OpenCL platform and numbers them {@code opencl:0}, {@code opencl:1},
 * ... across platforms, in the order the ICD loader lists them. Registered as a
 * {@link DeviceProvider} service.
 */
public final class OpenClDeviceProvider implements DeviceProvider {

    /** OpenCL 1.2's code for "no platform"; the Khronos ICD loader also answers it (as -1001) with no driver. */
    private static final int CL_PLATFORM_NOT_FOUND_KHR = -1001;

    @Override
    public String backend() {
        return "opencl";
    }

    @Override
    public List<Device> discover() {
        OpenClLibrary.load();
        List<Device> devices = new ArrayList<>();
        List<String> empty = new ArrayList<>();
        for (long platform : platforms()) {
            String platformName = ClInfo.platformString(platform, CL10.CL_PLATFORM_NAME);
            long[] ids = devices(platform);
            if (ids.length == 0) {
                empty.add(platformName);
            }
            for (long id : ids) {
                devices.add(new OpenClDevice(devices.size(), platform, id));
            }
        }
        if (devices.isEmpty()) {
            throw new IllegalStateException("the OpenCL platforms found (" + String.join(", ", empty) + ") have no device");
        }
        return devices;
    }

    private static long[] platforms() {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            IntBuffer count = stack.mallocInt(1);
            int code = CL10.clGetPlatformIDs(null, count);
            if (code == CL_PLATFORM_NOT_FOUND_KHR || (code == 0 && count.get(0) == 0)) {
                throw new IllegalStateException("the OpenCL loader found no platform: no driver is installed"
                        + " (its .icd file belongs in /etc/OpenCL/vendors; for the CPU: apt-get install pocl-opencl-icd)");
            }
            ClErrors.check(code, "clGetPlatformIDs");
            PointerBuffer ids = stack.mallocPointer(count.get(0));
            ClErrors.check(CL10.clGetPlatformIDs(ids, (IntBuffer) null), "clGetPlatformIDs");
            long[] result = new long[ids.capacity()];
            for (int i = 0; i < result.length; i++) {
                result[i] = ids.get(i);
            }
            return result;
        }
    }

    private static long[] devices(long platform) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            IntBuffer count = stack.mallocInt(1);
            int code = CL10.clGetDeviceIDs(platform, CL10.CL_DEVICE_TYPE_ALL, null, count);
            if (code == CL10.CL_DEVICE_NOT_FOUND) {
                return new long[0];
            }
            ClErrors.check(code, "clGetDeviceIDs");
            PointerBuffer ids = stack.mallocPointer(count.get(0));
            ClErrors.check(CL10.clGetDeviceIDs(platform, CL10.CL_DEVICE_TYPE_ALL, ids, (IntBuffer) null), "clGetDeviceIDs");
            long[] result = new long[ids.capacity()];
            for (int i = 0; i < result.length; i++) {
                result[i] = ids.get(i);
            }
            return result;
        }
    }
}
