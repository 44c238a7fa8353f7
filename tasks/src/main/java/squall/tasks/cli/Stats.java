package squall.tasks.cli;

import java.util.Arrays;

/** Mean, median, minimum and maximum of a few measurements (one per step). */
record Stats(int count, double mean, double median, double min, double max) {

    static Stats of(double[] values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("no values");
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        double median = n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
        return new Stats(n, Arrays.stream(sorted).sum() / n, median, sorted[0], sorted[n - 1]);
    }
}
