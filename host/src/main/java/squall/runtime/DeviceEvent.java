package squall.runtime;

/**
 * One timed piece of device work.
 *
 * @param kind  what it was
 * @param label the task name for kernels and compiles, the array's description for copies; a
 *              compile's label may add a note in brackets after the task name, such as where the
 *              program came from ({@code attend [disk cache hit]})
 * @param bytes bytes moved (copies), 0 otherwise
 * @param nanos duration, from device timestamps where the device has them
 */
public record DeviceEvent(Kind kind, String label, long bytes, long nanos) {

    /** The label without a trailing bracketed note: the task name of a kernel or compile event. */
    public String task() {
        int note = label.lastIndexOf(" [");
        return note >= 0 && label.endsWith("]") ? label.substring(0, note) : label;
    }

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
