package squall.kernels;

import squall.api.Kernel;
import squall.api.KernelMath;
import squall.api.Parallel;
import squall.api.Specialize;

/** Kernels that measure a device rather than compute attention. */
public final class ProbeKernels {

    /** Floats {@link #readRuns} and {@link #readInterleaved} add per pass of their loops, each into a sum of its own. */
    public static final int SUMS = 16;
    /** Independent fused multiply-add chains of each {@link #fmaChains} work-item. */
    public static final int CHAINS = 12;
    /** Fused multiply-adds of each {@link #fmaChains} chain per round. */
    public static final int FMAS_PER_ROUND = 8;

    private ProbeKernels() {
    }

    /** {@code to = from}: one read and one write per element. */
    @Kernel
    public static void copy(float[] from, float[] to) {
        for (@Parallel int i = 0; i < to.length; i++) {
            to[i] = from[i];
        }
    }

    /**
     * {@code sums[w]} = the sum of {@code data[w * run, (w + 1) * run)}: each work-item streams a contiguous run, the
     * way a CPU core reads its slice of a KV cache. {@value #SUMS} independent sums keep scalar code from waiting on
     * the latency of each addition (Java's order within each sum, so compilers may not reorder them into vectors, but
     * a core overlaps them); {@code run} is a multiple of {@value #SUMS}.
     */
    @Kernel
    public static void readRuns(float[] data, float[] sums, int run) {
        for (@Parallel int w = 0; w < sums.length; w++) {
            float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f, s4 = 0f, s5 = 0f, s6 = 0f, s7 = 0f;
            float s8 = 0f, s9 = 0f, s10 = 0f, s11 = 0f, s12 = 0f, s13 = 0f, s14 = 0f, s15 = 0f;
            for (int i = w * run; i < (w + 1) * run; i += SUMS) {
                s0 += data[i];
                s1 += data[i + 1];
                s2 += data[i + 2];
                s3 += data[i + 3];
                s4 += data[i + 4];
                s5 += data[i + 5];
                s6 += data[i + 6];
                s7 += data[i + 7];
                s8 += data[i + 8];
                s9 += data[i + 9];
                s10 += data[i + 10];
                s11 += data[i + 11];
                s12 += data[i + 12];
                s13 += data[i + 13];
                s14 += data[i + 14];
                s15 += data[i + 15];
            }
            sums[w] = sumOfSixteen(s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, s12, s13, s14, s15);
        }
    }

    /**
     * {@code sums[w]} = the sum of {@code data[w + k * ITEMS]} over every {@code k}, {@code ITEMS = sums.length}:
     * adjacent work-items read adjacent floats, the way a GPU's threads coalesce their loads. {@code data.length} is a
     * multiple of {@code SUMS * ITEMS}.
     */
    @Kernel
    public static void readInterleaved(float[] data, float[] sums, @Specialize int ITEMS) {
        for (@Parallel int w = 0; w < ITEMS; w++) {
            float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f, s4 = 0f, s5 = 0f, s6 = 0f, s7 = 0f;
            float s8 = 0f, s9 = 0f, s10 = 0f, s11 = 0f, s12 = 0f, s13 = 0f, s14 = 0f, s15 = 0f;
            for (int i = w; i < data.length; i += SUMS * ITEMS) {
                s0 += data[i];
                s1 += data[i + ITEMS];
                s2 += data[i + 2 * ITEMS];
                s3 += data[i + 3 * ITEMS];
                s4 += data[i + 4 * ITEMS];
                s5 += data[i + 5 * ITEMS];
                s6 += data[i + 6 * ITEMS];
                s7 += data[i + 7 * ITEMS];
                s8 += data[i + 8 * ITEMS];
                s9 += data[i + 9 * ITEMS];
                s10 += data[i + 10 * ITEMS];
                s11 += data[i + 11 * ITEMS];
                s12 += data[i + 12 * ITEMS];
                s13 += data[i + 13 * ITEMS];
                s14 += data[i + 14 * ITEMS];
                s15 += data[i + 15 * ITEMS];
            }
            sums[w] = sumOfSixteen(s0, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, s12, s13, s14, s15);
        }
    }

