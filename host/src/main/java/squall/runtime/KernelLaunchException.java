package squall.runtime;

/** A kernel failed to launch or to run; the message names the kernel, the task and the device. */
public final class KernelLaunchException extends SquallException {

    public KernelLaunchException(String message, Throwable cause) {
        super(message, cause);
    }

    public KernelLaunchException(String message) {
        super(message);
    }
}
