package squall.device.opencl;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import squall.runtime.CacheEntry;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Program binaries on disk, one file per key. A key is a SHA-256 of everything that changes the
 * binary: source, build options, and the device's name, version and driver version. Each file is a
 * {@link CacheEntry}: the binary framed with its key, length and checksum, written atomically, and
 * checked before the driver sees it, because a truncated binary makes some drivers (PoCL) assert or
 * crash the process in {@code clBuildProgram}. A damaged entry is removed and the program built from
 * source again. The cache only ever saves time: a failure to read or write it is logged and the
 * program is built from source.
 */
final class ProgramCache {

    private static final Logger LOG = LoggerFactory.getLogger(ProgramCache.class);
    /** Bump when the key's recipe or the file layout changes. */
    private static final String FORMAT = "squall-opencl-program-cache 2";

    private final Path directory;

    /** @param directory the folder, or {@code null} for a cache that holds nothing */
    ProgramCache(Path directory) {
        this.directory = directory;
    }

    static String key(String source, String options, String deviceIdentity) {
        return CacheEntry.key(FORMAT, deviceIdentity, options, source);
    }

    Path file(String key) {
        return directory == null ? null : directory.resolve(key + ".bin");
    }

    /** The cached binary, or {@code null}; a damaged entry is removed (and logged) and gives {@code null}. */
    byte[] load(String key) {
        if (directory == null) {
            return null;
        }
        try {
            CacheEntry.Read read = CacheEntry.read(file(key), key);
            if (read.damage() != null) {
                LOG.warn("cached OpenCL program {} is damaged ({}); removed, building from source", file(key), read.damage());
                evict(key);
            }
            return read.payload();
        } catch (IOException e) {
            LOG.warn("cannot read cached OpenCL program {}: {}", file(key), e.toString());
            return null;
        }
    }

    void store(String key, byte[] binary) {
        if (directory == null) {
            return;
        }
        try {
            Files.createDirectories(directory);
            CacheEntry.write(file(key), key, binary);
        } catch (IOException e) {
            LOG.warn("cannot cache OpenCL program in {}: {}", directory, e.toString());
        }
    }

    /** Removes an entry that is damaged or that the driver rejected, so the next process does not trip over it again. */
    void evict(String key) {
        if (directory == null) {
            return;
        }
        try {
            Files.deleteIfExists(file(key));
        } catch (IOException e) {
            LOG.warn("cannot remove rejected cached OpenCL program {}: {}", file(key), e.toString());
        }
    }
}