    /**
     * The sixteen sums in a tree whose first level pairs {@code s[t]} with {@code s[t + 8]}: PoCL's SLP vectoriser then
     * keeps {@code s[t], s[t + 1]} in the lanes of one register, fed by one 8-byte load (with adjacent sums paired
     * first it builds every pair from two scalar loads).
     */
    static float sumOfSixteen(float s0, float s1, float s2, float s3, float s4, float s5, float s6, float s7,
                              float s8, float s9, float s10, float s11, float s12, float s13, float s14, float s15) {
        return (((s0 + s8) + (s4 + s12)) + ((s2 + s10) + (s6 + s14))) + (((s1 + s9) + (s5 + s13)) + ((s3 + s11) + (s7 + s15)));
    }

    /**
     * {@value #CHAINS} independent chains of fused multiply-adds per work-item, {@code a = a * m + c}, each
     * {@code FMAS_PER_ROUND * ROUNDS} long, starting from {@code (w & 255) + chain}; {@code out[w]} = the sum of the
     * chains' ends. Independent chains keep a core's FMA units busy. The round is written out, chain after chain
     * for each step, and with {@code ROUNDS = 1} the compiled body has no loop: PoCL then runs adjacent work-items
     * in the lanes of one vector (it does not when a work-item loops). A GPU takes more rounds. {@code m} and
     * {@code c} are arguments, so no compiler can fold an FMA by 1 into an addition.
     */
    @Kernel
    public static void fmaChains(float[] out, @Specialize int ROUNDS, float m, float c) {
        for (@Parallel int w = 0; w < out.length; w++) {
            float a0 = w & 255;
            float a1 = a0 + 1f;
            float a2 = a0 + 2f;
            float a3 = a0 + 3f;
            float a4 = a0 + 4f;
            float a5 = a0 + 5f;
            float a6 = a0 + 6f;
            float a7 = a0 + 7f;
            float a8 = a0 + 8f;
            float a9 = a0 + 9f;
            float a10 = a0 + 10f;
            float a11 = a0 + 11f;
            for (int r = 0; r < ROUNDS; r++) {
                a0 = KernelMath.fma(a0, m, c);
                a1 = KernelMath.fma(a1, m, c);
                a2 = KernelMath.fma(a2, m, c);
                a3 = KernelMath.fma(a3, m, c);
                a4 = KernelMath.fma(a4, m, c);
                a5 = KernelMath.fma(a5, m, c);
                a6 = KernelMath.fma(a6, m, c);
                a7 = KernelMath.fma(a7, m, c);
                a8 = KernelMath.fma(a8, m, c);
                a9 = KernelMath.fma(a9, m, c);
                a10 = KernelMath.fma(a10, m, c);
                a11 = KernelMath.fma(a11, m, c);
                a0 = KernelMath.fma(a0, m, c);
                a1 = KernelMath.fma(a1, m, c);
                a2 = KernelMath.fma(a2, m, c);
                a3 = KernelMath.fma(a3, m, c);
                a4 = KernelMath.fma(a4, m, c);
                a5 = KernelMath.fma(a5, m, c);
                a6 = KernelMath.fma(a6, m, c);
                a7 = KernelMath.fma(a7, m, c);
                a8 = KernelMath.fma(a8, m, c);
                a9 = KernelMath.fma(a9, m, c);
                a10 = KernelMath.fma(a10, m, c);
                a11 = KernelMath.fma(a11, m, c);
                a0 = KernelMath.fma(a0, m, c);
                a1 = KernelMath.fma(a1, m, c);
                a2 = KernelMath.fma(a2, m, c);
                a3 = KernelMath.fma(a3, m, c);
                a4 = KernelMath.fma(a4, m, c);
                a5 = KernelMath.fma(a5, m, c);
                a6 = KernelMath.fma(a6, m, c);
                a7 = KernelMath.fma(a7, m, c);
                a8 = KernelMath.fma(a8, m, c);
                a9 = KernelMath.fma(a9, m, c);
                a10 = KernelMath.fma(a10, m, c);
                a11 = KernelMath.fma(a11, m, c);
                a0 = KernelMath.fma(a0, m, c);
                a1 = KernelMath.fma(a1, m, c);
                a2 = KernelMath.fma(a2, m, c);
                a3 = KernelMath.fma(a3, m, c);
                a4 = KernelMath.fma(a4, m, c);
                a5 = KernelMath.fma(a5, m, c);
                a6 = KernelMath.fma(a6, m, c);
                a7 = KernelMath.fma(a7, m, c);
                a8 = KernelMath.fma(a8, m, c);
                a9 = KernelMath.fma(a9, m, c);
                a10 = KernelMath.fma(a10, m, c);
                a11 = KernelMath.fma(a11, m, c);
                a0 = KernelMath.fma(a0, m, c);
                a1 = KernelMath.fma(a1, m, c);
                a2 = KernelMath.fma(a2, m, c);
                a3 = KernelMath.fma(a3, m, c);
                a4 = KernelMath.fma(a4, m, c);
                a5 = KernelMath.fma(a5, m, c);
                a6 = KernelMath.fma(a6, m, c);
                a7 = KernelMath.fma(a7, m, c);
                a8 = KernelMath.fma(a8, m, c);
                a9 = KernelMath.fma(a9, m, c);
                a10 = KernelMath.fma(a10, m, c);
                a11 = KernelMath.fma(a11, m, c);
                a0 = KernelMath.fma(a0, m, c);
                a1 = KernelMath.fma(a1, m, c);
                a2 = KernelMath.fma(a2, m, c);
                a3 = KernelMath.fma(a3, m, c);
                a4 = KernelMath.fma(a4, m, c);
                a5 = KernelMath.fma(a5, m, c);
                a6 = KernelMath.fma(a6, m, c);
                a7 = KernelMath.fma(a7, m, c);
                a8 = KernelMath.fma(a8, m, c);
                a9 = KernelMath.fma(a9, m, c);
                a10 = KernelMath.fma(a10, m, c);
                a11 = KernelMath.fma(a11, m, c);
                a0 = KernelMath.fma(a0, m, c);
                a1 = KernelMath.fma(a1, m, c);
                a2 = KernelMath.fma(a2, m, c);
                a3 = KernelMath.fma(a3, m, c);
                a4 = KernelMath.fma(a4, m, c);
                a5 = KernelMath.fma(a5, m, c);
                a6 = KernelMath.fma(a6, m, c);
                a7 = KernelMath.fma(a7, m, c);
                a8 = KernelMath.fma(a8, m, c);
                a9 = KernelMath.fma(a9, m, c);
                a10 = KernelMath.fma(a10, m, c);
                a11 = KernelMath.fma(a11, m, c);
                a0 = KernelMath.fma(a0, m, c);
                a1 = KernelMath.fma(a1, m, c);
                a2 = KernelMath.fma(a2, m, c);
                a3 = KernelMath.fma(a3, m, c);
                a4 = KernelMath.fma(a4, m, c);
                a5 = KernelMath.fma(a5, m, c);
                a6 = KernelMath.fma(a6, m, c);
                a7 = KernelMath.fma(a7, m, c);
                a8 = KernelMath.fma(a8, m, c);
                a9 = KernelMath.fma(a9, m, c);
                a10 = KernelMath.fma(a10, m, c);
                a11 = KernelMath.fma(a11, m, c);
            }
            out[w] = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11));
        }
    }
}
