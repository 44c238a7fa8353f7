package squall.tasks.cli;

import squall.testing.Fifo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import squall.tasks.GqaConversionTest;
import squall.tasks.TestVectors;
import squall.tasks.io.Npy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What {@code attend --out} and {@code convert --out} do to what their paths name: a symbolic link is written
 * through (and stays a link), anything but a regular file is refused with exit 2 before anything runs, and is
 * left as it was.
 */
class OutputFilesTest {

    @TempDir
    Path tmp;

    private Path fifo(String name) throws IOException, InterruptedException {
        return Fifo.at(tmp.resolve(name));
    }

    private static boolean isFifo(Path path) throws IOException {
        return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther();
    }

    private static Cli.Result attend(Path out) {
        TestVectors.Case c = AttendCommandTest.vector("gqa4_decode_d64_s300");
        return Cli.run(AttendCommandTest.args(c, out).toArray(String[]::new));
    }

    @Test
    void attendRefusesAFifoAndLeavesIt() throws Exception {
        Path pipe = fifo("out.npy");
        Cli.Result result = attend(pipe);
        assertEquals(2, result.status(), result::toString);
        assertEquals(1, result.errLines().length, result::toString);
        assertTrue(result.err().startsWith("squall attend: --out: "), result::toString);
        assertTrue(result.err().contains("is a FIFO, not a regular file"), result::toString);
        assertTrue(isFifo(pipe), "the FIFO is still a FIFO");
    }

    @Test
    void attendRefusesALinkToAFifo() throws Exception {
        Path pipe = fifo("pipe");
        Path link = Files.createSymbolicLink(tmp.resolve("out.npy"), pipe.getFileName());
        Cli.Result result = attend(link);
        assertEquals(2, result.status(), result::toString);
        assertTrue(Files.isSymbolicLink(link) && isFifo(pipe));
    }

    @Test
    void attendWritesThroughASymbolicLink() throws Exception {
        Path real = Files.createDirectory(tmp.resolve("elsewhere")).resolve("real.npy");
        Path link = Files.createSymbolicLink(tmp.resolve("out.npy"), real);
        Cli.Result result = attend(link);
        assertEquals(0, result.status(), result::toString);
        assertTrue(Files.isSymbolicLink(link), "the link is still a link");
        TestVectors.Case c = AttendCommandTest.vector("gqa4_decode_d64_s300");
        assertTrue(AttendCommandTest.relativeL2(Npy.read(real).floats(), Npy.read(c.file("out.npy")).floats()) < 1e-5);
    }

    /** Converts hand-made 8 x 3 weights (4 heads of 2) to 2 KV heads into {@code out}. */
    private Cli.Result convert(Path out) throws IOException {
        Path k = tmp.resolve("k.npy"), v = tmp.resolve("v.npy");
        Npy.writeFloat32(k, new int[] {8, 3}, GqaConversionTest.handMade());
        Npy.writeFloat32(v, new int[] {8, 3}, GqaConversionTest.handMade());
        return Cli.run("convert", "--k", k.toString(), "--v", v.toString(), "--kv-heads", "2", "--head-dim", "2",
                "--out", out.toString());
    }

    @Test
    void convertRefusesAFifoWithoutWritingTheOtherFile() throws Exception {
        Path out = Files.createDirectory(tmp.resolve("gqa"));
        Path pipe = fifo("gqa/v_proj.npy");
        Cli.Result result = convert(out);
        assertEquals(2, result.status(), result::toString);
        assertTrue(result.err().contains("--out: ") && result.err().contains("is a FIFO"), result::toString);
        assertTrue(isFifo(pipe));
        try (var files = Files.list(out)) {
            assertEquals(List.of(pipe), files.toList(), "k_proj.npy was not written either");
        }
    }

    @Test
    void convertWritesThroughSymbolicLinks() throws Exception {
        Path out = Files.createDirectory(tmp.resolve("gqa"));
        Path store = Files.createDirectory(tmp.resolve("store"));
        Files.createSymbolicLink(out.resolve("k_proj.npy"), store.resolve("k.npy"));
        Cli.Result result = convert(out);
        assertEquals(0, result.status(), result::toString);
        assertTrue(Files.isSymbolicLink(out.resolve("k_proj.npy")));
        assertArrayEquals(new int[] {4, 3}, Npy.read(store.resolve("k.npy")).shape(), "the pooled K went where the link leads");
        assertTrue(Files.isRegularFile(out.resolve("v_proj.npy"), LinkOption.NOFOLLOW_LINKS));
    }
}
