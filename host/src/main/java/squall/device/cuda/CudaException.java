package squall.device.cuda;

import squall.runtime.SquallException;

/**
 * A CUDA driver call failed. The message names what was being done and the driver's error name
 * ({@code CUDA_ERROR_OUT_OF_MEMORY}) with its description.
 */
public final class CudaException extends SquallException {

    private final int code;
    private final String errorName;

    CudaException(String what, int code, String errorName, String description) {
        super(what + ": " + errorName + (description == null || description.isBlank() ? "" : " (" + description + ")"));
        this.code = code;
        this.errorName = errorName;
    }

    /** The {@code CUresult} value. */
    public int code() {
        return code;
    }

    /** The driver's name for the error, such as {@code CUDA_ERROR_ILLEGAL_ADDRESS}. */
    public String errorName() {
        return errorName;
    }
}
