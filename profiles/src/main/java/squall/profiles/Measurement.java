package squall.profiles;

import java.util.List;

/**
 * One device × variant × workload: whether its output was right, and if so its timed steps.
 *
 * @param workload     what ran
 * @param device       the device id
 * @param variant      the cache variant ({@code broadcast}, {@code workgroup}, {@code gather}, {@code repeat})
 * @param slices       split-KV slices of the timed graph (1: not split)
 * @param status       {@link Status#OK} when timed
 * @param checkError   relative L2 error of the small check run (against the jvm device; the jvm device itself
 *                     against float64); {@code null} when the check could not run
 * @param message      why a measurement is not OK, or a note
 * @param peak         the device's read bandwidth in GB/s ({@code BandwidthProbe}; which probe set it, and in old
 *                     profiles a copy bandwidth: {@link DeviceInfo}), {@code null} if unknown
 * @param compileNanos driver compile time of the first execution
 * @param summary      steady-state numbers, {@code null} unless OK
 * @param steps        the timed steps, empty unless OK
 */
public record Measurement(Workload workload, String device, String variant, int slices, Status status, Double checkError,
                          String message, Double peak, long compileNanos, Summary summary, List<StepRecord> steps) {

    /** How a measurement ended. */
    public enum Status {
        /** Output checked and steps timed. */
        OK,
        /** The check run's output differed from the reference: not timed. */
        WRONG,
        /** The device threw (a build or launch error): not timed. */
        FAILED
    }

    public Measurement {
        steps = steps == null ? List.of() : List.copyOf(steps);
    }

    public boolean ok() {
        return status == Status.OK;
    }

    /** Achieved bandwidth as a percentage of the device's peak; NaN if not OK or no peak is known. */
    public double percentOfPeak() {
        return ok() && peak != null ? summary.percentOf(peak) : Double.NaN;
    }
}
