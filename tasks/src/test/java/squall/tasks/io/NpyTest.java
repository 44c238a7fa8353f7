package squall.tasks.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import squall.tasks.TestVectors;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NpyTest {

    @TempDir
    Path tmp;

    static List<TestVectors.Case> cases() {
        return TestVectors.cases();
    }

    @ParameterizedTest
    @MethodSource("cases")
    void readsEveryTestVectorWithTheShapesItsMetaGives(TestVectors.Case c) throws IOException {
        int B = c.meta("B"), Hq = c.meta("Hq"), Hkv = c.meta("Hkv"), D = c.meta("D"), Tq = c.meta("Tq"), S = c.meta("S");
        NpyTensor q = Npy.read(c.file("q.npy"));
        assertTrue(q.isFloat32(), q.toString());
        assertArrayEquals(new int[] {B, Hq, Tq, D}, q.shape());
        assertEquals(q.elements(), q.floats().length);
        for (String kv : List.of("k.npy", "v.npy")) {
            NpyTensor t = Npy.read(c.file(kv));
            assertTrue(t.isFloat32(), t.toString());
            assertArrayEquals(new int[] {B, Hkv, S, D}, t.shape());
        }
        NpyTensor out = Npy.read(c.file("out.npy"));
        assertArrayEquals(q.shape(), out.shape());
        if (c.hasKvMap()) {
            NpyTensor map = Npy.read(c.file("kv_map.npy"));
            assertTrue(map.isInt32(), map.toString());
            int[] expected = new int[Hq];
            for (int h = 0; h < Hq; h++) {
                expected[h] = c.meta().get("kv_map").get(h).asInt();
            }
            assertArrayEquals(expected, map.ints());
        }
    }

    @Test
    void readsTheDataNotJustTheShape() throws IOException {
        // The first float of a vector file, decoded by hand from the bytes after the header.
        Path file = TestVectors.attentionDir().resolve("mha_decode_d64_s100/q.npy");
        byte[] bytes = Files.readAllBytes(file);
        int headerLength = ByteBuffer.wrap(bytes, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort();
        ByteBuffer data = ByteBuffer.wrap(bytes, 10 + headerLength, 8).order(ByteOrder.LITTLE_ENDIAN);
        float[] q = Npy.read(file).floats();
        assertEquals(data.getFloat(), q[0]);
        assertEquals(data.getFloat(), q[1]);
    }

    @Test
    void writesLittleEndianFloat32VersionOneThatReadsBack() throws IOException {
        float[] data = {1.5f, -2f, 3.25f, Float.MIN_VALUE, 0f, 1e30f};
        Path file = tmp.resolve("a.npy");
        Npy.writeFloat32(file, new int[] {2, 3}, data);
        byte[] bytes = Files.readAllBytes(file);
        assertEquals(1, bytes[6], "major version");
        assertEquals(0, bytes[7], "minor version");
        String header = new String(bytes, 10, bytes.length - 10 - 24, StandardCharsets.US_ASCII);
        assertTrue(header.contains("'descr': '<f4'"), header);
        assertTrue(header.contains("'fortran_order': False"), header);
        assertEquals(1.5f, ByteBuffer.wrap(bytes, bytes.length - 24, 4).order(ByteOrder.LITTLE_ENDIAN).getFloat());

        NpyTensor back = Npy.read(file);
        assertArrayEquals(new int[] {2, 3}, back.shape());
        assertArrayEquals(data, back.floats());
    }

    @Test
    void writesInt32ThatReadsBack() throws IOException {
        Path file = tmp.resolve("m.npy");
        Npy.writeInt32(file, new int[] {4}, new int[] {0, 0, 3, -1});
        NpyTensor back = Npy.read(file);
        assertTrue(back.isInt32());
        assertEquals("(4,)", back.shapeText());
        assertArrayEquals(new int[] {0, 0, 3, -1}, back.ints());
    }

    @Test
    void writeReplacesAnExistingFileAndLeavesNoTemporaryFile() throws IOException {
        Path file = tmp.resolve("out.npy");
        Files.writeString(file, "old");
        Npy.writeFloat32(file, new int[] {1}, new float[] {7f});
        assertArrayEquals(new float[] {7f}, Npy.read(file).floats());
        try (Stream<Path> files = Files.list(tmp)) {
            assertEquals(List.of(file), files.toList());
        }
    }

    @Test
    void failedWriteLeavesNothing() throws IOException {
        Path file = tmp.resolve("out.npy");
        assertThrows(IllegalArgumentException.class, () -> Npy.writeFloat32(file, new int[] {2, 2}, new float[3]));
        try (Stream<Path> files = Files.list(tmp)) {
            assertEquals(List.of(), files.toList());
        }
    }

    // ---- damaged files: each must be rejected with a message saying what is wrong ----

    private Path valid() throws IOException {
        Path file = tmp.resolve("valid.npy");
        Files.copy(TestVectors.attentionDir().resolve("mha_decode_d64_s100/q.npy"), file);
        return file;
    }

    private Path damaged(byte[] bytes) throws IOException {
        Path file = tmp.resolve("damaged.npy");
        Files.write(file, bytes);
        return file;
    }

    private Path withHeaderText(String from, String to) throws IOException {
        byte[] bytes = Files.readAllBytes(valid());
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        assertTrue(text.contains(from), from);
        assertEquals(from.length(), to.length(), "keep the header length");
        return damaged(text.replace(from, to).getBytes(StandardCharsets.ISO_8859_1));
    }

    private static String rejected(Path file) {
        NpyFormatException e = assertThrows(NpyFormatException.class, () -> Npy.read(file));
        assertEquals(file, e.file());
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        return e.getMessage();
    }

    @Test
    void rejectsTruncatedData() throws IOException {
        byte[] bytes = Files.readAllBytes(valid());
        String message = rejected(damaged(Arrays.copyOf(bytes, bytes.length - 4)));
        assertTrue(message.contains("truncated"), message);
        assertTrue(message.contains("(1, 4, 1, 64)"), message);
    }

    @Test
    void rejectsDataWithNothingButAHeader() throws IOException {
        byte[] bytes = Files.readAllBytes(valid());
        int headerEnd = 10 + ByteBuffer.wrap(bytes, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort();
        assertTrue(rejected(damaged(Arrays.copyOf(bytes, headerEnd))).contains("truncated"));
    }

    @Test
    void rejectsTruncatedHeader() throws IOException {
        byte[] bytes = Files.readAllBytes(valid());
        assertTrue(rejected(damaged(Arrays.copyOf(bytes, 40))).contains("truncated header"));
    }

    @Test
    void rejectsTrailingBytes() throws IOException {
        byte[] bytes = Files.readAllBytes(valid());
        assertTrue(rejected(damaged(Arrays.copyOf(bytes, bytes.length + 4))).contains("4 bytes after the end of the data"));
    }

    @Test
    void rejectsBadMagic() throws IOException {
        byte[] bytes = Files.readAllBytes(valid());
        bytes[1] = 'X';
        assertTrue(rejected(damaged(bytes)).contains("bad magic"));
    }

    @Test
    void rejectsATextFile() throws IOException {
        assertTrue(rejected(damaged("B,Hq,Tq,D\n1,4,1,64\n".getBytes(StandardCharsets.US_ASCII))).contains("bad magic"));
    }

    @Test
    void rejectsAFileTooShortForAHeader() throws IOException {
        assertTrue(rejected(damaged(new byte[] {(byte) 0x93, 'N', 'U'})).contains("too short"));
    }

    @Test
    void rejectsAnUnknownVersion() throws IOException {
        byte[] bytes = Files.readAllBytes(valid());
        bytes[6] = 9;
        assertTrue(rejected(damaged(bytes)).contains("unsupported .npy version 9.0"));
    }

    @Test
    void rejectsFortranOrder() throws IOException {
        String message = rejected(withHeaderText("'fortran_order': False", "'fortran_order': True "));
        assertTrue(message.contains("Fortran"), message);
    }

    @Test
    void rejectsAHeaderWithoutDescr() throws IOException {
        String message = rejected(withHeaderText("'descr'", "'dtype'"));
        assertTrue(message.contains("bad header"), message);
    }

    @Test
    void rejectsAMalformedShape() throws IOException {
        String message = rejected(withHeaderText("'shape': (1, 4, 1, 64)", "'shape': (1, 4, x, 64)"));
        assertTrue(message.contains("bad header"), message);
    }

    @Test
    void rejectsAHeaderThatIsNotADict() throws IOException {
        byte[] bytes = Files.readAllBytes(valid());
        int headerLength = ByteBuffer.wrap(bytes, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort();
        Arrays.fill(bytes, 10, 10 + headerLength, (byte) '#');
        assertTrue(rejected(damaged(bytes)).contains("bad header"));
    }

    /** A version 1.0 file with this header dict and {@code dataBytes} zero bytes of data. */
    private Path crafted(String dict, int dataBytes) throws IOException {
        String header = dict + " ".repeat((64 - (10 + dict.length() + 1) % 64) % 64) + "\n";
        ByteBuffer b = ByteBuffer.allocate(10 + header.length() + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0)
                .putShort((short) header.length()).put(header.getBytes(StandardCharsets.ISO_8859_1));
        return damaged(b.array());
    }

    @Test
    void rejectsAShapeWhoseProductWrapsToZero() throws IOException {
        // 65536^4 = 2^64: a long product wraps to 0, which passed for an empty array that needs no data
        String message = rejected(crafted("{'descr': '<f4', 'fortran_order': False, 'shape': (65536, 65536, 65536, 65536), }", 0));
        assertTrue(message.contains("holds more than 2^63 elements, more than one Java array can"), message);
    }

    @Test
    void rejectsAShapeWhoseProductWrapsPast2To63() throws IOException {
        String message = rejected(crafted("{'descr': '<f4', 'fortran_order': False, 'shape': (2147483647, 2147483647,"
                + " 2147483647, 3), }", 0));
        assertTrue(message.contains("more than 2^63 elements"), message);
        message = rejected(crafted("{'descr': '<f4', 'fortran_order': False, 'shape': (46341, 46341), }", 0));
        assertTrue(message.contains("holds 2147488281 elements, more than one Java array can"), message);
    }

    @Test
    void missingFileIsAnIoErrorNotAFormatError() {
        IOException e = assertThrows(IOException.class, () -> Npy.read(tmp.resolve("none.npy")));
        assertFalse(e instanceof NpyFormatException);
    }

    @Test
    void namesPositionsAsMultiDimensionalIndices() {
        NpyTensor t = new NpyTensor(new int[] {2, 3, 4}, "<f4", new float[24]);
        assertEquals("[0, 0, 0]", t.indexText(0));
        assertEquals("[1, 2, 3]", t.indexText(23));
        assertEquals("[1, 0, 1]", t.indexText(13));
        assertEquals("float32 (2, 3, 4)", t.toString());
    }
}
