package squall.device.cuda;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import squall.runtime.CacheEntry;
import squall.runtime.CacheFolder;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Compiled PTX, kept in memory for the process and on disk across runs. Entries are keyed by a hash
 * of everything that decides the PTX: the source, the compiler options (architecture and
 * specialisation constants), the compiler's identity and version, and the driver's version.
 *
 * <p>The disk folder is {@code $SQUALL_CACHE_DIR/cuda}, by default {@code ~/.cache/squall/cuda}. Each file
 * is a {@link CacheEntry} (the PTX framed with its key, length and checksum, written atomically), so a
 * damaged or half-written file is removed and compiled again rather than handed to the driver; a folder
 * that cannot be written only costs the disk cache, with a warning.
 */
final class PtxCache {

    private static final Logger LOG = LoggerFactory.getLogger(PtxCache.class);
    private static final PtxCache SHARED = new PtxCache(defaultFolder());
    /** Bump when the key's recipe or the file layout changes. */
    private static final String FORMAT = "squall-ptx-cache 2";

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
        return CacheEntry.key(FORMAT, source, String.join("\u0000", options), compiler, Integer.toString(driverVersion));
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

    /** The PTX on disk, or {@code null}; a damaged entry is removed (and logged) and gives {@code null}. */
    private String read(String key) {
        if (folder == null) {
            return null;
        }
        Path file = file(key);
        try {
            CacheEntry.Read read = CacheEntry.read(file, key);
            if (read.damage() != null) {
                LOG.warn("{} in the PTX cache is damaged ({}); removed, compiling instead", file, read.damage());
                evict(key);
            }
            return read.payload() == null ? null : new String(read.payload(), StandardCharsets.US_ASCII);
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
            CacheEntry.write(file, key, ptx.getBytes(StandardCharsets.US_ASCII));
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot write {} to the PTX cache (set SQUALL_CACHE_DIR to a writable folder): {}", file, e.toString());
        }
    }
}
