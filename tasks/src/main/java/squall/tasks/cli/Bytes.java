package squall.tasks.cli;

import java.util.Locale;

/**
 * How squall prints a count of bytes, in binary units (KiB = 1024 bytes), for the commands and the profile reports
 * alike. Three forms, for three places: {@link #binary} where a figure is read off a line ({@code 512.0 MiB}),
 * {@link #brief} in a report's prose and tables ({@code 512 MiB}, {@code 1.5 GiB}), {@link #exact} where the exact
 * count matters and the unit helps to read it ({@code 1,024 bytes (1.0 KiB)}).
 *
 * <pre>{@code
 * Bytes.binary(536_870_912L);   // "512.0 MiB"
 * Bytes.brief(1_610_612_736L);  // "1.5 GiB"
 * Bytes.exact(1024);            // "1,024 bytes (1.0 KiB)"
 * }</pre>
 */
public final class Bytes {

    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

    private Bytes() {
    }

    /** {@code 512.0 MiB}, {@code 1.5 GiB}: one decimal; below a KiB, the bytes ({@code 100 B}). */
    public static String binary(long bytes) {
        Scaled s = Scaled.of(bytes);
        return s.unit == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.1f %s", s.value, UNITS[s.unit]);
    }

    /** {@code 64 MiB}, {@code 1.5 GiB}, {@code 512 KiB}: one decimal below 10 units, none above or for a whole number. */
    public static String brief(long bytes) {
        Scaled s = Scaled.of(bytes);
        String number = String.format(Locale.ROOT, Math.abs(s.value) >= 10 || s.unit == 0 ? "%.0f" : "%.1f", s.value);
        return (number.endsWith(".0") ? number.substring(0, number.length() - 2) : number) + " " + UNITS[s.unit];
    }

    /** {@code 1,024 bytes (1.0 KiB)}; below a KiB the count alone ({@code 100 bytes}). */
    public static String exact(long bytes) {
        return String.format(Locale.ROOT, "%,d bytes", bytes) + (bytes >= 1024 ? " (" + binary(bytes) + ")" : "");
    }

    /** {@code bytes} as a number of the largest unit it reaches. */
    private record Scaled(double value, int unit) {
        static Scaled of(long bytes) {
            double value = bytes;
            int unit = 0;
            while (Math.abs(value) >= 1024 && unit < UNITS.length - 1) {
                value /= 1024;
                unit++;
            }
            return new Scaled(value, unit);
        }
    }
}
