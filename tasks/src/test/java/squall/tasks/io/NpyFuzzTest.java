package squall.tasks.io;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The {@code .npy} reader against random files: headers of every shape, dtype, byte order, version and length,
 * data truncated, extended or exact, junk. Every read ends in an array that is exactly what was written, or in an
 * {@link NpyFormatException} naming the file in one line; never another exception, never an array from bytes that
 * do not hold it.
 */
class NpyFuzzTest {

    private static Path dir;

    @BeforeContainer
    static void folder() throws IOException {
        dir = Files.createTempDirectory("squall-npy-fuzz");
    }

    @AfterContainer
    static void removeFolder() throws IOException {
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        Files.delete(dir);
    }

    /**
     * One generated file.
     *
     * @param bytes    the whole file
     * @param shape    the shape the header states, when it is a well-formed little-endian float32 or int32 header
     * @param outcome  what the reader must do with it
     * @param elements the values of a well-formed float32 or int32 file (float bits or ints), else {@code null}
     */
    record Case(byte[] bytes, int[] shape, String descr, Outcome outcome, int[] elements, String how) {
        @Override
        public String toString() {
            return how + " (" + bytes.length + " bytes)";
        }
    }

    @Property(tries = 2000)
    void everyFileReadsBackExactlyOrFailsWithOneLineNamingIt(@ForAll("files") Case c) throws IOException {
        Path file = Files.write(dir.resolve("f.npy"), c.bytes());
        NpyTensor t;
        try {
            t = Npy.read(file);
        } catch (NpyFormatException e) {
            assertEquals(file, e.file());
            assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
            assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
            assertTrue(c.outcome() != Outcome.READ, c + " is well formed, yet: " + e.getMessage());
            net.jqwik.api.statistics.Statistics.collect("refused");
            return;
        } catch (RuntimeException | Error e) {
            fail(c + ": " + e, e);
            return;
        }
        net.jqwik.api.statistics.Statistics.collect("read");
        assertTrue(c.outcome() != Outcome.FAIL, c + " is damaged, yet it read as " + t);
        assertArrayEquals(c.shape(), t.shape(), c.toString());
        assertEquals(t.elements(), java.lang.reflect.Array.getLength(t.data()), c.toString());
        if (c.elements() != null) {
            int[] read = t.isFloat32() ? floatBits(t.floats()) : t.ints();
            assertArrayEquals(c.elements(), read, c.toString());
        }
    }

