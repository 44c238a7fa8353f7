package squall.runtime;

import java.nio.file.Path;

/**
 * Where squall keeps what it builds or measures once and reuses across runs: compiled OpenCL programs, PTX,
 * each device's measured bandwidth and kernel layout. {@code $SQUALL_CACHE_DIR}, or {@code ~/.cache/squall}.
 *
 * <pre>{@code
 * Path ptx = CacheFolder.root().resolve("cuda");
 * }</pre>
 */
public final class CacheFolder {

    private CacheFolder() {
    }

    /** {@code $SQUALL_CACHE_DIR} when set and not blank, else {@code ~/.cache/squall}; not created here. */
    public static Path root() {
        String dir = System.getenv("SQUALL_CACHE_DIR");
        return dir != null && !dir.isBlank() ? Path.of(dir) : Path.of(System.getProperty("user.home"), ".cache", "squall");
    }
}
