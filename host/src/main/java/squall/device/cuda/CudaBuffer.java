package squall.device.cuda;

import squall.runtime.DeviceBuffer;
import squall.runtime.ParamType;

/**
 * Plain device memory ({@code cuMemAlloc}, never managed memory) for one host array. An empty array
 * gets no allocation and a null pointer.
 */
final class CudaBuffer implements DeviceBuffer {

    private final CudaSession owner;
    private final long pointer;
    private final ParamType elementType;
    private final long length;
    private boolean released;

    CudaBuffer(CudaSession owner, long pointer, ParamType elementType, long length) {
        this.owner = owner;
        this.pointer = pointer;
        this.elementType = elementType;
        this.length = length;
    }

    CudaSession owner() {
        return owner;
    }

    /** The {@code CUdeviceptr}; fails once the session has freed it. */
    long pointer() {
        if (released) {
            throw new IllegalStateException("this CUDA buffer was freed when its session closed");
        }
        return pointer;
    }

    /** The array type it holds: {@link ParamType#FLOAT_ARRAY} and so on. */
    ParamType elementType() {
        return elementType;
    }

    /** Number of elements. */
    long length() {
        return length;
    }

    @Override
    public long bytes() {
        return length * elementType.elementBytes();
    }

    boolean released() {
        return released;
    }

    void markReleased() {
        released = true;
    }

    @Override
    public String toString() {
        return elementType.javaName().replace("[]", "[" + length + "]") + " at 0x" + Long.toHexString(pointer);
    }
}
