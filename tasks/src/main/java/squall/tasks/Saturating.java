package squall.tasks;

/**
 * Long arithmetic that stops at {@link Long#MAX_VALUE} instead of wrapping, for sizes a user typed: an array that
 * would need more than 2^63 elements is too large, never small or negative.
 *
 * <pre>{@code
 * Saturating.product(1L << 40, 1L << 40);   // Long.MAX_VALUE
 * }</pre>
 */
public final class Saturating {

    private Saturating() {
    }

    /** The product of the factors (each >= 0), or {@link Long#MAX_VALUE} if it overflows. */
    public static long product(long... factors) {
        long p = 1;
        for (long f : factors) {
            try {
                p = Math.multiplyExact(p, f);
            } catch (ArithmeticException e) {
                return Long.MAX_VALUE;
            }
        }
        return p;
    }

    /** {@code a + b} (each >= 0), or {@link Long#MAX_VALUE} if it overflows. */
    public static long sum(long a, long b) {
        try {
            return Math.addExact(a, b);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }
}
