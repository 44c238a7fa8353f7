package squall.runtime;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Every file squall writes goes through here: written whole to a temporary file beside its target, then
 * renamed into place, so a reader never sees half a file and a failed write leaves nothing behind. The
 * target is what a careful user of a command line expects: a symbolic link is written through to the
 * file it names (the link stays a link), and a path that names anything but a regular file or nothing (a
 * device such as {@code /dev/null}, a FIFO, a socket, a folder) is refused before anything is written,
 * never renamed over. A file replaced keeps its permissions.
 *
 * <pre>{@code
 * Path out = AtomicFile.target(Path.of("out.npy"));         // check early: FileSystemException if refused
 * AtomicFile.write(out, temp -> Files.write(temp, bytes));  // then write whole, or not at all
 * }</pre>
 */
public final class AtomicFile {

    /** Symbolic links followed at most, as the kernel's own limit (ELOOP). */
    private static final int MAX_LINKS = 40;

    /** Writes the new content into {@code temp}, a new empty file in the target's folder. */
    @FunctionalInterface
    public interface Content {
        void writeTo(Path temp) throws IOException;
    }

    private AtomicFile() {
    }

    /**
     * The regular file a write to {@code path} replaces or creates: {@code path} itself, or the file its
     * symbolic links lead to. Fails with a {@link FileSystemException} that says why, naming the path, if that
     * is a folder, a device, a FIFO or a socket, a read-only file, or if its folder is missing or not writable.
     */
    public static Path target(Path path) throws IOException {
        Path file = followLinks(path.toAbsolutePath());
        BasicFileAttributes attributes = attributes(file);
        if (attributes != null) {
            if (attributes.isDirectory()) {
                throw refused(path, file, "is a folder, not a file");
            }
            if (!attributes.isRegularFile()) {
                throw refused(path, file, "is " + kind(file) + ", not a regular file; squall writes regular files only");
            }
            if (!Files.isWritable(file)) {
                throw refused(path, file, "is read-only");
            }
        }
        Path folder = file.getParent();
        if (folder == null || !Files.isDirectory(folder)) {
            throw refused(path, file, "cannot be made: folder " + folder + " does not exist");
        }
        if (!Files.isWritable(folder)) {
            throw refused(path, file, "cannot be made: folder " + folder + " is not writable");
        }
        return file;
    }

    /** Writes {@code path} (see {@link #target}) whole: the content goes to a temporary file, then is renamed into place. */
    public static void write(Path path, Content content) throws IOException {
        try (Staged staged = stage(path, content)) {
            staged.commit();
        }
    }

    /**
     * Writes the content beside {@code path}'s target without replacing it yet: {@link Staged#commit()} does that,
     * and closing an uncommitted one removes it. For outputs that appear together or not at all.
     */
    public static Staged stage(Path path, Content content) throws IOException {
        Path file = target(path);
        Path temp = createSibling(file);
        try {
            content.writeTo(temp);
            return new Staged(path, file, temp);
        } catch (IOException | RuntimeException | Error e) {
            Files.deleteIfExists(temp);
            throw e;
        }
    }

    /** New content waiting beside its target. */
    public static final class Staged implements AutoCloseable {
        private final Path path;
        private final Path file;
        private final Path temp;
        private boolean done;

        private Staged(Path path, Path file, Path temp) {
            this.path = path;
            this.file = file;
            this.temp = temp;
        }

        /** The file the content replaces or creates. */
        public Path file() {
            return file;
        }

        /** Renames the content over its target, if that is still a regular file or nothing. */
        public void commit() throws IOException {
            if (done) {
                throw new IllegalStateException(file + " was already committed or discarded");
            }
            BasicFileAttributes now = attributes(file);
            if (now != null && !now.isRegularFile()) {
                throw refused(path, file, "became " + kind(file) + " while it was being written; not replaced");
            }
            if (now != null) {
                keepPermissions(file, temp);
            }
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
            done = true;
        }

        /** Removes the content unless it was committed. */
        @Override
        public void close() throws IOException {
            if (!done) {
                done = true;
                Files.deleteIfExists(temp);
            }
        }
    }

    /** {@code path} with every symbolic link along its last name followed; a link to nothing gives what it names. */
    private static Path followLinks(Path path) throws IOException {
        Path current = path;
        for (int hops = 0; Files.isSymbolicLink(current); hops++) {
            if (hops == MAX_LINKS) {
                throw new FileSystemException(path.toString(), null, "too many levels of symbolic links");
            }
            Path link = Files.readSymbolicLink(current);
            Path folder = current.getParent();
            current = folder == null ? link.toAbsolutePath() : folder.resolve(link);
        }
        return current;
    }

    /** The file's own attributes (not a link's target), or {@code null} if nothing is there. */
    private static BasicFileAttributes attributes(Path file) throws IOException {
        try {
            return Files.readAttributes(file, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** What a non-regular file is, for messages: "a FIFO", "a character device", ... */
    private static String kind(Path file) {
        try {
            int type = (Integer) Files.getAttribute(file, "unix:mode", LinkOption.NOFOLLOW_LINKS) & 0xF000;
            return switch (type) {
                case 0x1000 -> "a FIFO";
                case 0x2000 -> "a character device";
                case 0x6000 -> "a block device";
                case 0xC000 -> "a socket";
                case 0x4000 -> "a folder";
                default -> "not a regular file";
            };
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | ClassCastException e) {
            return "a device, FIFO or socket";
        }
    }

    private static FileSystemException refused(Path path, Path file, String why) {
        String where = file.equals(path.toAbsolutePath()) ? "" : " (where " + path + " leads)";
        return new FileSystemException(file.toString(), null, why + where);
    }

    /** A new empty file next to {@code file}, with the usual permissions (createTempFile would make it private). */
    private static Path createSibling(Path file) throws IOException {
        for (int attempt = 0; ; attempt++) {
            Path temp = file.resolveSibling("." + file.getFileName() + "."
                    + Long.toUnsignedString(ThreadLocalRandom.current().nextLong(), 36) + ".tmp");
            try {
                return Files.createFile(temp);
            } catch (FileAlreadyExistsException e) {
                if (attempt == 10) {
                    throw e;
                }
            }
        }
    }

    private static void keepPermissions(Path from, Path to) throws IOException {
        PosixFileAttributeView view = Files.getFileAttributeView(to, PosixFileAttributeView.class);
        if (view != null) {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(from);
            view.setPermissions(permissions);
        }
    }
}
