package squall.device.opencl;

import org.lwjgl.PointerBuffer;
import org.lwjgl.opencl.CL10;
import org.lwjgl.system.MemoryStack;
import squall.runtime.BoundsChecks;
import squall.runtime.DeviceBuffer;
import squall.runtime.DeviceEvent;
import squall.runtime.HostArrays;
import squall.runtime.ParamType;
import squall.runtime.SquallException;

import java.nio.IntBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A session's buffers and the copies between them and host arrays, staged through native memory
 * ({@link StagingPool}). Arrays up to the staging chunk are copied without blocking, their staging
 * blocks held until the queue finishes; larger arrays go through one chunk at a time with blocking
 * copies, so a GiB array never needs a GiB of staging.
 */
final class OpenClTransfers {

    /** Arrays up to this size are copied in one non-blocking command; larger ones in chunks of it. */
    static final long DEFAULT_STAGING_CHUNK = 64L << 20;
    /** Staging held by queued, unfinished copies before the queue is drained to free it. */
    private static final long IN_FLIGHT_LIMIT = 256L << 20;

    /** A non-blocking read into a staging block, delivered to the host array when the queue finishes. */
    private record PendingRead(StagingPool.Block block, Object hostArray, long bytes) {
    }

    private final OpenClSession owner;
    private final OpenClDevice device;
    private final long context;
    private final long queue;
    private final OpenClEvents events;
    private final long stagingChunk;
    private final boolean boundsChecks;
    /** Finishes the session's queue: what frees the staging of queued copies. */
    private final Runnable finish;
    private final StagingPool staging;

    private final List<OpenClBuffer> buffers = new ArrayList<>();
    private final List<StagingPool.Block> inFlight = new ArrayList<>();
    private final List<PendingRead> pendingReads = new ArrayList<>();
    private long inFlightBytes;

    OpenClTransfers(OpenClSession owner, OpenClDevice device, long context, long queue, OpenClEvents events,
                    long stagingChunk, boolean boundsChecks, Runnable finish) {
        this.owner = owner;
        this.device = device;
        this.context = context;
        this.queue = queue;
        this.events = events;
        this.stagingChunk = stagingChunk;
        this.boundsChecks = boundsChecks;
        this.finish = finish;
        this.staging = new StagingPool(Math.max(stagingChunk, IN_FLIGHT_LIMIT));
    }

    OpenClBuffer allocate(Object hostArray) {
        ParamType type = ParamType.of(hostArray);
        if (type == null || !type.isArray()) {
            throw new IllegalArgumentException("an OpenCL buffer holds a primitive array, got "
                    + (hostArray == null ? "null" : hostArray.getClass().getName()));
        }
        int length = ParamType.length(hostArray);
        long bytes = (long) length * type.elementBytes();
        String what = type.javaName().replace("[]", "[" + length + "]");
        if (bytes > device.maxAllocationBytes()) {
            throw new SquallException(what + " needs " + bytes + " bytes, more than the largest buffer " + device.id()
                    + " (" + device.name() + ") allows: CL_DEVICE_MAX_MEM_ALLOC_SIZE = " + device.maxAllocationBytes());
        }
        try (MemoryStack stack = MemoryStack.stackPush()) {
            IntBuffer code = stack.mallocInt(1);
            // A zero-length array still gets a buffer: kernels take a valid cl_mem for every array.
            // In a checked session a bad index becomes index 0, which must exist even in an empty array's buffer.
            long size = boundsChecks ? BoundsChecks.bufferBytes(bytes) : Math.max(bytes, 1);
            long mem = OpenClObjects.created(OpenClObjects.Kind.MEM,
                    CL10.clCreateBuffer(context, CL10.CL_MEM_READ_WRITE, size, code));
            ClErrors.check(code.get(0), "clCreateBuffer(" + what + ", " + bytes + " bytes) on " + device.id());
            OpenClBuffer buffer = new OpenClBuffer(mem, bytes, type, length, owner);
            buffers.add(buffer);
            return buffer;
        }
    }

    void copyIn(DeviceBuffer buffer, Object hostArray, String label) {
        OpenClBuffer b = own(buffer, hostArray);
        long bytes = b.bytes();
        if (bytes == 0) {
            return;
        }
        List<Long> commands = events.profiling() ? new ArrayList<>() : null;
        if (bytes <= stagingChunk) {
            makeRoom(bytes);
            StagingPool.Block block = staging.acquire(bytes);
            inFlight.add(block);
            inFlightBytes += block.capacity();
            HostArrays.toNative(hostArray, 0, block.segment(), bytes);
            write(b, 0, bytes, block, false, commands, label);
        } else {
            StagingPool.Block block = staging.acquire(stagingChunk);
            try {
                for (long offset = 0; offset < bytes; offset += stagingChunk) {
                    long n = Math.min(stagingChunk, bytes - offset);
                    HostArrays.toNative(hostArray, offset, block.segment(), n);
                    // Blocking: the block is refilled next round, so the driver must be done reading it.
                    write(b, offset, n, block, true, commands, label);
                }
            } finally {
                staging.recycle(block);
            }
        }
        if (events.profiling()) {
            events.record(DeviceEvent.Kind.COPY_IN, label, bytes, 0, commands);
        }
    }

