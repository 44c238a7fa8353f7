package squall.runtime;

/** Base of squall's runtime errors. */
public class SquallException extends RuntimeException {

    public SquallException(String message) {
        super(message);
    }

    public SquallException(String message, Throwable cause) {
        super(message, cause);
    }
}
