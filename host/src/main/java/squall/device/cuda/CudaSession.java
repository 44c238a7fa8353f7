package squall.device.cuda;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import squall.runtime.BoundsChecks;
import squall.runtime.Device;
import squall.runtime.DeviceBuffer;
import squall.runtime.DeviceEvent;
import squall.runtime.DeviceKernel;
import squall.runtime.DeviceSession;
import squall.runtime.HostArrays;
import squall.runtime.KernelBuild;
import squall.runtime.KernelBuildException;
import squall.runtime.KernelDescriptor;
import squall.runtime.KernelLaunchException;
import squall.runtime.KernelTarget;
import squall.runtime.Launch;
import squall.runtime.ParamType;
import squall.runtime.SquallException;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A plan's state on a {@link CudaDevice}: device buffers, loaded modules, one stream, and staging
 * memory. Copies and launches are queued on the stream and run in order; {@link #finish()} waits
 * for them once. With profiling on, every copy and launch is bracketed by two CUDA events whose
 * times are read after {@code finish()}, so profiling adds no synchronisation.
 *
 * <p>Not thread-safe, like the plan that owns it; any thread may use it, one at a time.
 */
final class CudaSession implements DeviceSession {

    private static final Logger LOG = LoggerFactory.getLogger(CudaSession.class);

    /** A copy or launch whose time two events measure. */
    private record Timed(DeviceEvent.Kind kind, String label, long bytes, MemorySegment start, MemorySegment end) {
    }

    /** A device-to-host copy waiting for the stream: staging to the host array in {@code finish()}. */
    private record PendingCopyOut(MemorySegment staging, Object hostArray) {
    }

    private final CudaDevice device;
    private final CudaDriver driver;
    private final boolean profiling;
    private final PtxCache cache;
    private final MemorySegment stream;
    private final StagingPool staging;

    private final List<CudaBuffer> buffers = new ArrayList<>();
    private final Map<String, MemorySegment> modules = new LinkedHashMap<>();
    /** Where each loaded module's PTX came from, for {@link CudaKernel#build()}. */
    private final Map<String, PtxCache.Origin> moduleOrigins = new HashMap<>();
    private final Map<Long, Integer> dynamicSharedLimit = new HashMap<>();
    private final List<MemorySegment> idleEvents = new ArrayList<>();
    private final List<MemorySegment> busyEvents = new ArrayList<>();
    private final List<Timed> timed = new ArrayList<>();
    private final List<PendingCopyOut> pendingCopies = new ArrayList<>();
    private final Set<String> queuedKernels = new LinkedHashSet<>();
    private final List<DeviceEvent> events = new ArrayList<>();
    private final boolean boundsChecks;
    /** The error record of the bounds-checked builds, made at the first checked launch. */
    private CudaBuffer errorRecord;
    private boolean closed;

    CudaSession(CudaDevice device, boolean profiling) {
        this(device, profiling, PtxCache.shared());
    }

    CudaSession(CudaDevice device, boolean profiling, PtxCache cache) {
        this(device, profiling, cache, false);
    }

    /** With {@code boundsChecks}, kernels run their bounds-checked builds ({@link BoundsChecks}). */
    CudaSession(CudaDevice device, boolean profiling, PtxCache cache, boolean boundsChecks) {
        this.boundsChecks = boundsChecks;
        this.device = device;
        this.driver = device.driver();
        this.profiling = profiling;
        this.cache = cache;
        device.enter();
        this.stream = driver.createStream(CudaDriver.CU_STREAM_NON_BLOCKING);
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

    @Override
    public Device device() {
        return device;
    }

    private void enter() {
        if (closed) {
            throw new IllegalStateException("this CUDA session on " + device.id() + " is closed");
        }
        device.enter();
    }

    // ---------------------------------------------------------------- memory

    @Override
    public DeviceBuffer allocate(Object hostArray) {
        ParamType type = arrayType(hostArray, "allocate");
        enter();
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
        CudaBuffer buffer = new CudaBuffer(this, pointer, type, length);
        buffers.add(buffer);
        return buffer;
    }

    @Override
    public void copyIn(DeviceBuffer buffer, Object hostArray, String label) {
        CudaBuffer b = matching(buffer, hostArray, "copyIn");
        enter();
        if (b.bytes() == 0) {
            return;
        }
        MemorySegment stage = staging.acquire(b.bytes());
        HostArrays.toNative(hostArray, 0, stage, b.bytes());
        MemorySegment start = startTiming();
        try {
            driver.copyHostToDeviceAsync(b.pointer(), stage, b.bytes(), stream);
        } catch (CudaException e) {
            throw new SquallException("copying " + label + " to " + device.id() + " failed: " + e.getMessage(), e);
        }
        endTiming(DeviceEvent.Kind.COPY_IN, label, b.bytes(), start);
    }

    @Override
    public void copyOut(DeviceBuffer buffer, Object hostArray, String label) {
        CudaBuffer b = matching(buffer, hostArray, "copyOut");
        enter();
        if (b.bytes() == 0) {
            return;
        }
        MemorySegment stage = staging.acquire(b.bytes());
        MemorySegment start = startTiming();
        try {
            driver.copyDeviceToHostAsync(stage, b.pointer(), b.bytes(), stream);
        } catch (CudaException e) {
            throw new SquallException("copying " + label + " from " + device.id() + " failed: " + e.getMessage(), e);
        }
        endTiming(DeviceEvent.Kind.COPY_OUT, label, b.bytes(), start);
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

    private CudaBuffer own(Object buffer, String operation) {
        if (!(buffer instanceof CudaBuffer b) || b.owner() != this) {
            throw new IllegalArgumentException(operation + ": " + buffer + " is not a buffer of this CUDA session");
        }
        if (b.released()) {
            throw new IllegalStateException(operation + ": the buffer " + b + " was freed");
        }
        return b;
    }

    // ---------------------------------------------------------------- kernels

    @Override
    public DeviceKernel prepare(KernelDescriptor kernel, Map<String, Integer> specialization, String task) {
        enter();
        long started = System.nanoTime();
        String label = kernel.qualifiedName() + " (task '" + task + "')";
        String checkedSource = boundsChecks ? kernel.checkedSource(KernelTarget.CUDA) : null;
        if (boundsChecks && checkedSource == null) {
            LOG.info("{} has no bounds-checked build (a hand-written kernel): it runs unchecked on {}", label, device.id());
        }
        boolean checked = checkedSource != null;
        String source = checked ? checkedSource : kernel.source(KernelTarget.CUDA);
        String function = kernel.entryPoint();
        Map<String, Integer> defines;
        try {
            defines = kernel.defines(specialization);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(label + ": " + e.getMessage(), e);
        }

        CudaCompiler compiler;
        int arch;
        try {
            compiler = device.compiler();
            arch = compiler.targetArch(device.computeCapability());
        } catch (CudaCompileException e) {
            throw new KernelBuildException(label, device.id(), e.getMessage(), e.log());
        }
        List<String> options = compiler.options(defines, arch);
        String key = PtxCache.key(source, options, compiler.description(), driver.version());
        MemorySegment module = modules.get(key);
        if (module == null) {
            module = load(label, key, () -> compiler.compile(source, kernel.qualifiedName(), defines, arch), compiler);
            modules.put(key, module);
        }
        MemorySegment handle;
        int maxThreads;
        int staticShared;
        try {
            handle = driver.function(module, function);
            maxThreads = driver.functionAttribute(handle, CudaDriver.CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK);
            staticShared = driver.functionAttribute(handle, CudaDriver.CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES);
        } catch (CudaException e) {
            throw new KernelBuildException(label, device.id(), e.getMessage(), "");
        }
        if (LOG.isDebugEnabled()) {
            LOG.debug("{} on {}: compute_{}, {} registers, {} local bytes per thread, up to {} threads per block",
                    label, device.id(), arch, driver.functionAttribute(handle, CudaDriver.CU_FUNC_ATTRIBUTE_NUM_REGS),
                    driver.functionAttribute(handle, CudaDriver.CU_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES), maxThreads);
        }
        if (profiling) {
            events.add(new DeviceEvent(DeviceEvent.Kind.COMPILE, task, 0, System.nanoTime() - started));
        }
        PtxCache.Origin origin = moduleOrigins.getOrDefault(key, PtxCache.Origin.MEMORY);
        KernelBuild build = new KernelBuild(compiler.description(), String.join(" ", options),
                switch (origin) {
                    case COMPILED -> "compiled to PTX now, loaded by the driver";
                    case DISK -> "PTX from the disk cache, loaded by the driver";
                    case MEMORY -> "PTX compiled earlier in this process";
                }, "");
        return new CudaKernel(kernel, this, handle, label, maxThreads, staticShared, build, checked);
    }

    /** The module for {@code key}: PTX from the cache or the compiler, loaded (JIT-compiled) by the driver. */
    private MemorySegment load(String label, String key, java.util.function.Supplier<String> compile, CudaCompiler compiler) {
        PtxCache.Entry ptx;
        try {
            ptx = cache.get(key, compile);
            moduleOrigins.put(key, ptx.origin());
        } catch (CudaCompileException e) {
            throw new KernelBuildException(label, device.id(), firstLine(e.getMessage()), e.log());
        }
        try {
            return driver.loadModule(ptx.ptx()).module();
        } catch (CudaDriver.ModuleLoadException e) {
            if (ptx.origin() != PtxCache.Origin.COMPILED) {
                // A cached file that no longer loads (a damaged file, a driver change the key missed): compile afresh once.
                LOG.warn("cached PTX for {} did not load ({}); compiling it again", label, e.cause.errorName());
                cache.evict(key);
                return load(label, key, compile, compiler);
            }
            String hint = e.cause.code() == CudaDriver.CUDA_ERROR_UNSUPPORTED_PTX_VERSION
                    ? "; the PTX from " + compiler.description() + " is newer than this driver (CUDA "
                    + CudaDriver.versionString(driver.version()) + ") accepts: update the driver, or put an NVRTC no newer"
                    + " than the driver first on LD_LIBRARY_PATH" : "";
            throw new KernelBuildException(label, device.id(), e.getMessage() + hint, e.log);
        } catch (CudaException e) {
            throw new KernelBuildException(label, device.id(), e.getMessage(), "");
        }
    }

    private static String firstLine(String text) {
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }

    @Override
    public void launch(Launch launch) {
        enter();
        if (!(launch.kernel() instanceof CudaKernel kernel) || kernel.session() != this) {
            throw new IllegalArgumentException("task '" + launch.task() + "': the kernel was not prepared by this CUDA session");
        }
        KernelDescriptor descriptor = kernel.descriptor();
        String where = "kernel " + descriptor.qualifiedName() + " (task '" + launch.task() + "') on " + device.id();
        LaunchGeometry geometry;
        List<KernelArguments.Argument> arguments;
        try {
            geometry = LaunchGeometry.of(descriptor, launch, device.limits(kernel.maxThreadsPerBlock()));
            arguments = KernelArguments.of(descriptor, launch.deviceArgs(), b -> own(b, "launch"), geometry.sharedOffsets());
            if (kernel.checked()) {
                arguments = KernelArguments.withBoundsChecks(arguments, errorRecord().pointer(),
                        BoundsChecks.lengths(descriptor, launch.hostArgs(), geometry.localLengths()));
            }
        } catch (IllegalArgumentException | IllegalStateException | ArithmeticException e) {
            throw new KernelLaunchException("cannot launch " + where + ": " + e.getMessage(), e);
        }
        allowDynamicShared(kernel, geometry.sharedBytes(), where);
        MemorySegment start = startTiming();
        try (Arena arena = Arena.ofConfined()) {
            driver.launch(kernel.function(), geometry.grid(), geometry.block(), geometry.sharedBytes(), stream,
                    KernelArguments.pack(arguments, arena));
        } catch (CudaException e) {
            throw new KernelLaunchException("launching " + where + " with " + geometry + " failed: " + e.getMessage(), e);
        }
        endTiming(DeviceEvent.Kind.KERNEL, launch.task(), 0, start);
        queuedKernels.add(kernel.label());
        if (kernel.checked()) {
            int[] found = record(false, new int[BoundsChecks.RECORD_INTS]);
            KernelLaunchException failure = BoundsChecks.failure(descriptor, launch.hostArgs(), launch.task(), device.id(), found);
            if (failure != null) {
                record(true, new int[BoundsChecks.RECORD_INTS]);
                throw failure;
            }
        }
    }

    /** The session's error record for checked builds: made, and cleared, once. */
    private CudaBuffer errorRecord() {
        if (errorRecord == null) {
            errorRecord = (CudaBuffer) allocate(new int[BoundsChecks.RECORD_INTS]);
            record(true, new int[BoundsChecks.RECORD_INTS]);
        }
        return errorRecord;
    }

    /** Writes ({@code write}) or reads the error record, waiting for the stream: outside the profile. */
    private int[] record(boolean write, int[] values) {
        long bytes = 4L * BoundsChecks.RECORD_INTS;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate(bytes, 4);
            if (write) {
                HostArrays.toNative(values, 0, host, bytes);
                driver.copyHostToDeviceAsync(errorRecord.pointer(), host, bytes, stream);
            } else {
                driver.copyDeviceToHostAsync(host, errorRecord.pointer(), bytes, stream);
            }
            driver.synchronize(stream);
            int[] result = new int[BoundsChecks.RECORD_INTS];
            HostArrays.fromNative(host, result, 0, bytes);
            return result;
        } catch (CudaException e) {
            throw new KernelLaunchException("copying the bounds-check record on " + device.id() + " failed (the kernels"
                    + " queued before it: " + String.join(", ", queuedKernels) + "): " + e.getMessage(), e);
        }
    }

    /** Lifts the kernel's dynamic shared memory limit when a launch needs more than the default 48 KiB. */
    private void allowDynamicShared(CudaKernel kernel, int bytes, String where) {
        if (bytes + kernel.staticSharedBytes() <= device.sharedPerBlock()) {
            return;
        }
        int most = device.sharedPerBlockOptIn() - kernel.staticSharedBytes();
        if (bytes > most) {
            throw new KernelLaunchException("cannot launch " + where + ": its local arrays need " + bytes
                    + " bytes of shared memory per block, the device allows " + most);
        }
        long function = kernel.function().address();
        if (dynamicSharedLimit.getOrDefault(function, 0) < bytes) {
            driver.setFunctionAttribute(kernel.function(), CudaDriver.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes);
            dynamicSharedLimit.put(function, bytes);
        }
    }

    // ---------------------------------------------------------------- timing

    private MemorySegment startTiming() {
        if (!profiling) {
            return null;
        }
        MemorySegment event = event();
        driver.record(event, stream);
        return event;
    }

    private void endTiming(DeviceEvent.Kind kind, String label, long bytes, MemorySegment start) {
        if (start == null) {
            return;
        }
        MemorySegment end = event();
        driver.record(end, stream);
        timed.add(new Timed(kind, label, bytes, start, end));
    }

    private MemorySegment event() {
        MemorySegment e = idleEvents.isEmpty() ? driver.createEvent(CudaDriver.CU_EVENT_DEFAULT) : idleEvents.removeLast();
        busyEvents.add(e);
        return e;
    }

    // ---------------------------------------------------------------- completion

    @Override
    public void finish() {
        enter();
        try {
            try {
                driver.synchronize(stream);
            } catch (CudaException e) {
                String kernels = queuedKernels.isEmpty() ? "copies" : "kernels " + String.join(", ", queuedKernels);
                throw new KernelLaunchException("work queued on " + device.id() + " failed (" + kernels + " since the last"
                        + " finish): " + e.getMessage() + ". After such an error the GPU context of this process may be"
                        + " unusable", e);
            }
            for (PendingCopyOut copy : pendingCopies) {
                HostArrays.fromNative(copy.staging(), copy.hostArray(), 0, copy.staging().byteSize());
            }
            for (Timed t : timed) {
                long nanos = Math.round(driver.elapsedMillis(t.start(), t.end()) * 1e6);
                events.add(new DeviceEvent(t.kind(), t.label(), t.bytes(), nanos));
            }
        } finally {
            // Whether or not the stream drained cleanly, what was queued is over: nothing is retried later.
            queuedKernels.clear();
            pendingCopies.clear();
            timed.clear();
            idleEvents.addAll(busyEvents);
            busyEvents.clear();
            staging.recycle();
        }
    }

    @Override
    public List<DeviceEvent> drainEvents() {
        List<DeviceEvent> result = List.copyOf(events);
        events.clear();
        return result;
    }

    /** Bytes of device memory this session's buffers hold now. */
    long allocatedBytes() {
        return buffers.stream().filter(b -> !b.released()).mapToLong(CudaBuffer::bytes).sum();
    }

    /** Page-locked staging memory held now. */
    long stagingBytes() {
        return staging.allocatedBytes();
    }

    int loadedModules() {
        return modules.size();
    }

    /**
     * Waits for queued work, then frees every buffer, module, event, the stream and the staging
     * memory. Failures are logged and the rest is still freed; the first is rethrown at the end.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        List<RuntimeException> failures = new ArrayList<>();
        attempt(failures, device::enter);
        attempt(failures, () -> driver.synchronize(stream));
        for (CudaBuffer b : buffers) {
            if (!b.released() && b.bytes() > 0) {
                attempt(failures, () -> driver.free(b.pointer()));
            }
            b.markReleased();
        }
        buffers.clear();
        for (MemorySegment module : modules.values()) {
            attempt(failures, () -> driver.unloadModule(module));
        }
        modules.clear();
        for (List<MemorySegment> list : List.of(idleEvents, busyEvents)) {
            for (MemorySegment e : list) {
                attempt(failures, () -> driver.destroyEvent(e));
            }
            list.clear();
        }
        attempt(failures, () -> driver.destroyStream(stream));
        attempt(failures, staging::close);
        pendingCopies.clear();
        timed.clear();
        if (!failures.isEmpty()) {
            RuntimeException first = failures.getFirst();
            failures.stream().skip(1).forEach(first::addSuppressed);
            throw new SquallException("closing the CUDA session on " + device.id() + " failed: " + first.getMessage(), first);
        }
    }

    private static void attempt(List<RuntimeException> failures, Runnable step) {
        try {
            step.run();
        } catch (RuntimeException e) {
            LOG.warn("while closing a CUDA session: {}", e.toString());
            failures.add(e);
        }
    }
}
