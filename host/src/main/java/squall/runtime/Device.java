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

    /** Local (work-group shared) memory per work-group, in bytes; what launches size their tiles by. */
    default long localMemoryBytes() {
        return 64 << 10;
    }

    /** Processors that run work-groups in parallel (SMs, CPU cores). */
    default int computeUnits() {
        return Runtime.getRuntime().availableProcessors();
    }

    /** The largest work-group the device accepts. */
    default int maxWorkGroupSize() {
        return 1024;
    }

    /** Opens the per-plan state: buffers, compiled kernels, a queue. */
    DeviceSession openSession(boolean profiling);
}
