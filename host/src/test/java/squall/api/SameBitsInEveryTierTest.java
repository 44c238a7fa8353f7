package squall.api;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The JVM's order-free operations give the same bits whether the interpreter or C2 runs them: a child JVM run with
 * {@code -Xint} (the Vector API's Java fallbacks) and this JVM, after enough calls for C2 to compile them, hash the
 * same results. With the JDK's {@code reduceLanes(ADD)} or lanewise {@code EXP} the two differ (lane order against a
 * tree; Math.exp against SVML), so an output changed by an ulp as the JIT warmed up.
 */
class SameBitsInEveryTierTest {

    /** A hash of every operation's results on fixed inputs; run {@code reps} times so that C2 compiles them. */
    static long resultsHash(int reps) {
        SplittableRandom random = new SplittableRandom(7);
        int n = 128, rows = 4, cols = 64;
        float[] a = new float[rows * n], y = new float[rows * n], scores = new float[rows * cols];
        int[] packed = new int[cols * n];
        for (int i = 0; i < a.length; i++) {
            a[i] = (float) random.nextGaussian();
        }
        for (int i = 0; i < packed.length; i++) {
            packed[i] = Float.floatToRawIntBits((float) random.nextGaussian());
        }
        int[] halves = new int[cols * n / 2];
        for (int i = 0; i < halves.length; i++) {
            halves[i] = (Float.floatToFloat16((float) random.nextGaussian()) & 0xffff)
                    | Float.floatToFloat16((float) random.nextGaussian()) << 16;
        }
        long hash = 0;
        float[] second = new float[rows * cols];
        for (int rep = 0; rep < reps; rep++) {
            java.util.Arrays.fill(y, 0f);
            KernelMath.dotRows(a, 0, rows, packed, 0, KernelMath.FLOAT_BITS, cols, n, scores, 0, cols);
            float sum = 0;
            for (int r = 0; r < rows; r++) {
                float max = KernelMath.maxOf(scores, r * cols, cols);
                sum += KernelMath.sumOf(scores, r * cols, cols) + KernelMath.exponentiate(scores, r * cols, cols, max);
            }
            KernelMath.axpyRows(scores, 0, cols, rows, packed, 0, KernelMath.FLOAT_BITS, cols, n, y, 0);
            KernelMath.axpyRows(scores, 0, cols, rows, halves, 0, KernelMath.HALF, cols, n, y, 0);
            KernelMath.dotRows(y, 0, rows, halves, 0, KernelMath.HALF, cols, n, second, 0, cols);
            hash = Float.floatToRawIntBits(sum + KernelMath.dot(a, 0, y, 0, n));
            for (float[] values : new float[][] {scores, y, second}) {
                for (float v : values) {
                    hash = hash * 31 + Float.floatToRawIntBits(v);
                }
            }
        }
        return hash;
    }

    public static void main(String[] args) {
        System.out.println(resultsHash(1));
    }

    @Test
    void theInterpreterAndC2GiveTheSameBits() throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xint", "--add-modules", "jdk.incubator.vector", "-cp", System.getProperty("java.class.path"),
                SameBitsInEveryTierTest.class.getName()));
        Process child = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(child.waitFor(120, TimeUnit.SECONDS), "the -Xint child finishes");
        assertEquals(0, child.exitValue(), out);
        long compiled = resultsHash(20_000);
        assertEquals(Long.parseLong(out), compiled, "-Xint against C2");
    }
}
