package squall.device.opencl;

import squall.runtime.SquallException;

/** An OpenCL call failed; the message names the call and the error, e.g. {@code clCreateBuffer: CL_OUT_OF_RESOURCES}. */
public final class OpenClException extends SquallException {

    private final int errorCode;

    OpenClException(String what, int errorCode) {
        super(what + ": " + ClErrors.name(errorCode));
        this.errorCode = errorCode;
    }

    /** The OpenCL error code, e.g. -54. */
    public int errorCode() {
        return errorCode;
    }

    /** The error's name, e.g. {@code CL_INVALID_WORK_GROUP_SIZE}. */
    public String errorName() {
        return ClErrors.name(errorCode);
    }
}
