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

    /**
     * The largest single buffer the device allocates, in bytes ({@code CL_DEVICE_MAX_MEM_ALLOC_SIZE} on OpenCL);
     * {@link Long#MAX_VALUE} for a device that works on the host arrays themselves.
     */
    default long maxAllocationBytes() {
        return Long.MAX_VALUE;
    }

    /** Memory for all of a plan's buffers together, in bytes; {@link Long#MAX_VALUE} when buffers are the host arrays. */
    default long globalMemoryBytes() {
        return Long.MAX_VALUE;
    }

    /**
     * The most memory one work-item's private arrays ({@code float[] a = new float[N]} in a kernel) may take, in
     * bytes. A plan refuses, before building it, a kernel whose arrays need more for its arguments.
     */
    default long privateMemoryBytes() {
        return 512L << 10;
    }

    /**
     * The most private-array memory one work-group may take in all, in bytes: a CPU device runs a group's work-items
     * on one thread, whose stack holds every work-item's arrays, so this bounds the group size of kernels that have
     * such arrays. {@link Long#MAX_VALUE} where each work-item's private memory is its own (GPUs, the JVM).
     */
    default long groupPrivateMemoryBytes() {
        return Long.MAX_VALUE;
    }

    /** Opens the per-plan state: buffers, compiled kernels, a queue. */
    DeviceSession openSession(boolean profiling);

    /**
     * Opens a session whose kernels, with {@code boundsChecks}, are their bounds-checked builds: every array index is
     * checked on the device and the first bad one reported after the launch ({@link BoundsChecks}). A device whose
     * kernels check every access anyway (the jvm's, in Java) opens its usual session.
     */
    default DeviceSession openSession(boolean profiling, boolean boundsChecks) {
        return openSession(profiling);
    }
}
