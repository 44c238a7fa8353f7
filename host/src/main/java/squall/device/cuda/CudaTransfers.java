package squall.device.cuda;

import squall.runtime.BoundsChecks;
import squall.runtime.DeviceBuffer;
import squall.runtime.DeviceEvent;
import squall.runtime.HostArrays;
import squall.runtime.ParamType;
import squall.runtime.SquallException;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A session's device buffers and the copies between them and host arrays. Every copy goes through
 * page-locked staging memory ({@link StagingPool}) and is queued on the stream without waiting; a
 * copy to the host is delivered to its array once the stream is synchronised.
 */
final class CudaTransfers {

    /** A device-to-host copy waiting for the stream: staging to the host array in {@code finish()}. */
    private record PendingCopyOut(MemorySegment staging, Object hostArray) {
    }

    private final CudaSession owner;
    private final CudaDevice device;
    private final CudaDriver driver;
    private final MemorySegment stream;
    private final CudaEvents events;
    private final boolean boundsChecks;
    /** The session's check that it is open, made current on this thread: after an argument's checks, before work. */
    private final Runnable enter;
    private final StagingPool staging;

    private final List<CudaBuffer> buffers = new ArrayList<>();
    private final List<PendingCopyOut> pendingCopies = new ArrayList<>();

    CudaTransfers(CudaSession owner, CudaDevice device, MemorySegment stream, CudaEvents events, boolean boundsChecks,
                  Runnable enter) {
        this.owner = owner;
        this.device = device;
        this.driver = device.driver();
        this.stream = stream;
        this.events = events;
        this.boundsChecks = boundsChecks;
        this.enter = enter;
        this.staging = new StagingPool(new StagingPool.HostMemory() {
            @Override
            public MemorySegment allocate(long bytes) {
                return driver.allocateHost(bytes);
            }

            @Override
            public void free(MemorySegment block) {
                driver.freeHost(block);
            }
        }, StagingPool.DEFAULT_IDLE_LIMIT);
    }

    CudaBuffer allocate(Object hostArray) {
        ParamType type = arrayType(hostArray, "allocate");
        enter.run();
        long length = ParamType.length(hostArray);
        long bytes = length * type.elementBytes();
        long pointer = 0;
        // In a checked session a bad index becomes index 0, which must exist even in an empty array's buffer.
        long size = boundsChecks ? BoundsChecks.bufferBytes(bytes) : bytes;
        if (size > 0) {
            try {
                pointer = driver.allocate(size);
            } catch (CudaException e) {
                throw new SquallException("allocating " + bytes + " bytes for a " + type.javaName().replace("[]", "[" + length + "]")
                        + " on " + device.id() + " failed: " + e.getMessage(), e);
            }
        }
        CudaBuffer buffer = new CudaBuffer(owner, pointer, type, length);
        buffers.add(buffer);
        return buffer;
    }

    void copyIn(DeviceBuffer buffer, Object hostArray, String label) {
        CudaBuffer b = matching(buffer, hostArray, "copyIn");
        enter.run();
        if (b.bytes() == 0) {
            return;
        }
        MemorySegment stage = staging.acquire(b.bytes());
        HostArrays.toNative(hostArray, 0, stage, b.bytes());
        MemorySegment start = events.start();
        try {
            driver.copyHostToDeviceAsync(b.pointer(), stage, b.bytes(), stream);
        } catch (CudaException e) {
            throw new SquallException("copying " + label + " to " + device.id() + " failed: " + e.getMessage(), e);
        }
        events.end(DeviceEvent.Kind.COPY_IN, label, b.bytes(), start);
    }

    void copyOut(DeviceBuffer buffer, Object hostArray, String label) {
        CudaBuffer b = matching(buffer, hostArray, "copyOut");
        enter.run();
        if (b.bytes() == 0) {
            return;
        }
        MemorySegment stage = staging.acquire(b.bytes());
        MemorySegment start = events.start();
        try {
            driver.copyDeviceToHostAsync(stage, b.pointer(), b.bytes(), stream);
        } catch (CudaException e) {
            throw new SquallException("copying " + label + " from " + device.id() + " failed: " + e.getMessage(), e);
        }
        events.end(DeviceEvent.Kind.COPY_OUT, label, b.bytes(), start);
        pendingCopies.add(new PendingCopyOut(stage, hostArray));
    }

    private static ParamType arrayType(Object hostArray, String operation) {
        ParamType type = ParamType.of(hostArray);
        if (type == null || !type.isArray()) {
            throw new IllegalArgumentException(operation + ": expected a primitive array (float[], int[], ...), got "
                    + (hostArray == null ? "null" : hostArray.getClass().getSimpleName()));
        }
        return type;
    }

    private CudaBuffer matching(DeviceBuffer buffer, Object hostArray, String operation) {
        CudaBuffer b = own(buffer, operation);
        ParamType type = arrayType(hostArray, operation);
        if (type != b.elementType() || ParamType.length(hostArray) != b.length()) {
            throw new IllegalArgumentException(operation + ": the buffer holds a "
                    + b.elementType().javaName().replace("[]", "[" + b.length() + "]") + ", the host array is a "
                    + type.javaName().replace("[]", "[" + ParamType.length(hostArray) + "]"));
        }
        return b;
    }

    /** {@code buffer} as one of this session's live buffers; fails naming {@code operation} otherwise. */
    CudaBuffer own(Object buffer, String operation) {
        if (!(buffer instanceof CudaBuffer b) || b.owner() != owner) {
            throw new IllegalArgumentException(operation + ": " + buffer + " is not a buffer of this CUDA session");
        }
        if (b.released()) {
            throw new IllegalStateException(operation + ": the buffer " + b + " was freed");
        }
        return b;
    }

    /** Once the stream is synchronised: copies what was read into the host arrays. */
    void deliver() {
        for (PendingCopyOut copy : pendingCopies) {
            HostArrays.fromNative(copy.staging(), copy.hostArray(), 0, copy.staging().byteSize());
        }
    }

    /** After a synchronisation, clean or not: forgets the pending copies and recycles their staging. */
    void forget() {
        pendingCopies.clear();
        staging.recycle();
    }

    /** Bytes of device memory this session's buffers hold now. */
    long allocatedBytes() {
        return buffers.stream().filter(b -> !b.released()).mapToLong(CudaBuffer::bytes).sum();
    }

    /** Page-locked staging memory held now. */
    long stagingBytes() {
        return staging.allocatedBytes();
    }

    /** Frees every buffer, each through {@code attempt} so that one failure does not stop the rest. */
    void freeBuffers(Consumer<Runnable> attempt) {
        for (CudaBuffer b : buffers) {
            if (!b.released() && b.bytes() > 0) {
                attempt.accept(() -> driver.free(b.pointer()));
            }
            b.markReleased();
        }
        buffers.clear();
    }

    /** Frees the staging memory through {@code attempt}, and forgets the pending copies. */
    void closeStaging(Consumer<Runnable> attempt) {
        attempt.accept(staging::close);
        pendingCopies.clear();
    }
}
