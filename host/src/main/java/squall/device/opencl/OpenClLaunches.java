package squall.device.opencl;

import org.lwjgl.PointerBuffer;
import org.lwjgl.opencl.CL10;
import org.lwjgl.system.MemoryStack;
import squall.runtime.BoundsChecks;
import squall.runtime.DeviceEvent;
import squall.runtime.DeviceLimits;
import squall.runtime.DeviceType;
import squall.runtime.KernelDescriptor;
import squall.runtime.KernelLaunchException;
import squall.runtime.Launch;

import java.nio.IntBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A session's launches: each kernel's NDRange ({@link LaunchGeometry}) and arguments
 * ({@link OpenClArguments}), enqueued in order, with an event when profiling; waiting for the queue,
 * naming the tasks launched since the last wait if it fails; and, for bounds-checked builds, the
 * error record read after each launch.
 */
final class OpenClLaunches {

    private final OpenClSession owner;
    private final OpenClDevice device;
    private final long queue;
    private final OpenClEvents events;
    private final OpenClTransfers transfers;
    private final OpenClArguments arguments;

    /** Tasks launched since the last finish, for naming them if the queue fails. */
    private final List<String> unfinishedTasks = new ArrayList<>();
    /** The error record of the bounds-checked builds, made at the first checked launch. */
    private OpenClBuffer errorRecord;

    OpenClLaunches(OpenClSession owner, OpenClDevice device, long queue, OpenClEvents events, OpenClTransfers transfers) {
        this.owner = owner;
        this.device = device;
        this.queue = queue;
        this.events = events;
        this.transfers = transfers;
        this.arguments = new OpenClArguments(owner, device);
    }

    void launch(Launch launch) {
        if (!(launch.kernel() instanceof OpenClKernel k) || k.session() != owner) {
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
            arguments.set(k, launch, geometry, () -> errorRecord().mem());
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
            PointerBuffer event = events.profiling() ? stack.mallocPointer(1) : null;
            int code = CL10.clEnqueueNDRangeKernel(queue, k.handle(), dims, null, global, local, null, event);
            if (code != 0) {
                String hint = code == CL10.CL_INVALID_WORK_GROUP_SIZE
                        ? " (this kernel runs at most " + k.maxGroupSize() + " work-items per group on " + device.id() + ")" : "";
                throw launchFailure(k, launch, "clEnqueueNDRangeKernel: " + ClErrors.name(code) + " with " + geometry + hint, null);
            }
            if (events.profiling()) {
                events.record(DeviceEvent.Kind.KERNEL, launch.task(), 0, 0,
                        List.of(OpenClObjects.created(OpenClObjects.Kind.EVENT, event.get(0))));
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

    /** Waits for the queue; a failure names the tasks launched since the last wait. */
    void finish() {
        int code = CL10.clFinish(queue);
        if (code != 0) {
            throw new KernelLaunchException("work queued on " + device.id() + " (" + device.name() + ") failed: "
                    + ClErrors.name(code) + (unfinishedTasks.isEmpty() ? "" : "; tasks launched since the last finish: "
                    + String.join(", ", unfinishedTasks)));
        }
        unfinishedTasks.clear();
    }

    /** The session's error record for checked builds: made, and cleared, once. */
    private OpenClBuffer errorRecord() {
        if (errorRecord == null) {
            errorRecord = transfers.allocate(new int[BoundsChecks.RECORD_INTS]);
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
}
