package squall.runtime;

import squall.testing.Fifo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** What {@link AtomicFile} replaces, what it writes through, and what it refuses, on real files. */
class AtomicFileTest {

    @TempDir
    Path tmp;

    private static void write(Path path, String text) throws IOException {
        AtomicFile.write(path, temp -> Files.writeString(temp, text, StandardCharsets.UTF_8));
    }

    @Test
    void aFifoIsRefusedAndStaysAFifo() throws Exception {
        Path pipe = Fifo.at(tmp.resolve("pipe"));
        FileSystemException e = assertThrows(FileSystemException.class, () -> write(pipe, "data"));
        assertTrue(e.getMessage().contains("is a FIFO, not a regular file"), e.getMessage());
        assertTrue(e.getMessage().contains(pipe.toString()), e.getMessage());
        assertTrue(Files.readAttributes(pipe, java.nio.file.attribute.BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS)
                .isOther(), "still a FIFO");
        try (var files = Files.list(tmp)) {
            assertEquals(1, files.count(), "no temporary file is left");
        }
    }

    @Test
    void aDeviceIsRefusedBeforeAnythingIsWritten() {
        Path devNull = Path.of("/dev/null");
        assumeTrue(Files.exists(devNull), "no /dev/null here");
        FileSystemException e = assertThrows(FileSystemException.class, () -> AtomicFile.target(devNull));
        assertTrue(e.getMessage().contains("is a character device"), e.getMessage());
    }

    @Test
    void aFolderIsRefused() throws Exception {
        Path folder = Files.createDirectory(tmp.resolve("folder"));
        FileSystemException e = assertThrows(FileSystemException.class, () -> write(folder, "data"));
        assertTrue(e.getMessage().contains("is a folder"), e.getMessage());
        assertTrue(Files.isDirectory(folder));
    }

    @Test
    void aSymbolicLinkIsWrittenThroughAndStaysALink() throws Exception {
        Path real = tmp.resolve("real.txt");
        Files.writeString(real, "old");
        Path link = Files.createSymbolicLink(tmp.resolve("link.txt"), Path.of("real.txt"));
        write(link, "new");
        assertTrue(Files.isSymbolicLink(link), "the link is still a link");
        assertEquals("new", Files.readString(real));
        Path dangling = Files.createSymbolicLink(tmp.resolve("dangling.txt"), Path.of("made.txt"));
        write(dangling, "made");
        assertTrue(Files.isSymbolicLink(dangling));
        assertEquals("made", Files.readString(tmp.resolve("made.txt")));
    }

    @Test
    void aLinkToAFifoIsRefused() throws Exception {
        Path pipe = Fifo.at(tmp.resolve("pipe"));
        Path link = Files.createSymbolicLink(tmp.resolve("out.npy"), pipe);
        FileSystemException e = assertThrows(FileSystemException.class, () -> write(link, "data"));
        assertTrue(e.getMessage().contains("where " + link + " leads"), e.getMessage());
        assertTrue(Files.isSymbolicLink(link));
    }

    @Test
    void aReplacedFileKeepsItsPermissions() throws Exception {
        Path file = tmp.resolve("shared.txt");
        Files.writeString(file, "old");
        assumeTrue(Files.getFileAttributeView(file, java.nio.file.attribute.PosixFileAttributeView.class) != null, "not POSIX");
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-rw-r--"));
        write(file, "new");
        assertEquals("rw-rw-r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals("new", Files.readString(file));
    }

    @Test
    void aFailedWriteLeavesTheOldFileAndNoTemporary() throws Exception {
        Path file = tmp.resolve("kept.txt");
        Files.writeString(file, "old");
        assertThrows(IOException.class, () -> AtomicFile.write(file, temp -> {
            Files.writeString(temp, "half");
            throw new IOException("disk full");
        }));
        assertEquals("old", Files.readString(file));
        try (var files = Files.list(tmp)) {
            assertEquals(1, files.count());
        }
    }

    @Test
    void aMissingFolderIsNamed() {
        Path file = tmp.resolve("no/such/folder/out.npy");
        FileSystemException e = assertThrows(FileSystemException.class, () -> AtomicFile.target(file));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
        assertFalse(Files.exists(file.getParent()));
    }
}
