package squall.runtime;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * One file of squall's disk caches (compiled OpenCL programs, PTX): the payload framed with the key it was built
 * for, its length and its SHA-256, and written atomically ({@link AtomicFile}). A driver handed a truncated program
 * binary may assert or crash the process, and a file that is never evicted crashes every later run the same way,
 * so every read checks the frame first: a file that is not whole, not squall's, or built for another key is
 * reported as damaged, for the cache to remove and rebuild, and never reaches a driver.
 *
 * <pre>{@code
 * CacheEntry.write(file, key, binary);
 * CacheEntry.Read read = CacheEntry.read(file, key);
 * if (read.damage() != null) { Files.deleteIfExists(file); }   // then rebuild
 * byte[] binary = read.payload();                             // null when absent or damaged
 * }</pre>
 */
public final class CacheEntry {

    private static final byte[] MAGIC = "squall cache entry\n".getBytes(StandardCharsets.US_ASCII);
    private static final int VERSION = 1;
    private static final int DIGEST_BYTES = 32;
    /** Keys are hashes; anything longer is not an entry of ours. */
    private static final int MAX_KEY_BYTES = 1024;

    /**
     * What a read found.
     *
     * @param payload the payload, or {@code null} when the file is absent or damaged
     * @param damage  why the file cannot be used, or {@code null}
     */
    public record Read(byte[] payload, String damage) {
        static final Read ABSENT = new Read(null, null);

        static Read damaged(String why) {
            return new Read(null, why);
        }
    }

    private CacheEntry() {
    }

    /** Writes {@code payload} framed for {@code key} to {@code file}, whole or not at all. */
    public static void write(Path file, String key, byte[] payload) throws IOException {
        byte[] keyBytes = key.getBytes(StandardCharsets.UTF_8);
        ByteBuffer header = ByteBuffer.allocate(MAGIC.length + 4 + 4 + keyBytes.length + 8 + DIGEST_BYTES);
        header.put(MAGIC).putInt(VERSION).putInt(keyBytes.length).put(keyBytes).putLong(payload.length).put(sha256(payload));
        AtomicFile.write(file, temp -> {
            try (OutputStream out = Files.newOutputStream(temp)) {
                out.write(header.array());
                out.write(payload);
            }
        });
    }

    /** The payload {@code file} holds for {@code key}, after checking its frame. */
    public static Read read(Path file, String key) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return Read.ABSENT;
        }
        return parse(bytes, key);
    }

    static Read parse(byte[] bytes, String key) {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        if (bytes.length < MAGIC.length + 8 || !Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            return Read.damaged("not a squall cache entry (" + bytes.length + " bytes, no header)");
        }
        in.position(MAGIC.length);
        int version = in.getInt();
        if (version != VERSION) {
            return Read.damaged("entry format " + version + ", this squall reads " + VERSION);
        }
        int keyLength = in.getInt();
        if (keyLength < 0 || keyLength > MAX_KEY_BYTES || in.remaining() < keyLength + 8 + DIGEST_BYTES) {
            return Read.damaged("truncated header (" + bytes.length + " bytes)");
        }
        byte[] storedKey = new byte[keyLength];
        in.get(storedKey);
        if (!Arrays.equals(storedKey, key.getBytes(StandardCharsets.UTF_8))) {
            return Read.damaged("built for another key (" + abbreviate(new String(storedKey, StandardCharsets.UTF_8)) + ")");
        }
        long length = in.getLong();
        byte[] digest = new byte[DIGEST_BYTES];
        in.get(digest);
        if (length != in.remaining()) {
            return Read.damaged("truncated or extended: the header says " + length + " bytes of payload, the file holds "
                    + in.remaining());
        }
        byte[] payload = Arrays.copyOfRange(bytes, in.position(), bytes.length);
        if (!MessageDigest.isEqual(digest, sha256(payload))) {
            return Read.damaged("its " + length + " bytes do not match their SHA-256");
        }
        return new Read(payload, null);
    }

    private static String abbreviate(String key) {
        return key.length() <= 16 ? key : key.substring(0, 16) + "...";
    }

    /** SHA-256 of {@code bytes}. */
    public static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }

    /** A key from the parts that decide a cached result: SHA-256 over them, each followed by a separator, as hex. */
    public static String key(String... parts) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (String part : parts) {
                sha.update(part.getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        }
    }
}
