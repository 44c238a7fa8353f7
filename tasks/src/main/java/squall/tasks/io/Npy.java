package squall.tasks.io;

import org.jetbrains.bio.npy.NpyArray;
import org.jetbrains.bio.npy.NpyFile;
import squall.runtime.AtomicFile;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Reads and writes NumPy {@code .npy} files through the {@code org.jetbrains.bio:npy} library, with the
 * checks the library leaves out: it reads a file whose data is shorter than its header's shape as if
 * the missing bytes were zeros, so every read here compares the file's length with the header first.
 * Writes go through {@link AtomicFile}: to a temporary file in the target's folder, then moved into place, so a
 * reader never sees half a file, a failed write leaves nothing behind, and only regular files are ever replaced.
 *
 * <pre>{@code
 * NpyTensor q = Npy.read(Path.of("q.npy"));               // NpyFormatException if malformed
 * Npy.writeFloat32(Path.of("out.npy"), new int[] {1, 4, 1, 64}, out);
 * }</pre>
 */
public final class Npy {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    /** Magic, two version bytes and the smallest (version 1.0) header-length field. */
    private static final int MIN_PREFIX = MAGIC.length + 2 + 2;
    /** The longest Java array, with the headroom some JVMs keep. */
    static final long MAX_ELEMENTS = Integer.MAX_VALUE - 8;

    private Npy() {
    }

    /**
     * Reads a whole {@code .npy} file.
     *
     * @throws NpyFormatException if the file is not a well-formed {@code .npy} file (bad magic, bad
     *                            header, Fortran order, data shorter or longer than the header says)
     * @throws IOException        if the file cannot be read (missing, unreadable)
     */
    public static NpyTensor read(Path file) throws IOException {
        long size = Files.size(file);
        byte[] prefix = readPrefix(file, size);
        NpyFile.Header header = parseHeader(file, prefix);
        int[] shape = header.getShape();
        String descr = descr(header);
        for (int d : shape) {
            if (d < 0) {
                throw new NpyFormatException(file, "bad header: negative dimension in shape " + NpyTensor.shapeText(shape));
            }
        }
        if (shape.length == 0) {
            // The library cannot decode a 0-d array, and no squall input is one.
            throw new NpyFormatException(file, "a 0-dimensional (scalar) array of " + descr + "; squall reads arrays of"
                    + " one dimension or more");
        }
        long elements = NpyTensor.elements(shape);
        if (elements > MAX_ELEMENTS) {
            throw new NpyFormatException(file, "shape " + NpyTensor.shapeText(shape) + " holds "
                    + (elements == Long.MAX_VALUE ? "more than 2^63" : Long.toString(elements))
                    + " elements, more than one Java array can (" + MAX_ELEMENTS + ")");
        }
        if (header.getBytes() < 1 || header.getBytes() > 16) {
            throw new NpyFormatException(file, "bad header: " + descr + " has " + header.getBytes() + "-byte elements");
        }
        long dataBytes = elements * header.getBytes(); // at most 2^31 x 16: no overflow
        long expected = prefix.length + dataBytes;
        if (size < expected) {
            throw new NpyFormatException(file, "truncated: shape " + NpyTensor.shapeText(shape) + " of " + descr
                    + " needs " + dataBytes + " data bytes after the " + prefix.length + "-byte header, the file holds "
                    + (size - prefix.length));
        }
        if (size > expected) {
            throw new NpyFormatException(file, (size - expected) + " bytes after the end of the data (shape "
                    + NpyTensor.shapeText(shape) + " of " + descr + " needs " + dataBytes + "): not a single .npy array");
        }
        NpyArray array;
        try {
            array = NpyFile.read(file, Integer.MAX_VALUE);
        } catch (RuntimeException e) {
            throw new NpyFormatException(file, "cannot decode " + descr + " data: " + describe(e), e);
        }
        return new NpyTensor(shape, descr, array.getData());
    }

