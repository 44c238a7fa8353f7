package squall.api;

/**
 * Single-precision math for kernels, in the spirit of TornadoVM's {@code TornadoMath}: each
 * function maps to the device's float built-in ({@code exp}, {@code sqrt}, {@code fmax}...) and,
 * on the JVM, to the double-precision {@link Math} function rounded to float. Device built-ins may
 * differ from the JVM result by a few ulp; {@link Math} calls on float arguments whose result is
 * immediately cast to {@code float} are mapped the same way.
 */
public final class KernelMath {

    private KernelMath() {
    }

    public static float exp(float x) {
        return (float) Math.exp(x);
    }

    public static float log(float x) {
        return (float) Math.log(x);
    }

    public static float sqrt(float x) {
        return (float) Math.sqrt(x);
    }

    public static float rsqrt(float x) {
        return (float) (1.0 / Math.sqrt(x));
    }

    public static float max(float a, float b) {
        return Math.max(a, b);
    }

    public static float min(float a, float b) {
        return Math.min(a, b);
    }

    public static float abs(float x) {
        return Math.abs(x);
    }

    /** {@code a * b + c} rounded once. */
    public static float fma(float a, float b, float c) {
        return Math.fma(a, b, c);
    }

    /**
     * Widens {@code n} fp16 values into {@code out[outOffset..outOffset+n)}, starting at half {@code halfOffset} of
     * {@code packed}, which holds two halves per int, the lower-numbered in the low 16 bits (how squall's KV caches
     * store fp16). Each value is {@link Float#float16ToFloat}'s. On OpenCL devices this is {@code vload_half8}, eight
     * values a time where the run starts on an eight-half boundary: far faster than widening one value at a time
     * with integer arithmetic on CPUs, which spent more on converting an fp16 cache than on reading it.
     *
     * <pre>{@code
     * KernelMath.widenHalves(kCache, row * D, keyRow, 0, D);  // one cached key row, as floats
     * }</pre>
     */
    public static void widenHalves(int[] packed, int halfOffset, float[] out, int outOffset, int n) {
        int i = 0;
        if ((halfOffset & 1) == 1 && n > 0) {
            out[outOffset] = Float.float16ToFloat((short) (packed[halfOffset >> 1] >>> 16));
            i = 1;
        }
        // Then a word, two halves, at a time: the JIT turns each conversion into one F16C instruction.
        int word = (halfOffset + i) >> 1;
        for (; i + 1 < n; i += 2, word++) {
            int bits = packed[word];
            out[outOffset + i] = Float.float16ToFloat((short) bits);
            out[outOffset + i + 1] = Float.float16ToFloat((short) (bits >>> 16));
        }
        if (i < n) {
            out[outOffset + i] = Float.float16ToFloat((short) packed[word]);
        }
    }

    public static int max(int a, int b) {
        return Math.max(a, b);
    }

    public static int min(int a, int b) {
        return Math.min(a, b);
    }
}
