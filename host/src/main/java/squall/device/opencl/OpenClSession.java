package squall.device.opencl;

import org.lwjgl.PointerBuffer;
import org.lwjgl.opencl.CL10;
import org.lwjgl.system.MemoryStack;
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

import java.nio.IntBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A plan's state on an {@link OpenClDevice}: one context and one in-order queue, shared by the four
 * parts that do the work: {@link OpenClTransfers} (buffers and staged copies), {@link OpenClPrograms}
 * (programs, from a registered binary, the disk cache or the source), {@link OpenClLaunches} (geometry,
 * {@link OpenClArguments}, enqueueing) and {@link OpenClEvents} (the profile). Everything they create is
 * released by {@link #close()}.
 *
 * <p>When profiling, every command gets an event, read by {@link #drainEvents()} once the queue is
 * done; without profiling no events are created.
 */
public final class OpenClSession implements DeviceSession {

    private static final Logger LOG = LoggerFactory.getLogger(OpenClSession.class);

    private final OpenClDevice device;
    private final boolean profiling;
    private final long context;
    private final long queue;
    private final OpenClEvents events;
    private final OpenClTransfers transfers;
    private final OpenClPrograms programs;
    private final OpenClLaunches launches;
    private boolean closed;

    OpenClSession(OpenClDevice device, boolean profiling, long stagingChunk) {
        this(device, profiling, stagingChunk, false);
    }

    /** With {@code boundsChecks}, kernels run their bounds-checked builds ({@link BoundsChecks}). */
    OpenClSession(OpenClDevice device, boolean profiling, long stagingChunk, boolean boundsChecks) {
        this.device = device;
        this.profiling = profiling;
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
        this.events = new OpenClEvents(profiling);
        this.programs = new OpenClPrograms(this, device, ctx, events, boundsChecks);
        this.transfers = new OpenClTransfers(this, device, ctx, q, events, stagingChunk, boundsChecks, this::finish);
        this.launches = new OpenClLaunches(this, device, q, events, transfers);
    }

    @Override
    public Device device() {
        return device;
    }

    public boolean profiling() {
        return profiling;
    }

    @Override
    public DeviceBuffer allocate(Object hostArray) {
        ensureOpen();
        return transfers.allocate(hostArray);
    }

    @Override
    public void copyIn(DeviceBuffer buffer, Object hostArray, String label) {
        ensureOpen();
        transfers.copyIn(buffer, hostArray, label);
    }

    @Override
    public void copyOut(DeviceBuffer buffer, Object hostArray, String label) {
        ensureOpen();
        transfers.copyOut(buffer, hostArray, label);
    }

    @Override
    public DeviceKernel prepare(KernelDescriptor kernel, Map<String, Integer> specialization, String task) {
        ensureOpen();
        return programs.prepare(kernel, specialization, task);
    }

    @Override
    public void launch(Launch launch) {
        ensureOpen();
        launches.launch(launch);
    }

    @Override
    public void finish() {
        ensureOpen();
        launches.finish();
        transfers.finished();
    }

    @Override
    public List<DeviceEvent> drainEvents() {
        ensureOpen();
        return events.drain();
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
        releases.add(events::release);
        releases.addAll(programs.releases());
        releases.addAll(transfers.bufferReleases());
        releases.add(() -> OpenClObjects.release(OpenClObjects.Kind.QUEUE, queue));
        releases.add(() -> OpenClObjects.release(OpenClObjects.Kind.CONTEXT, context));
        releases.add(transfers::closeStaging);
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
        programs.clear();
        transfers.clear();
        if (failure != null) {
            throw failure;
        }
    }
}
