package squall.runtime;

import java.util.Map;

/**
 * Something that runs kernels: the JVM's threads, an OpenCL device or a CUDA GPU. A device is
 * cheap to hold; an {@link ExecutionPlan} opens a {@link DeviceSession} on it for its buffers and
 * compiled kernels.
 */
public interface Device {

    /** The id {@code --device} takes: {@code jvm}, {@code opencl:0}, {@code cuda:0}. */
    String id();

    /** The device's own name, as its driver reports it. */
    String name();

    DeviceType type();

    /** {@code jvm}, {@code opencl} or {@code cuda}. */
    String backend();

    /** Key properties for {@code squall devices}, in display order. */
    Map<String, String> properties();

    /** Opens the per-plan state: buffers, compiled kernels, a queue. */
    DeviceSession openSession(boolean profiling);
}
