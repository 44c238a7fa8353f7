package squall.tasks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the test vectors' {@code .npy} files (version 1.0, little-endian {@code <f4} or {@code <i4},
 * C order); only what these tests need until the project has its own npy IO.
 */
final class MinimalNpy {

    private static final Pattern DESCR = Pattern.compile("'descr':\\s*'([^']+)'");
    private static final Pattern SHAPE = Pattern.compile("'shape':\\s*\\(([^)]*)\\)");

    private MinimalNpy() {
    }

    static float[] floats(Path file) throws IOException {
        ByteBuffer data = data(file, "<f4");
        float[] values = new float[data.remaining() / 4];
        data.asFloatBuffer().get(values);
        return values;
    }

    static int[] ints(Path file) throws IOException {
        ByteBuffer data = data(file, "<i4");
        int[] values = new int[data.remaining() / 4];
        data.asIntBuffer().get(values);
        return values;
    }

    private static ByteBuffer data(Path file, String dtype) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.get(0) != (byte) 0x93 || !new String(bytes.array(), 1, 5, StandardCharsets.US_ASCII).equals("NUMPY")) {
            throw new IOException(file + " is not an .npy file");
        }
        if (bytes.get(6) != 1) {
            throw new IOException(file + ": npy version " + bytes.get(6) + " (expected 1)");
        }
        int headerLength = Short.toUnsignedInt(bytes.getShort(8));
        String header = new String(bytes.array(), 10, headerLength, StandardCharsets.US_ASCII);
        Matcher descr = DESCR.matcher(header);
        if (!descr.find() || !descr.group(1).equals(dtype) || header.contains("'fortran_order': True")) {
            throw new IOException(file + ": expected C-order " + dtype + ", header " + header.strip());
        }
        Matcher shape = SHAPE.matcher(header);
        if (!shape.find()) {
            throw new IOException(file + ": no shape in header " + header.strip());
        }
        long elements = 1;
        for (String dim : shape.group(1).split(",")) {
            if (!dim.isBlank()) {
                elements *= Long.parseLong(dim.strip());
            }
        }
        int start = 10 + headerLength;
        if (bytes.capacity() - start != elements * 4) {
            throw new IOException(file + ": " + (bytes.capacity() - start) + " data bytes for shape (" + shape.group(1) + ")");
        }
        return bytes.position(start).slice().order(ByteOrder.LITTLE_ENDIAN);
    }
}
