package squall.device.opencl;

import org.lwjgl.opencl.CL10;
import org.lwjgl.system.MemoryStack;
import squall.runtime.DeviceEvent;

import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A session's profile: the copies, builds and launches it timed, in the order they were queued. A
 * command's time is read from its {@code cl_event}s once the queue is done; a build's is known when it
 * is recorded. Without profiling nothing is recorded and no events are made.
 */
final class OpenClEvents {

    /** Device work whose time is known ({@code nanos}) or to be read from its events after the queue finishes. */
    private record Timed(DeviceEvent.Kind kind, String label, long bytes, long nanos, List<Long> events) {
    }

    private final boolean profiling;
    private final List<Timed> timed = new ArrayList<>();

    OpenClEvents(boolean profiling) {
        this.profiling = profiling;
    }

    /** Whether commands are to get events and be recorded here. */
    boolean profiling() {
        return profiling;
    }

    /** Work that took {@code nanos} plus what its {@code cl_event}s (owned from now on; may be {@code null}) say. */
    void record(DeviceEvent.Kind kind, String label, long bytes, long nanos, List<Long> events) {
        timed.add(new Timed(kind, label, bytes, nanos, events));
    }

    /** The recorded work with its times, waiting for each event; then releases the events. */
    List<DeviceEvent> drain() {
        List<DeviceEvent> result = new ArrayList<>(timed.size());
        try (MemoryStack stack = MemoryStack.stackPush()) {
            LongBuffer time = stack.mallocLong(1);
            for (Timed t : timed) {
                long nanos = t.nanos();
                if (t.events() != null) {
                    for (long event : t.events()) {
                        ClErrors.check(CL10.clWaitForEvents(event), "clWaitForEvents");
                        ClErrors.check(CL10.clGetEventProfilingInfo(event, CL10.CL_PROFILING_COMMAND_START, time, null),
                                "clGetEventProfilingInfo(START)");
                        long start = time.get(0);
                        ClErrors.check(CL10.clGetEventProfilingInfo(event, CL10.CL_PROFILING_COMMAND_END, time, null),
                                "clGetEventProfilingInfo(END)");
                        nanos += time.get(0) - start;
                    }
                }
                result.add(new DeviceEvent(t.kind(), t.label(), t.bytes(), nanos));
            }
        } finally {
            release();
        }
        return result;
    }

    /** Releases every recorded event and forgets the work. */
    void release() {
        for (Timed t : timed) {
            if (t.events() != null) {
                for (long event : t.events()) {
                    OpenClObjects.release(OpenClObjects.Kind.EVENT, event);
                }
            }
        }
        timed.clear();
    }
}
