package squall.device.cuda;

import squall.runtime.SquallException;

/** NVRTC or nvcc rejected a program, or no CUDA compiler was found; {@link #log()} holds the compiler's output. */
public final class CudaCompileException extends SquallException {

    private final String log;

    CudaCompileException(String message, String log) {
        super(message + (log == null || log.isBlank() ? "" : "\n--- compiler log ---\n" + log.strip()));
        this.log = log == null ? "" : log;
    }

    /** What the compiler printed. */
    public String log() {
        return log;
    }
}
