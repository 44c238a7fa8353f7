package squall.device.cuda;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import squall.runtime.BoundsChecks;
import squall.runtime.Device;
import squall.runtime.DeviceBuffer;
import squall.runtime.DeviceEvent;
import squall.runtime.DeviceKernel;
import squall.runtime.DeviceSession;
import squall.runtime.KernelDescriptor;
import squall.runtime.Launch;
import squall.runtime.SquallException;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A plan's state on a {@link CudaDevice}: one stream, shared by the four parts that do the work:
 * {@link CudaTransfers} (buffers and staged copies), {@link CudaPrograms} (PTX from the cache or the
 * compiler, loaded as modules), {@link CudaLaunches} (geometry, {@link CudaArguments}, launching) and
 * {@link CudaEvents} (the profile). Copies and launches are queued on the stream and run in order;
 * {@link #finish()} waits for them once.
 *
 * <p>Not thread-safe, like the plan that owns it; any thread may use it, one at a time.
 */
final class CudaSession implements DeviceSession {

    private static final Logger LOG = LoggerFactory.getLogger(CudaSession.class);

    private final CudaDevice device;
    private final CudaDriver driver;
    private final MemorySegment stream;
    private final CudaEvents events;
    private final CudaTransfers transfers;
    private final CudaPrograms programs;
    private final CudaLaunches launches;
    private boolean closed;

    CudaSession(CudaDevice device, boolean profiling) {
        this(device, profiling, PtxCache.shared());
    }

    CudaSession(CudaDevice device, boolean profiling, PtxCache cache) {
        this(device, profiling, cache, false);
    }

    /** With {@code boundsChecks}, kernels run their bounds-checked builds ({@link BoundsChecks}). */
    CudaSession(CudaDevice device, boolean profiling, PtxCache cache, boolean boundsChecks) {
        this.device = device;
        this.driver = device.driver();
        device.enter();
        this.stream = driver.createStream(CudaDriver.CU_STREAM_NON_BLOCKING);
        this.events = new CudaEvents(driver, stream, profiling);
        this.transfers = new CudaTransfers(this, device, stream, events, boundsChecks, this::enter);
        this.programs = new CudaPrograms(this, device, cache, events, boundsChecks);
        this.launches = new CudaLaunches(this, device, stream, events, transfers);
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

    @Override
    public DeviceBuffer allocate(Object hostArray) {
        return transfers.allocate(hostArray);
    }

    @Override
    public void copyIn(DeviceBuffer buffer, Object hostArray, String label) {
        transfers.copyIn(buffer, hostArray, label);
    }

    @Override
    public void copyOut(DeviceBuffer buffer, Object hostArray, String label) {
        transfers.copyOut(buffer, hostArray, label);
    }

    @Override
    public DeviceKernel prepare(KernelDescriptor kernel, Map<String, Integer> specialization, String task) {
        enter();
        return programs.prepare(kernel, specialization, task);
    }

    @Override
    public void launch(Launch launch) {
        enter();
        launches.launch(launch);
    }

    @Override
    public void finish() {
        enter();
        try {
            launches.synchronize();
            transfers.deliver();
            events.read();
        } finally {
            // Whether or not the stream drained cleanly, what was queued is over: nothing is retried later.
            launches.forget();
            events.forget();
            transfers.forget();
        }
    }

    @Override
    public List<DeviceEvent> drainEvents() {
        return events.drain();
    }

    /** Bytes of device memory this session's buffers hold now. */
    long allocatedBytes() {
        return transfers.allocatedBytes();
    }

    /** Page-locked staging memory held now. */
    long stagingBytes() {
        return transfers.stagingBytes();
    }

    int loadedModules() {
        return programs.loadedModules();
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
        Consumer<Runnable> attempt = step -> attempt(failures, step);
        attempt.accept(device::enter);
        attempt.accept(() -> driver.synchronize(stream));
        transfers.freeBuffers(attempt);
        programs.unload(attempt);
        events.destroy(attempt);
        attempt.accept(() -> driver.destroyStream(stream));
        transfers.closeStaging(attempt);
        events.clear();
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
