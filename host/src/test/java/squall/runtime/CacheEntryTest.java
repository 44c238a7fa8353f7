package squall.runtime;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A cache entry is read back only when whole, squall's, and made for the key asked for. */
class CacheEntryTest {

    @TempDir
    Path tmp;

    private static byte[] payload() {
        byte[] b = new byte[3000];
        new SplittableRandom(5).nextBytes(b);
        return b;
    }

    @Test
    void anEntryReadsBackAsWritten() throws Exception {
        Path file = tmp.resolve("k.bin");
        CacheEntry.write(file, "k", payload());
        CacheEntry.Read read = CacheEntry.read(file, "k");
        assertArrayEquals(payload(), read.payload());
        assertNull(read.damage());
        assertEquals(CacheEntry.Read.ABSENT, CacheEntry.read(tmp.resolve("missing.bin"), "k"));
    }

    @Test
    void everyTruncationIsDamage() throws Exception {
        Path file = tmp.resolve("k.bin");
        CacheEntry.write(file, "k", payload());
        byte[] whole = Files.readAllBytes(file);
        for (int length = 0; length < whole.length; length++) {
            CacheEntry.Read read = CacheEntry.parse(Arrays.copyOf(whole, length), "k");
            assertNull(read.payload(), "truncated to " + length);
            assertNotNull(read.damage(), "truncated to " + length);
        }
    }

    @Test
    void aChangedByteAnotherKeyOrAnOlderFormatIsDamage() throws Exception {
        Path file = tmp.resolve("k.bin");
        CacheEntry.write(file, "k", payload());
        byte[] whole = Files.readAllBytes(file);
        byte[] flipped = whole.clone();
        flipped[whole.length - 1] ^= 1;
        assertTrue(CacheEntry.parse(flipped, "k").damage().contains("SHA-256"), CacheEntry.parse(flipped, "k").damage());
        assertTrue(CacheEntry.parse(whole, "other").damage().contains("another key"));
        byte[] longer = Arrays.copyOf(whole, whole.length + 1);
        assertTrue(CacheEntry.parse(longer, "k").damage().contains("truncated or extended"));
        // what squall cached before entries were framed: the driver's bytes alone
        assertTrue(CacheEntry.parse("\u007fELF....".getBytes(StandardCharsets.ISO_8859_1), "k").damage()
                .contains("not a squall cache entry"));
    }
}