    private static int[] floatBits(float[] values) {
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Float.floatToRawIntBits(values[i]);
        }
        return bits;
    }

    @Provide
    Arbitrary<Case> files() {
        Arbitrary<int[]> shapes = Arbitraries.oneOf(
                Arbitraries.integers().between(0, 5).list().ofMaxSize(4),
                Arbitraries.of(0, 1, 2, 3, 7, 65536, 46341, Integer.MAX_VALUE).list().ofMaxSize(5))
                .map(l -> l.stream().mapToInt(Integer::intValue).toArray());
        Arbitrary<String> descrs = Arbitraries.of("<f4", "<i4", ">f4", ">i4", "|u1", "<f8", "<f2", "|b1", "<c8", "<U4",
                "f4", "<f4 ", "", "<x9");
        return Combinators.combine(shapes, descrs, Arbitraries.of(Damage.values()), Arbitraries.integers().between(0, 1 << 20),
                Arbitraries.longs()).as(NpyFuzzTest::file);
    }

    /** What the reader must do with a file. */
    enum Outcome {
        /** Damaged: an {@link NpyFormatException}. */
        FAIL,
        /** A well-formed header of a dtype squall does not compute with: read it or refuse it, but read it right. */
        EITHER,
        /** A well-formed float32 or int32 array: read exactly these values. */
        READ
    }

    /** What is wrong with a generated file, if anything. */
    enum Damage {
        NONE, NONE_VERSION_2, TRUNCATED_DATA, EXTRA_DATA, TRUNCATED_HEADER, BAD_MAGIC, BAD_VERSION, LENGTH_TOO_LONG,
        LENGTH_TOO_SHORT, FORTRAN, NO_SHAPE, SHAPE_NOT_A_TUPLE, NEGATIVE_DIMENSION, HUGE_DIMENSION, PRODUCT_WRAPS_TO_ZERO,
        JUNK_HEADER, JUNK_FILE
    }

    static Case file(int[] shape, String descr, Damage damage, int cut, long seed) {
        java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
        boolean fortran = damage == Damage.FORTRAN;
        String shapeText = switch (damage) {
            case NO_SHAPE -> null;
            case SHAPE_NOT_A_TUPLE -> "[" + Arrays.stream(shape).mapToObj(Integer::toString).collect(Collectors.joining(", ")) + "]";
            case NEGATIVE_DIMENSION -> "(" + (-1 - random.nextInt(5)) + ", 2)";
            case HUGE_DIMENSION -> "(4294967296, 1)";
            // 2^64 elements: a long product wraps to 0, and an empty file passed for an empty array
            case PRODUCT_WRAPS_TO_ZERO -> random.nextBoolean() ? "(65536, 65536, 65536, 65536)"
                    : "(256, 256, 256, 256, 256, 256, 256, 256)";
            default -> tuple(shape);
        };
        String dict = "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False")
                + (shapeText == null ? "" : ", 'shape': " + shapeText) + ", }";
        if (damage == Damage.JUNK_HEADER) {
            byte[] junk = new byte[1 + random.nextInt(60)];
            random.nextBytes(junk);
            dict = new String(junk, StandardCharsets.ISO_8859_1);
        }
        boolean v2 = damage == Damage.NONE_VERSION_2;
        int prefix = v2 ? 12 : 10;
        String header = dict + " ".repeat(Math.floorMod(64 - (prefix + dict.length() + 1), 64)) + "\n";
        long elements = 1;
        for (int d : shape) {
            try {
                elements = Math.multiplyExact(elements, d);
            } catch (ArithmeticException e) {
                elements = Long.MAX_VALUE;
            }
        }
        if (Arrays.stream(shape).anyMatch(d -> d == 0)) {
            elements = 0;
        }
        int itemSize = switch (descr) {
            case "<f4", ">f4", "<i4", ">i4", "<c8" -> descr.equals("<c8") ? 8 : 4;
            case "|u1", "|b1" -> 1;
            case "<f8" -> 8;
            case "<f2" -> 2;
            default -> 4;
        };
        long wanted = elements > 4096 ? 0 : elements * itemSize;
        int dataLength = (int) switch (damage) {
            case TRUNCATED_DATA -> wanted == 0 ? 0 : cut % wanted;
            case EXTRA_DATA -> wanted + 1 + cut % 16;
            default -> wanted;
        };
        byte[] data = new byte[dataLength];
        random.nextBytes(data);
        int headerLength = header.length();
        if (damage == Damage.LENGTH_TOO_LONG) {
            headerLength += 1 + cut % 200;
        } else if (damage == Damage.LENGTH_TOO_SHORT) {
            headerLength = cut % Math.max(1, dict.length()); // ends inside the dict
        }
        ByteBuffer b = ByteBuffer.allocate(prefix + header.length() + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) (v2 ? 2 : 1)).put((byte) 0);
        if (v2) {
            b.putInt(headerLength);
        } else {
            b.putShort((short) headerLength);
        }
        b.put(header.getBytes(StandardCharsets.ISO_8859_1)).put(data);
        byte[] bytes = b.array();
        switch (damage) {
            case TRUNCATED_HEADER -> bytes = Arrays.copyOf(bytes, cut % (prefix + header.length()));
            case BAD_MAGIC -> bytes[1 + cut % 5] ^= (byte) (1 + cut % 255);
            case BAD_VERSION -> bytes[6] = (byte) (4 + cut % 200);
            case JUNK_FILE -> {
                bytes = new byte[cut % 300];
                random.nextBytes(bytes);
            }
            default -> {
            }
        }
        // A 0-d array is refused: no squall input is one.
        boolean intact = (damage == Damage.NONE || damage == Damage.NONE_VERSION_2
                || (damage == Damage.TRUNCATED_DATA && wanted == 0)) && elements <= 4096 && shape.length > 0;
        Outcome outcome = !intact ? Outcome.FAIL : List.of("<f4", "<i4", ">f4", ">i4").contains(descr) ? Outcome.READ
                : Outcome.EITHER;
        int[] values = null;
        if (outcome == Outcome.READ) {
            values = new int[(int) elements];
            ByteBuffer.wrap(data).order(descr.startsWith(">") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(values);
        }
        return new Case(bytes, shape, descr, outcome, values, damage + " " + descr + " " + tuple(shape));
    }

    private static String tuple(int[] shape) {
        return shape.length == 1 ? "(" + shape[0] + ",)"
                : Arrays.stream(shape).mapToObj(Integer::toString).collect(Collectors.joining(", ", "(", ")"));
    }
}
