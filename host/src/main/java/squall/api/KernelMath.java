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

    public static int max(int a, int b) {
        return Math.max(a, b);
    }

    public static int min(int a, int b) {
        return Math.min(a, b);
    }
}
