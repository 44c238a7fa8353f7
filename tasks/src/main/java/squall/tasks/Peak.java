package squall.tasks;

import squall.runtime.Device;
import squall.runtime.DeviceType;

import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Locale;
import java.util.Objects;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;

/**
 * A device's peak of one kind, read bandwidth in GB/s ({@link BandwidthProbe}) or fp32 FMA throughput in GFLOP/s
 * ({@link FmaProbe}): the higher of what a kernel on the device reached and, on CPU devices, what the JVM reached
 * on the host CPU itself, and which of the two set it. Reports that give a share of a peak name its {@link #setBy()}.
 *
 * <pre>{@code
 * Peak read = BandwidthProbe.peak(Devices.get("opencl:0"));
 * System.out.printf("%.1f GB/s, set by the %s probe%n", read.value(), read.setBy().label());
 * }</pre>
 *
 * @param value    the peak: the higher of {@code device} and {@code host}
 * @param setBy    which probe reached it
 * @param device   the figure of the kernel on the device
 * @param host     the figure of the JVM on the host CPU; NaN where not measured (a GPU's peak is its own)
 * @param measured when it was measured
 */
public record Peak(double value, Source setBy, double device, double host, LocalDate measured) {

    /** Which probe reached a peak. */
    public enum Source {
        /** A kernel on the device. */
        DEVICE("device"),
        /** The JVM on the host CPU, with the Vector API on every core. */
        HOST("host");

        private final String label;

        Source(String label) {
            this.label = label;
        }

        /** {@code device} or {@code host}, as reports print it. */
        public String label() {
            return label;
        }

        static Source parse(String label) {
            for (Source s : values()) {
                if (s.label.equals(label)) {
                    return s;
                }
            }
            throw new IllegalArgumentException("no probe source " + label);
        }
    }

    /** Timed runs a probe takes the best of, after one untimed run. */
    public static final int RUNS = 5;

    public Peak {
        Objects.requireNonNull(setBy, "setBy");
        Objects.requireNonNull(measured, "measured");
    }

    /** The higher of the two figures, the device's when they tie; {@code host} NaN: the device's. */
    public static Peak of(double device, double host, LocalDate measured) {
        boolean hostHigher = !Double.isNaN(host) && host > device;
        return new Peak(hostHigher ? host : device, hostHigher ? Source.HOST : Source.DEVICE, device, host, measured);
    }

    /**
     * {@code device}'s peak measured now, dated today: {@code onDevice}'s figure and, on a CPU device, whose memory and
     * cores are the host's, {@code onHost}'s too (a GPU's peak is its own, so it is not asked); the device first.
     */
    static Peak measure(Device device, DoubleSupplier onDevice, DoubleSupplier onHost) {
        double figure = onDevice.getAsDouble();
        boolean cpu = device.type() == DeviceType.JVM || device.type() == DeviceType.CPU;
        return of(figure, cpu ? onHost.getAsDouble() : Double.NaN, LocalDate.now());
    }

    /**
     * {@code device}'s peak remembered in {@code file} (headed by {@code comment}), or {@code measure}'s, which is then
     * remembered; a line that is not a peak's is measured again.
     */
    static Peak remembered(Path file, String comment, Device device, Supplier<Peak> measure) {
        RememberedMeasurements remembered = new RememberedMeasurements(file, comment);
        return parse(remembered.computeIfAbsent(device, line -> parse(line) != null, () -> measure.get().line()));
    }

    /** The peak of the higher device figure and the higher host figure of two measurements, dated the later. */
    public Peak best(Peak other) {
        double h = Double.isNaN(host) ? other.host : Double.isNaN(other.host) ? host : Math.max(host, other.host);
        return of(Math.max(device, other.device), h, measured.isAfter(other.measured) ? measured : other.measured);
    }

    /** How a remembered line holds it: {@code 26.10 set-by host device 24.31 host 26.10 measured 2026-12-01}. */
    String line() {
        return String.format(Locale.ROOT, "%.2f set-by %s device %.2f host %s measured %s", value, setBy.label(), device,
                Double.isNaN(host) ? "-" : String.format(Locale.ROOT, "%.2f", host), measured);
    }

    /**
     * The peak a remembered line holds, or {@code null} when the line is not one {@link #line()} wrote (an entry of
     * an older format, such as the copy bandwidth squall once remembered, is measured again rather than misread).
     */
    static Peak parse(String line) {
        String[] w = line.strip().split("\\s+");
        if (w.length != 9 || !w[1].equals("set-by") || !w[3].equals("device") || !w[5].equals("host")
                || !w[7].equals("measured")) {
            return null;
        }
        try {
            double host = w[6].equals("-") ? Double.NaN : Double.parseDouble(w[6]);
            Peak p = new Peak(Double.parseDouble(w[0]), Source.parse(w[2]), Double.parseDouble(w[4]), host,
                    LocalDate.parse(w[8]));
            return p.value > 0 && Double.isFinite(p.value) ? p : null;
        } catch (RuntimeException notOurs) {
            return null;
        }
    }
}
