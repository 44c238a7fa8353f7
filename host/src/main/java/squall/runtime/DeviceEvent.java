package squall.runtime;

/**
 * One timed piece of device work.
 *
 * @param kind  what it was
 * @param label the task name for kernels and compiles, the array's description for copies
 * @param bytes bytes moved (copies), 0 otherwise
 * @param nanos duration, from device timestamps where the device has them
 */
public record DeviceEvent(Kind kind, String label, long bytes, long nanos) {

    public enum Kind {
        /** Building a kernel for the device (first use only). */
        COMPILE,
        KERNEL,
        /** Host to device. */
        COPY_IN,
        /** Device to host. */
        COPY_OUT
    }
}
