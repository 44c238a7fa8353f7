package squall.tasks.io;

import java.io.IOException;
import java.nio.file.Path;

/** A file is not a well-formed {@code .npy} file: bad magic, bad header, truncated data, Fortran order. */
public final class NpyFormatException extends IOException {

    private final Path file;

    public NpyFormatException(Path file, String reason) {
        super(file + ": " + reason);
        this.file = file;
    }

    public NpyFormatException(Path file, String reason, Throwable cause) {
        super(file + ": " + reason, cause);
        this.file = file;
    }

    /** The offending file. */
    public Path file() {
        return file;
    }
}
