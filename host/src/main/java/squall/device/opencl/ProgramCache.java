package squall.device.opencl;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Program binaries on disk, one file per key. A key is a SHA-256 of everything that changes the
 * binary: source, build options, and the device's name, version and driver version. Files are
 * written to a temporary name and moved into place, so processes sharing the folder never read a
 * half-written binary. The cache only ever saves time: a failure to read or write it is logged and
 * the program is built from source.
 */
final class ProgramCache {

    private static final Logger LOG = LoggerFactory.getLogger(ProgramCache.class);
    /** Bump when the key's recipe or the file layout changes. */
    private static final String FORMAT = "squall-opencl-program-cache 1";

    private final Path directory;

    /** @param directory the folder, or {@code null} for a cache that holds nothing */
    ProgramCache(Path directory) {
        this.directory = directory;
    }

    static String key(String source, String options, String deviceIdentity) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String part : new String[] {FORMAT, deviceIdentity, options, source}) {
                sha.update(part.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    Path file(String key) {
        return directory == null ? null : directory.resolve(key + ".bin");
    }

    /** The cached binary, or {@code null}. */
    byte[] load(String key) {
        if (directory == null) {
            return null;
        }
        try {
            return Files.readAllBytes(file(key));
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            LOG.warn("cannot read cached OpenCL program {}: {}", file(key), e.toString());
            return null;
        }
    }

    void store(String key, byte[] binary) {
        if (directory == null) {
            return;
        }
        Path target = file(key);
        Path temp = null;
        try {
            Files.createDirectories(directory);
            temp = Files.createTempFile(directory, key + ".", ".tmp");
            Files.write(temp, binary);
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            LOG.warn("cannot cache OpenCL program in {}: {}", directory, e.toString());
            if (temp != null) {
                try {
                    Files.deleteIfExists(temp);
                } catch (IOException ignored) {
                    // the temporary file is harmless; the warning above already told the user
                }
            }
        }
    }

    /** Removes an entry the driver rejected, so the next process does not trip over it again. */
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
