package squall.device.opencl;

import squall.runtime.DeviceBuffer;
import squall.runtime.ParamType;

/**
 * A {@code cl_mem} holding one host array's contents.
 *
 * @param mem     the handle
 * @param bytes   the array's size in bytes (the {@code cl_mem} is at least one byte)
 * @param type    the array's type
 * @param length  the array's element count
 * @param session the session that made it, and will release it
 */
record OpenClBuffer(long mem, long bytes, ParamType type, int length, OpenClSession session) implements DeviceBuffer {

    /** {@code float[1024]}. */
    String describe() {
        return type.javaName().replace("[]", "[" + length + "]");
    }
}