    /** {@code clEnqueueWriteBuffer} or {@code clEnqueueReadBuffer}, which take the same arguments. */
    private interface Copy {
        int enqueue(long queue, long buffer, int blocking, long offset, long bytes, long host, int waiting, long waitList,
                    long event);
    }

    private void write(OpenClBuffer b, long offset, long bytes, StagingPool.Block block, boolean blocking,
                       List<Long> commands, String label) {
        enqueue(CL10::nclEnqueueWriteBuffer, "clEnqueueWriteBuffer", b, offset, bytes, block, blocking, commands, label);
    }

    private void read(OpenClBuffer b, long offset, long bytes, StagingPool.Block block, boolean blocking,
                      List<Long> commands, String label) {
        enqueue(CL10::nclEnqueueReadBuffer, "clEnqueueReadBuffer", b, offset, bytes, block, blocking, commands, label);
    }

    /** One copy between {@code b} and a staging block, with an event in {@code commands} when profiling. */
    private void enqueue(Copy copy, String what, OpenClBuffer b, long offset, long bytes, StagingPool.Block block,
                         boolean blocking, List<Long> commands, String label) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer event = commands == null ? null : stack.mallocPointer(1);
            int code = copy.enqueue(queue, b.mem(), blocking ? 1 : 0, offset, bytes, block.address(),
                    0, 0L, event == null ? 0L : event.address());
            ClErrors.check(code, what + "(" + label + ", " + bytes + " bytes at " + offset + ") on " + device.id());
            if (event != null) {
                commands.add(OpenClObjects.created(OpenClObjects.Kind.EVENT, event.get(0)));
            }
        }
    }

    void copyOut(DeviceBuffer buffer, Object hostArray, String label) {
        OpenClBuffer b = own(buffer, hostArray);
        long bytes = b.bytes();
        if (bytes == 0) {
            return;
        }
        List<Long> commands = events.profiling() ? new ArrayList<>() : null;
        if (bytes <= stagingChunk) {
            makeRoom(bytes);
            StagingPool.Block block = staging.acquire(bytes);
            inFlightBytes += block.capacity();
            pendingReads.add(new PendingRead(block, hostArray, bytes));
            read(b, 0, bytes, block, false, commands, label);
        } else {
            StagingPool.Block block = staging.acquire(stagingChunk);
            try {
                for (long offset = 0; offset < bytes; offset += stagingChunk) {
                    long n = Math.min(stagingChunk, bytes - offset);
                    read(b, offset, n, block, true, commands, label);
                    HostArrays.fromNative(block.segment(), hostArray, offset, n);
                }
            } finally {
                staging.recycle(block);
            }
        }
        if (events.profiling()) {
            events.record(DeviceEvent.Kind.COPY_OUT, label, bytes, 0, commands);
        }
    }

    /** Drains the queue first if queued copies already hold too much staging memory. */
    private void makeRoom(long bytes) {
        if (inFlightBytes > 0 && inFlightBytes + bytes > IN_FLIGHT_LIMIT) {
            finish.run();
        }
    }

    private OpenClBuffer own(DeviceBuffer buffer, Object hostArray) {
        if (!(buffer instanceof OpenClBuffer b) || b.session() != owner) {
            throw new IllegalArgumentException("buffer " + buffer + " does not belong to this " + device.id() + " session");
        }
        if (ParamType.of(hostArray) != b.type() || ParamType.length(hostArray) != b.length()) {
            throw new IllegalArgumentException("host array " + describe(hostArray) + " does not match its device buffer "
                    + b.describe());
        }
        return b;
    }

    private static String describe(Object array) {
        ParamType t = ParamType.of(array);
        return t == null || !t.isArray() ? String.valueOf(array) : t.javaName().replace("[]", "[" + ParamType.length(array) + "]");
    }

    /** Once the queue has finished: delivers the pending reads and frees the staging the queued copies held. */
    void finished() {
        for (PendingRead r : pendingReads) {
            HostArrays.fromNative(r.block().segment(), r.hostArray(), 0, r.bytes());
            staging.recycle(r.block());
        }
        pendingReads.clear();
        for (StagingPool.Block b : inFlight) {
            staging.recycle(b);
        }
        inFlight.clear();
        inFlightBytes = 0;
    }

    /** One release per buffer, for the session's close to run each even if another fails. */
    List<Runnable> bufferReleases() {
        List<Runnable> releases = new ArrayList<>();
        for (OpenClBuffer b : buffers) {
            releases.add(() -> OpenClObjects.release(OpenClObjects.Kind.MEM, b.mem()));
        }
        return releases;
    }

    /** Frees the staging memory. */
    void closeStaging() {
        staging.close();
    }

    /** After close: forgets the released buffers and the copies that were queued. */
    void clear() {
        buffers.clear();
        pendingReads.clear();
        inFlight.clear();
    }
}
