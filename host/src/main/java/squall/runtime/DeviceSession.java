package squall.runtime;

import java.util.List;
import java.util.Map;

/**
 * A device's state for one {@link ExecutionPlan}: buffers, compiled kernels and a queue. Work is
 * queued in order; {@link #finish()} waits for it. Closing releases every buffer and handle the
 * session made.
 */
public interface DeviceSession extends AutoCloseable {

    Device device();

    /** Device memory sized for {@code hostArray}; contents undefined until copied or written. */
    DeviceBuffer allocate(Object hostArray);

    /** Queues a copy of {@code hostArray} into {@code buffer}. */
    void copyIn(DeviceBuffer buffer, Object hostArray, String label);

    /** Queues a copy of {@code buffer} into {@code hostArray}; complete when {@link #finish()} returns. */
    void copyOut(DeviceBuffer buffer, Object hostArray, String label);

    /** The kernel compiled with {@code specialization} ({@code @Specialize} parameter → value); cached. */
    DeviceKernel prepare(KernelDescriptor kernel, Map<String, Integer> specialization, String task);

    /** Queues a launch. */
    void launch(Launch launch);

    /** Waits until all queued work is done. */
    void finish();

    /** Events recorded since the last call, with their timings; call after {@link #finish()}. */
    List<DeviceEvent> drainEvents();

    @Override
    void close();
}