    /** The magic, version, header-length field and header dict: everything before the data. */
    private static byte[] readPrefix(Path file, long size) throws IOException {
        if (size < MIN_PREFIX) {
            throw new NpyFormatException(file, "too short for a .npy file (" + size + " bytes)");
        }
        try (InputStream in = Files.newInputStream(file)) {
            byte[] start = in.readNBytes(MIN_PREFIX);
            if (!Arrays.equals(start, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
                throw new NpyFormatException(file, "bad magic: not a .npy file (it must start with \\x93NUMPY)");
            }
            int major = start[6] & 0xFF;
            int minor = start[7] & 0xFF;
            int lengthField = switch (major) {
                case 1 -> 2;
                case 2, 3 -> 4;
                default -> throw new NpyFormatException(file, "unsupported .npy version " + major + "." + minor);
            };
            byte[] rest = in.readNBytes(lengthField - 2);
            if (rest.length != lengthField - 2) {
                throw new NpyFormatException(file, "truncated header");
            }
            ByteBuffer length = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN)
                    .put(start, 8, 2).put(rest).put(new byte[4 - lengthField]).flip();
            long headerLength = Integer.toUnsignedLong(length.getInt());
            long prefixLength = MAGIC.length + 2 + lengthField + headerLength;
            if (prefixLength > Integer.MAX_VALUE - 16) {
                throw new NpyFormatException(file, "bad header: it declares an implausible length of " + headerLength + " bytes");
            }
            if (prefixLength > size) {
                throw new NpyFormatException(file, "truncated header: it declares " + headerLength
                        + " bytes, the file holds " + (size - MAGIC.length - 2 - lengthField));
            }
            byte[] prefix = Arrays.copyOf(start, (int) prefixLength);
            System.arraycopy(rest, 0, prefix, MIN_PREFIX, rest.length);
            int headerStart = MIN_PREFIX + rest.length;
            if (in.readNBytes(prefix, headerStart, prefix.length - headerStart) != prefix.length - headerStart) {
                throw new NpyFormatException(file, "truncated header");
            }
            return prefix;
        }
    }

    private static NpyFile.Header parseHeader(Path file, byte[] prefix) throws NpyFormatException {
        try {
            return NpyFile.Header.Companion.read(ByteBuffer.wrap(prefix));
        } catch (RuntimeException e) {
            // The dict text helps more than the library's message alone ("null cannot be cast ...").
            String dict = new String(prefix, StandardCharsets.ISO_8859_1).substring(Math.min(prefix.length, 10)).strip();
            throw new NpyFormatException(file, "bad header " + abbreviate(dict) + ": " + describe(e), e);
        }
    }

    private static String descr(NpyFile.Header header) {
        ByteOrder order = header.getOrder();
        char orderChar = order == null ? '|' : order == ByteOrder.LITTLE_ENDIAN ? '<' : '>';
        return "" + orderChar + header.getType() + header.getBytes();
    }

    private static String describe(RuntimeException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static String abbreviate(String text) {
        String oneLine = text.replaceAll("\\s+", " ");
        return oneLine.length() <= 120 ? oneLine : oneLine.substring(0, 117) + "...";
    }

    /**
     * Writes a little-endian float32 array of {@code shape} atomically, as {@link AtomicFile} writes: nothing appears at
     * {@code target} on failure, a symbolic link is written through, and a target that is not a regular file is refused.
     */
    public static void writeFloat32(Path target, int[] shape, float[] data) throws IOException {
        AtomicFile.write(target, float32(shape, data));
    }

    /** A little-endian float32 array of {@code shape} as {@link AtomicFile} content, for outputs staged together. */
    public static AtomicFile.Content float32(int[] shape, float[] data) {
        requireElements(shape, data.length);
        return file -> NpyFile.write(file, data, shape, ByteOrder.LITTLE_ENDIAN);
    }

    /** Writes a little-endian int32 array of {@code shape} atomically. */
    public static void writeInt32(Path target, int[] shape, int[] data) throws IOException {
        requireElements(shape, data.length);
        AtomicFile.write(target, tmp -> NpyFile.write(tmp, data, shape, ByteOrder.LITTLE_ENDIAN));
    }

    private static void requireElements(int[] shape, int length) {
        if (NpyTensor.elements(shape) != length) {
            throw new IllegalArgumentException("shape " + NpyTensor.shapeText(shape) + " holds "
                    + NpyTensor.elements(shape) + " elements, the data " + length);
        }
    }
}
