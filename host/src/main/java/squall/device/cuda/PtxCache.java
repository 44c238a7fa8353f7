package squall.device.cuda;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import squall.runtime.CacheFolder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Compiled PTX, kept in memory for the process and on disk across runs. Entries are keyed by a hash
 * of everything that decides the PTX: the source, the compiler options (architecture and
 * specialisation constants), the compiler's identity and version, and the driver's version.
 *
 * <p>The disk folder is {@code $SQUALL_CACHE_DIR/cuda}, by default {@code ~/.cache/squall/cuda}.
 * Files are written to a temporary name and moved into place, so concurrent processes never read
 * half a file; a folder that cannot be written only costs the disk cache, with a warning.
 */
final class PtxCache {

    private static final Logger LOG = LoggerFactory.getLogger(PtxCache.class);
    private static final PtxCache SHARED = new PtxCache(defaultFolder());

    /** Where an entry came from. */
    enum Origin { MEMORY, DISK, COMPILED }

    record Entry(String ptx, Origin origin) {
    }

    private final Path folder;
    private final Map<String, String> memory = new ConcurrentHashMap<>();

    /** @param folder the disk folder, or {@code null} for memory only */
    PtxCache(Path folder) {
        this.folder = folder;
    }

    /** The process's cache, in {@link #defaultFolder()}. */
    static PtxCache shared() {
        return SHARED;
    }

    /** {@code $SQUALL_CACHE_DIR/cuda}, else {@code ~/.cache/squall/cuda}. */
    static Path defaultFolder() {
        return CacheFolder.root().resolve("cuda");
    }

    Path folder() {
        return folder;
    }

    /** The key of one compilation: a SHA-256 over its inputs, as hex. */
    static String key(String source, List<String> options, String compiler, int driverVersion) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String part : List.of(source, String.join("\u0000", options), compiler, Integer.toString(driverVersion))) {
                sha.update(part.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0x1e);
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    /** The PTX under {@code key}: from memory, from disk, or from {@code compile} (then stored in both). */
    Entry get(String key, Supplier<String> compile) {
        String ptx = memory.get(key);
        if (ptx != null) {
            return new Entry(ptx, Origin.MEMORY);
        }
        ptx = read(key);
        if (ptx != null) {
            memory.put(key, ptx);
            return new Entry(ptx, Origin.DISK);
        }
        ptx = compile.get();
        memory.put(key, ptx);
        write(key, ptx);
        return new Entry(ptx, Origin.COMPILED);
    }

    /** Forgets {@code key}, in memory and on disk: its PTX did not load. */
    void evict(String key) {
        memory.remove(key);
        if (folder != null) {
            try {
                Files.deleteIfExists(file(key));
            } catch (IOException e) {
                LOG.warn("cannot delete {} from the PTX cache: {}", file(key), e.toString());
            }
        }
    }

    Path file(String key) {
        return folder.resolve(key + ".ptx");
    }

    private String read(String key) {
        if (folder == null) {
            return null;
        }
        Path file = file(key);
        try {
            return Files.isRegularFile(file) ? Files.readString(file, StandardCharsets.US_ASCII) : null;
        } catch (IOException e) {
            LOG.warn("cannot read {} from the PTX cache, compiling instead: {}", file, e.toString());
            return null;
        }
    }

    private void write(String key, String ptx) {
        if (folder == null) {
            return;
        }
        Path file = file(key);
        try {
            Files.createDirectories(folder);
            Path temp = Files.createTempFile(folder, key, ".tmp");
            try {
                Files.writeString(temp, ptx, StandardCharsets.US_ASCII);
                try {
                    Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
                }
            } finally {
                Files.deleteIfExists(temp);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot write {} to the PTX cache (set SQUALL_CACHE_DIR to a writable folder): {}", file, e.toString());
        }
    }
}
