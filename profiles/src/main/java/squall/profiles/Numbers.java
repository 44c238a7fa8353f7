package squall.profiles;

import java.util.Locale;

/** How reports print numbers: about three significant digits, the same on every machine. */
final class Numbers {

    private Numbers() {
    }

    /** {@code 1234}, {@code 12.3}, {@code 1.23}, {@code 0.0123}; empty for NaN. */
    static String fmt(double x) {
        if (Double.isNaN(x)) {
            return "";
        }
        if (Double.isInfinite(x)) {
            return x > 0 ? "inf" : "-inf";
        }
        double a = Math.abs(x);
        if (a >= 100 || a == 0) {
            return String.format(Locale.ROOT, "%.0f", x);
        }
        if (a >= 10) {
            return String.format(Locale.ROOT, "%.1f", x);
        }
        if (a >= 1) {
            return String.format(Locale.ROOT, "%.2f", x);
        }
        return String.format(Locale.ROOT, "%.3g", x);
    }

    /** {@code 29.7 (29.1–31.0)}: a median with the smallest and largest value; the median alone when they are equal. */
    static String spread(double median, double min, double max) {
        if (Double.isNaN(median)) {
            return "";
        }
        String low = fmt(min), high = fmt(max);
        return low.equals(high) ? fmt(median) : fmt(median) + " (" + low + "–" + high + ")";
    }

    /** {@code 61 %}, {@code 4.5 %}; empty for NaN. */
    static String percent(double x) {
        if (Double.isNaN(x)) {
            return "";
        }
        return String.format(Locale.ROOT, Math.abs(x) >= 10 ? "%.0f %%" : "%.1f %%", x);
    }

    /** {@code 2.1e-08}; empty for {@code null}. */
    static String error(Double x) {
        return x == null ? "" : String.format(Locale.ROOT, "%.1e", x);
    }

    /** {@code 0.26×}. */
    static String ratio(double x) {
        return Double.isNaN(x) ? "" : String.format(Locale.ROOT, "%.2f×", x);
    }
}
