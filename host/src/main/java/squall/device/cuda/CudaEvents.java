package squall.device.cuda;

import squall.runtime.DeviceEvent;

import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * A session's profile. With profiling on, every copy and launch is bracketed by two CUDA events on the
 * stream, whose times are read after the stream is synchronised, so profiling adds no synchronisation;
 * the events are pooled and reused. Without profiling no events are made.
 */
final class CudaEvents {

    /** A copy or launch whose time two events measure. */
    private record Timed(DeviceEvent.Kind kind, String label, long bytes, MemorySegment start, MemorySegment end) {
    }

    private final CudaDriver driver;
    private final MemorySegment stream;
    private final boolean profiling;

    private final List<MemorySegment> idleEvents = new ArrayList<>();
    private final List<MemorySegment> busyEvents = new ArrayList<>();
    private final List<Timed> timed = new ArrayList<>();
    private final List<DeviceEvent> events = new ArrayList<>();

    CudaEvents(CudaDriver driver, MemorySegment stream, boolean profiling) {
        this.driver = driver;
        this.stream = stream;
        this.profiling = profiling;
    }

    /** An event recorded on the stream before a command, or {@code null} without profiling. */
    MemorySegment start() {
        if (!profiling) {
            return null;
        }
        MemorySegment event = event();
        driver.record(event, stream);
        return event;
    }

    /** After the command {@link #start()} preceded: records its end, to be read once the stream is done. */
    void end(DeviceEvent.Kind kind, String label, long bytes, MemorySegment start) {
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

    /** A build of {@code task}'s kernel that took {@code nanos} on the host. */
    void compiled(String task, long nanos) {
        if (profiling) {
            events.add(new DeviceEvent(DeviceEvent.Kind.COMPILE, task, 0, nanos));
        }
    }

    /** Once the stream is synchronised: the times of the commands timed since the last time. */
    void read() {
        for (Timed t : timed) {
            long nanos = Math.round(driver.elapsedMillis(t.start(), t.end()) * 1e6);
            events.add(new DeviceEvent(t.kind(), t.label(), t.bytes(), nanos));
        }
    }

    /** After a synchronisation, clean or not: forgets the timed commands and makes their events reusable. */
    void forget() {
        timed.clear();
        idleEvents.addAll(busyEvents);
        busyEvents.clear();
    }

    /** The profile since the last call. */
    List<DeviceEvent> drain() {
        List<DeviceEvent> result = List.copyOf(events);
        events.clear();
        return result;
    }

    /** Destroys every event, each through {@code attempt} so that one failure does not stop the rest. */
    void destroy(Consumer<Runnable> attempt) {
        for (List<MemorySegment> list : List.of(idleEvents, busyEvents)) {
            for (MemorySegment e : list) {
                attempt.accept(() -> driver.destroyEvent(e));
            }
            list.clear();
        }
    }

    /** After close: forgets the timed commands. */
    void clear() {
        timed.clear();
    }
}
