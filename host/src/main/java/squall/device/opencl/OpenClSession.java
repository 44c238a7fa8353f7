package squall.device.opencl;

import org.lwjgl.PointerBuffer;
import org.lwjgl.opencl.CL10;
import org.lwjgl.system.MemoryStack;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import squall.api.KernelContext;
import squall.runtime.BoundsChecks;
import squall.runtime.Device;
import squall.runtime.DeviceBuffer;
import squall.runtime.DeviceEvent;
import squall.runtime.DeviceKernel;
import squall.runtime.DeviceLimits;
import squall.runtime.DeviceType;
import squall.runtime.DeviceSession;
import squall.runtime.HostArrays;
import squall.runtime.KernelBuildException;
import squall.runtime.KernelBuild;
import squall.runtime.KernelDescriptor;
import squall.runtime.KernelLaunchException;
import squall.runtime.KernelParam;
import squall.runtime.KernelTarget;
import squall.runtime.Launch;
import squall.runtime.LocalArray;
import squall.runtime.ParamType;
import squall.runtime.SquallException;

import java.nio.IntBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * A plan's state on an {@link OpenClDevice}: one context, one in-order queue, the plan's buffers and
 * the kernels it built. Everything it creates is released by {@link #close()}.
 *
 * <p>Transfers are staged through native memory ({@link StagingPool}). Arrays up to the staging
 * chunk are copied without blocking, their staging blocks held until {@link #finish()}; larger
 * arrays go through one chunk at a time with blocking copies, so a GiB array never needs a GiB of
 * staging. When profiling, every command gets an event, read by {@link #drainEvents()} once the
 * queue is done; without profiling no events are created.
 */
public final class OpenClSession implements DeviceSession {

    private static final Logger LOG = LoggerFactory.getLogger(OpenClSession.class);

    /** Arrays up to this size are copied in one non-blocking command; larger ones in chunks of it. */
    static final long DEFAULT_STAGING_CHUNK = 64L << 20;
    /** Staging held by queued, unfinished copies before the queue is drained to free it. */
    private static final long IN_FLIGHT_LIMIT = 256L << 20;

    /** Device work whose time is known ({@code nanos}) or to be read from its events after the queue finishes. */
    private static final class Timed {
        final DeviceEvent.Kind kind;
        final String label;
        final long bytes;
        final long nanos;
        final List<Long> events;

        Timed(DeviceEvent.Kind kind, String label, long bytes, long nanos, List<Long> events) {
            this.kind = kind;
            this.label = label;
            this.bytes = bytes;
            this.nanos = nanos;
            this.events = events;
        }
    }

    /** A non-blocking read into a staging block, delivered to the host array when the queue finishes. */
    private record PendingRead(StagingPool.Block block, Object hostArray, long bytes) {
    }

    private record Program(long handle, ProgramOrigin origin, String options, String log) {
    }

    private final OpenClDevice device;
    private final boolean profiling;
    private final long stagingChunk;
    private final long context;
    private final long queue;
    private final ProgramBuilds builds;
    private final ProgramCache cache;
    private final StagingPool staging;

    private final List<OpenClBuffer> buffers = new ArrayList<>();
    private final Map<String, Program> programs = new HashMap<>();
    private final List<OpenClKernel> kernels = new ArrayList<>();
    private final List<Timed> timed = new ArrayList<>();
    private final List<StagingPool.Block> inFlight = new ArrayList<>();
    private final List<PendingRead> pendingReads = new ArrayList<>();
    private long inFlightBytes;
    /** Tasks launched since the last finish, for naming them if the queue fails. */
    private final List<String> unfinishedTasks = new ArrayList<>();
    private final boolean boundsChecks;
    /** The error record of the bounds-checked builds, made at the first checked launch. */
    private OpenClBuffer errorRecord;
    private boolean closed;

    OpenClSession(OpenClDevice device, boolean profiling, long stagingChunk) {
        this(device, profiling, stagingChunk, false);
    }

    /** With {@code boundsChecks}, kernels run their bounds-checked builds ({@link BoundsChecks}). */
    OpenClSession(OpenClDevice device, boolean profiling, long stagingChunk, boolean boundsChecks) {
        this.device = device;
        this.profiling = profiling;
        this.stagingChunk = stagingChunk;
        this.boundsChecks = boundsChecks;
        long ctx = 0;
        long q = 0;
        try (MemoryStack stack = MemoryStack.stackPush()) {
            IntBuffer code = stack.mallocInt(1);
            PointerBuffer properties = stack.mallocPointer(3)
                    .put(CL10.CL_CONTEXT_PLATFORM).put(device.platformHandle()).put(0).flip();
            ctx = OpenClObjects.created(OpenClObjects.Kind.CONTEXT, CL10.clCreateContext(properties,
                    device.deviceHandle(), null, 0L, code));
            ClErrors.check(code.get(0), "clCreateContext on " + device.id());
            q = OpenClObjects.created(OpenClObjects.Kind.QUEUE, CL10.clCreateCommandQueue(ctx, device.deviceHandle(),
                    profiling ? CL10.CL_QUEUE_PROFILING_ENABLE : 0, code));
            ClErrors.check(code.get(0), "clCreateCommandQueue on " + device.id());
        } catch (RuntimeException e) {
            OpenClObjects.release(OpenClObjects.Kind.QUEUE, q);
            OpenClObjects.release(OpenClObjects.Kind.CONTEXT, ctx);
            throw e;
        }
        this.context = ctx;
        this.queue = q;
        this.builds = new ProgramBuilds(device, ctx);
        this.cache = new ProgramCache(device.programCacheDirectory());
        this.staging = new StagingPool(Math.max(stagingChunk, IN_FLIGHT_LIMIT));
    }

    @Override
    public Device device() {
        return device;
    }

    public boolean profiling() {
        return profiling;
    }

    // ---------------------------------------------------------------- buffers and transfers

    @Override
    public DeviceBuffer allocate(Object hostArray) {
        ensureOpen();
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
            OpenClBuffer buffer = new OpenClBuffer(mem, bytes, type, length, this);
            buffers.add(buffer);
            return buffer;
        }
    }

    @Override
    public void copyIn(DeviceBuffer buffer, Object hostArray, String label) {
        OpenClBuffer b = own(buffer, hostArray);
        long bytes = b.bytes();
        if (bytes == 0) {
            return;
        }
        List<Long> events = profiling ? new ArrayList<>() : null;
        if (bytes <= stagingChunk) {
            makeRoom(bytes);
            StagingPool.Block block = staging.acquire(bytes);
            inFlight.add(block);
            inFlightBytes += block.capacity();
            HostArrays.toNative(hostArray, 0, block.segment(), bytes);
            write(b, 0, bytes, block, false, events, label);
        } else {
            StagingPool.Block block = staging.acquire(stagingChunk);
            try {
                for (long offset = 0; offset < bytes; offset += stagingChunk) {
                    long n = Math.min(stagingChunk, bytes - offset);
                    HostArrays.toNative(hostArray, offset, block.segment(), n);
                    // Blocking: the block is refilled next round, so the driver must be done reading it.
                    write(b, offset, n, block, true, events, label);
                }
            } finally {
                staging.recycle(block);
            }
        }
        if (profiling) {
            timed.add(new Timed(DeviceEvent.Kind.COPY_IN, label, bytes, 0, events));
        }
    }

    private void write(OpenClBuffer b, long offset, long bytes, StagingPool.Block block, boolean blocking,
                       List<Long> events, String label) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer event = events == null ? null : stack.mallocPointer(1);
            int code = CL10.nclEnqueueWriteBuffer(queue, b.mem(), blocking ? 1 : 0, offset, bytes, block.address(),
                    0, 0L, event == null ? 0L : event.address());
            ClErrors.check(code, "clEnqueueWriteBuffer(" + label + ", " + bytes + " bytes at " + offset + ") on " + device.id());
            if (event != null) {
                events.add(OpenClObjects.created(OpenClObjects.Kind.EVENT, event.get(0)));
            }
        }
    }

    @Override
    public void copyOut(DeviceBuffer buffer, Object hostArray, String label) {
        OpenClBuffer b = own(buffer, hostArray);
        long bytes = b.bytes();
        if (bytes == 0) {
            return;
        }
        List<Long> events = profiling ? new ArrayList<>() : null;
        if (bytes <= stagingChunk) {
            makeRoom(bytes);
            StagingPool.Block block = staging.acquire(bytes);
            inFlightBytes += block.capacity();
            pendingReads.add(new PendingRead(block, hostArray, bytes));
            read(b, 0, bytes, block, false, events, label);
        } else {
            StagingPool.Block block = staging.acquire(stagingChunk);
            try {
                for (long offset = 0; offset < bytes; offset += stagingChunk) {
                    long n = Math.min(stagingChunk, bytes - offset);
                    read(b, offset, n, block, true, events, label);
                    HostArrays.fromNative(block.segment(), hostArray, offset, n);
                }
            } finally {
                staging.recycle(block);
            }
        }
        if (profiling) {
            timed.add(new Timed(DeviceEvent.Kind.COPY_OUT, label, bytes, 0, events));
        }
    }

    private void read(OpenClBuffer b, long offset, long bytes, StagingPool.Block block, boolean blocking,
                      List<Long> events, String label) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer event = events == null ? null : stack.mallocPointer(1);
            int code = CL10.nclEnqueueReadBuffer(queue, b.mem(), blocking ? 1 : 0, offset, bytes, block.address(),
                    0, 0L, event == null ? 0L : event.address());
            ClErrors.check(code, "clEnqueueReadBuffer(" + label + ", " + bytes + " bytes at " + offset + ") on " + device.id());
            if (event != null) {
                events.add(OpenClObjects.created(OpenClObjects.Kind.EVENT, event.get(0)));
            }
        }
    }

    /** Drains the queue first if queued copies already hold too much staging memory. */
    private void makeRoom(long bytes) {
        if (inFlightBytes > 0 && inFlightBytes + bytes > IN_FLIGHT_LIMIT) {
            finish();
        }
    }

    private OpenClBuffer own(DeviceBuffer buffer, Object hostArray) {
        ensureOpen();
        if (!(buffer instanceof OpenClBuffer b) || b.session() != this) {
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

    // ---------------------------------------------------------------- kernels

    @Override
    public DeviceKernel prepare(KernelDescriptor kernel, Map<String, Integer> specialization, String task) {
        ensureOpen();
        String checkedSource = boundsChecks && device.registeredBinary(kernel, specialization) == null
                ? kernel.checkedSource(KernelTarget.OPENCL) : null;
        if (boundsChecks && checkedSource == null) {
            LOG.info("{} has no bounds-checked build (a hand-written kernel or a prebuilt binary): it runs unchecked on {}",
                    kernel.qualifiedName(), device.id());
        }
        boolean checked = checkedSource != null;
        String source = checked ? checkedSource : kernel.source(KernelTarget.OPENCL);
        String options = buildOptions(specialization);
        String memoryKey = kernel.owner().getName() + "#" + kernel.name() + "\n" + options + "\n" + source;
        Program program = programs.get(memoryKey);
        long kernelHandle;
        if (program == null) {
            long start = System.nanoTime();
            byte[] binary = null;
            String cacheKey = null;
            byte[] prebuilt = checked ? null : device.registeredBinary(kernel, specialization);
            long handle = 0;
            ProgramOrigin origin;
            if (prebuilt != null) {
                origin = ProgramOrigin.PREBUILT;
                handle = builds.fromBinary(prebuilt, options, kernel.qualifiedName(), origin);
                binary = prebuilt;
            } else {
                cacheKey = ProgramCache.key(source, options, device.cacheIdentity());
                byte[] cached = cache.load(cacheKey);
                origin = ProgramOrigin.DISK_CACHE;
                if (cached != null) {
                    try {
                        handle = builds.fromBinary(cached, options, kernel.qualifiedName(), origin);
                        binary = cached;
                    } catch (KernelBuildException e) {
                        LOG.warn("{} rejected the cached binary of {} ({}); rebuilding from source", device.id(),
                                kernel.qualifiedName(), cache.file(cacheKey));
                        cache.evict(cacheKey);
                    }
                }
                if (handle == 0) {
                    origin = ProgramOrigin.SOURCE;
                    handle = builds.fromSource(source, options, kernel.qualifiedName());
                }
            }
            program = new Program(handle, origin, options, builds.buildLog(handle));
            programs.put(memoryKey, program);
            kernelHandle = createKernel(program, kernel);
            long nanos = System.nanoTime() - start;
            if (profiling) {
                timed.add(new Timed(DeviceEvent.Kind.COMPILE, origin.label(task), 0, nanos, null));
            }
            LOG.debug("{} on {}: {} in {} ms", kernel.qualifiedName(), device.id(), origin.tag(), nanos / 1_000_000);
            if (origin == ProgramOrigin.SOURCE) {
                binary = binaryOrNull(handle, kernel);
                if (binary != null) {
                    cache.store(cacheKey, binary);
                }
            }
            if (binary != null && !checked) {
                device.recordBuilt(kernel, specialization, binary);
            }
        } else {
            kernelHandle = createKernel(program, kernel);
        }
        KernelBuild build = new KernelBuild("clBuildProgram on " + device.id() + " (" + device.name() + ", "
                + device.properties().getOrDefault("driver version", "driver version unknown") + ")",
                program.options(), program.origin().tag(), program.log());
        OpenClKernel compiled = new OpenClKernel(kernel, kernelHandle, kernelGroupSize(kernelHandle), program.origin(),
                this, build, checked);
        kernels.add(compiled);
        return compiled;
    }

    private long createKernel(Program program, KernelDescriptor kernel) {
        return ProgramBuilds.onlyKernel(program.handle(), kernel.qualifiedName());
    }

    private byte[] binaryOrNull(long program, KernelDescriptor kernel) {
        try {
            return ProgramBuilds.binary(program);
        } catch (OpenClException e) {
            LOG.debug("{} gives no binary for {}: not cached ({})", device.id(), kernel.qualifiedName(), e.getMessage());
            return null;
        }
    }

    private long kernelGroupSize(long kernel) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer size = stack.mallocPointer(1);
            ClErrors.check(CL10.clGetKernelWorkGroupInfo(kernel, device.deviceHandle(), CL10.CL_KERNEL_WORK_GROUP_SIZE,
                    size, null), "clGetKernelWorkGroupInfo(CL_KERNEL_WORK_GROUP_SIZE)");
            return size.get(0);
        }
    }

    /** {@code -D SQUALL_BLOCK=64 -D SQUALL_D=128 ...}, sorted so equal specialisations give equal options. */
    static String buildOptions(Map<String, Integer> specialization) {
        return new TreeMap<>(specialization).entrySet().stream()
                .map(e -> "-D " + KernelDescriptor.define(e.getKey()) + "=" + e.getValue())
                .collect(Collectors.joining(" "));
    }

    @Override
    public void launch(Launch launch) {
        ensureOpen();
        if (!(launch.kernel() instanceof OpenClKernel k) || k.session() != this) {
            throw new IllegalArgumentException("kernel of task '" + launch.task() + "' was not prepared by this "
                    + device.id() + " session");
        }
        KernelDescriptor kernel = k.descriptor();
        LaunchGeometry geometry;
        try {
            long perItem = DeviceLimits.privateBytes(kernel, launch.hostArgs());
            long privateLimit = perItem == 0 ? Long.MAX_VALUE : device.groupPrivateMemoryBytes() / perItem;
            geometry = LaunchGeometry.of(kernel, launch.bounds(), launch.grid(), k.maxGroupSize(), device.computeUnits(),
                    privateLimit, device.type() == DeviceType.CPU);
            setArguments(k, launch, geometry);
        } catch (OpenClException | IllegalArgumentException e) {
            throw launchFailure(k, launch, e.getMessage(), e);
        }
        try (MemoryStack stack = MemoryStack.stackPush()) {
            int dims = geometry.dimensions();
            PointerBuffer global = stack.mallocPointer(dims);
            for (long g : geometry.global()) {
                global.put(g);
            }
            global.flip();
            PointerBuffer local = null;
            if (geometry.local() != null) {
                local = stack.mallocPointer(dims);
                for (long l : geometry.local()) {
                    local.put(l);
                }
                local.flip();
            }
            PointerBuffer event = profiling ? stack.mallocPointer(1) : null;
            int code = CL10.clEnqueueNDRangeKernel(queue, k.handle(), dims, null, global, local, null, event);
            if (code != 0) {
                String hint = code == CL10.CL_INVALID_WORK_GROUP_SIZE
                        ? " (this kernel runs at most " + k.maxGroupSize() + " work-items per group on " + device.id() + ")" : "";
                throw launchFailure(k, launch, "clEnqueueNDRangeKernel: " + ClErrors.name(code) + " with " + geometry + hint, null);
            }
            if (profiling) {
                timed.add(new Timed(DeviceEvent.Kind.KERNEL, launch.task(), 0, 0,
                        List.of(OpenClObjects.created(OpenClObjects.Kind.EVENT, event.get(0)))));
            }
        }
        unfinishedTasks.add(launch.task());
        if (k.checked()) {
            reportBadAccess(k, launch);
        }
    }

    private KernelLaunchException launchFailure(OpenClKernel k, Launch launch, String why, Throwable cause) {
        return new KernelLaunchException("kernel " + k.descriptor().qualifiedName() + " (task '" + launch.task()
                + "') failed to launch on " + device.id() + " (" + device.name() + "): " + why, cause);
    }

    /**
     * The C calling convention (see {@code CFunctionPrinter}): parameters without the context and the
     * {@code @Specialize} ones; then {@code int <name>_length} per array whose length the kernel reads;
     * then one {@code __local} pointer per local array.
     */
    private void setArguments(OpenClKernel k, Launch launch, LaunchGeometry geometry) {
        KernelDescriptor kernel = k.descriptor();
        long handle = k.handle();
        List<KernelParam> params = kernel.params();
        int index = 0;
        for (int i = 0; i < params.size(); i++) {
            KernelParam p = params.get(i);
            if (p.type() == ParamType.KERNEL_CONTEXT || p.specialized()) {
                continue;
            }
            Object value = launch.deviceArgs()[i];
            String what = "clSetKernelArg(" + index + ", '" + p.name() + "')";
            if (p.type().isArray()) {
                if (!(value instanceof OpenClBuffer b) || b.session() != this) {
                    throw new IllegalArgumentException("argument '" + p.name() + "' is not a buffer of this session");
                }
                ClErrors.check(CL10.clSetKernelArg1p(handle, index, b.mem()), what);
            } else {
                ClErrors.check(setScalar(handle, index, p, value), what);
            }
            index++;
        }
        for (int i = 0; i < params.size(); i++) {
            KernelParam p = params.get(i);
            if (p.type().isArray() && p.lengthUsed()) {
                ClErrors.check(CL10.clSetKernelArg1i(handle, index, ParamType.length(launch.hostArgs()[i])),
                        "clSetKernelArg(" + index + ", '" + p.name() + "_length')");
                index++;
            }
        }
        List<LocalArray> locals = kernel.localArrays();
        int[] localLengths = locals.isEmpty() ? new int[0] : kernel.localArrayLengths(launch.hostArgs(), sizes(geometry));
        long localBytes = 0;
        for (int a = 0; a < locals.size(); a++) {
            localBytes += (long) Math.max(localLengths[a], 1) * locals.get(a).element().elementBytes();
        }
        if (localBytes > device.localMemoryBytes()) {
            throw new IllegalArgumentException("its local arrays need " + localBytes + " bytes per work-group with " + geometry
                    + ", and a work-group on " + device.id() + " has " + device.localMemoryBytes() + " (CL_DEVICE_LOCAL_MEM_SIZE)");
        }
        for (int a = 0; a < locals.size(); a++) {
            LocalArray local = locals.get(a);
            long bytes = (long) Math.max(localLengths[a], 1) * local.element().elementBytes();
            ClErrors.check(CL10.clSetKernelArg(handle, index, bytes),
                    "clSetKernelArg(" + index + ", local '" + local.name() + "', " + bytes + " bytes)");
            index++;
        }
        if (k.checked()) {
            ClErrors.check(CL10.clSetKernelArg1p(handle, index, errorRecord().mem()), "clSetKernelArg(" + index + ", error record)");
            index++;
            for (int length : BoundsChecks.lengths(kernel, launch.hostArgs(), localLengths)) {
                ClErrors.check(CL10.clSetKernelArg1i(handle, index, length), "clSetKernelArg(" + index + ", array length)");
                index++;
            }
        }
    }

    /** The session's error record for checked builds: made, and cleared, once. */
    private OpenClBuffer errorRecord() {
        if (errorRecord == null) {
            errorRecord = (OpenClBuffer) allocate(new int[BoundsChecks.RECORD_INTS]);
            record(CL10::clEnqueueWriteBuffer, new int[BoundsChecks.RECORD_INTS]);
        }
        return errorRecord;
    }

    private interface RecordTransfer {
        int enqueue(long queue, long buffer, boolean blocking, long offset, IntBuffer values, PointerBuffer wait,
                    PointerBuffer event);
    }

    /** A blocking copy of the error record, outside the profile: it is the checks' bookkeeping, not the plan's work. */
    private int[] record(RecordTransfer transfer, int[] values) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            IntBuffer buffer = stack.mallocInt(BoundsChecks.RECORD_INTS).put(values).flip();
            ClErrors.check(transfer.enqueue(queue, errorRecord.mem(), true, 0, buffer, null, null),
                    "copying the bounds-check record on " + device.id());
            int[] result = new int[BoundsChecks.RECORD_INTS];
            buffer.get(0, result);
            return result;
        }
    }

    /** After a checked launch: waits for it and throws what its error record reports, clearing the record. */
    private void reportBadAccess(OpenClKernel k, Launch launch) {
        int[] found = record(CL10::clEnqueueReadBuffer, new int[BoundsChecks.RECORD_INTS]);
        KernelLaunchException failure = BoundsChecks.failure(k.descriptor(), launch.hostArgs(), launch.task(),
                device.id() + " (" + device.name() + ")", found);
        if (failure != null) {
            record(CL10::clEnqueueWriteBuffer, new int[BoundsChecks.RECORD_INTS]);
            throw failure;
        }
    }

    private static int setScalar(long kernel, int index, KernelParam p, Object value) {
        if (value == null) {
            throw new IllegalArgumentException("scalar argument '" + p.name() + "' is null");
        }
        return switch (p.type()) {
            case BOOLEAN -> CL10.clSetKernelArg1i(kernel, index, (Boolean) value ? 1 : 0);
            case BYTE -> CL10.clSetKernelArg1b(kernel, index, ((Number) value).byteValue());
            case SHORT -> CL10.clSetKernelArg1s(kernel, index, ((Number) value).shortValue());
            case INT -> CL10.clSetKernelArg1i(kernel, index, ((Number) value).intValue());
            case LONG -> CL10.clSetKernelArg1l(kernel, index, ((Number) value).longValue());
            case FLOAT -> CL10.clSetKernelArg1f(kernel, index, ((Number) value).floatValue());
            case DOUBLE -> CL10.clSetKernelArg1d(kernel, index, ((Number) value).doubleValue());
            default -> throw new IllegalArgumentException("parameter '" + p.name() + "' of type " + p.type()
                    + " is not a scalar");
        };
    }

    /** The sizes a kernel's {@code localArrayLengths} reads. */
    private static KernelContext sizes(LaunchGeometry geometry) {
        KernelContext c = new KernelContext();
        long[] g = geometry.global();
        long[] l = geometry.local();
        c.globalGroupSizeX = (int) g[0];
        c.globalGroupSizeY = g.length > 1 ? (int) g[1] : 1;
        c.globalGroupSizeZ = g.length > 2 ? (int) g[2] : 1;
        c.localGroupSizeX = (int) l[0];
        c.localGroupSizeY = l.length > 1 ? (int) l[1] : 1;
        c.localGroupSizeZ = l.length > 2 ? (int) l[2] : 1;
        return c;
    }

    // ---------------------------------------------------------------- completion and events

    @Override
    public void finish() {
        ensureOpen();
        int code = CL10.clFinish(queue);
        if (code != 0) {
            throw new KernelLaunchException("work queued on " + device.id() + " (" + device.name() + ") failed: "
                    + ClErrors.name(code) + (unfinishedTasks.isEmpty() ? "" : "; tasks launched since the last finish: "
                    + String.join(", ", unfinishedTasks)));
        }
        unfinishedTasks.clear();
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

    @Override
    public List<DeviceEvent> drainEvents() {
        ensureOpen();
        List<DeviceEvent> result = new ArrayList<>(timed.size());
        try (MemoryStack stack = MemoryStack.stackPush()) {
            java.nio.LongBuffer time = stack.mallocLong(1);
            for (Timed t : timed) {
                long nanos = t.nanos;
                if (t.events != null) {
                    for (long event : t.events) {
                        ClErrors.check(CL10.clWaitForEvents(event), "clWaitForEvents");
                        ClErrors.check(CL10.clGetEventProfilingInfo(event, CL10.CL_PROFILING_COMMAND_START, time, null),
                                "clGetEventProfilingInfo(START)");
                        long start = time.get(0);
                        ClErrors.check(CL10.clGetEventProfilingInfo(event, CL10.CL_PROFILING_COMMAND_END, time, null),
                                "clGetEventProfilingInfo(END)");
                        nanos += time.get(0) - start;
                    }
                }
                result.add(new DeviceEvent(t.kind, t.label, t.bytes, nanos));
            }
        } finally {
            releaseEvents();
        }
        return result;
    }

    private void releaseEvents() {
        for (Timed t : timed) {
            if (t.events != null) {
                for (long event : t.events) {
                    OpenClObjects.release(OpenClObjects.Kind.EVENT, event);
                }
            }
        }
        timed.clear();
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("this " + device.id() + " session is closed");
        }
    }

    /** Waits for queued work, then releases every event, kernel, program, buffer, the queue and the context. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        int code = CL10.clFinish(queue);
        if (code != 0) {
            LOG.warn("{}: queued work failed while closing the session: {}", device.id(), ClErrors.name(code));
        }
        RuntimeException failure = null;
        List<Runnable> releases = new ArrayList<>();
        releases.add(this::releaseEvents);
        for (OpenClKernel k : kernels) {
            releases.add(() -> OpenClObjects.release(OpenClObjects.Kind.KERNEL, k.handle()));
        }
        for (Program p : programs.values()) {
            releases.add(() -> OpenClObjects.release(OpenClObjects.Kind.PROGRAM, p.handle()));
        }
        for (OpenClBuffer b : buffers) {
            releases.add(() -> OpenClObjects.release(OpenClObjects.Kind.MEM, b.mem()));
        }
        releases.add(() -> OpenClObjects.release(OpenClObjects.Kind.QUEUE, queue));
        releases.add(() -> OpenClObjects.release(OpenClObjects.Kind.CONTEXT, context));
        releases.add(staging::close);
        // Release everything even if one release fails; report the first failure.
        for (Runnable r : releases) {
            try {
                r.run();
            } catch (RuntimeException e) {
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        kernels.clear();
        programs.clear();
        buffers.clear();
        pendingReads.clear();
        inFlight.clear();
        if (failure != null) {
            throw failure;
        }
    }
}
