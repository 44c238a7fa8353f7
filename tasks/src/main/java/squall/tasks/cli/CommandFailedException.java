package squall.tasks.cli;

/**
 * A command could not do its work although its input was valid (a device failed, {@code --check} found
 * the result wrong): exit status 1, with a message naming the kernel and the device.
 */
final class CommandFailedException extends RuntimeException {

    CommandFailedException(String message) {
        super(message);
    }

    CommandFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
