package squall.api;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import squall.runtime.DataTransferMode;
import squall.runtime.Device;
import squall.runtime.Devices;
import squall.runtime.ExecutionPlan;
import squall.runtime.GridScheduler;
import squall.runtime.TaskGraph;
import squall.runtime.WorkerGrid1D;
import squall.testkernels.OrderFreeKernels;

import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * KernelMath's order-free operations on every device, against float64 sums of the same terms, within the bounds
 * KernelMath documents: {@code gamma(n) sum |t_i|} for a sum of n terms, {@code gamma(n) = n u / (1 - n u)},
 * {@code u = 2^-24}. Runs start on and off vector boundaries and have lengths that do and do not fill whole vectors;
 * stored runs come as fp32 bits, fp16, bf16 and int8 from element offsets on and off their word boundaries. Code that does not use these
 * operations keeps Java's semantics: bit-exact on every device.
 */
class OrderFreeMathTest {

    private static final double U = 0x1p-24;
    private static final int[] LENGTHS = {1, 7, 8, 13, 16, 64, 100, 128, 1000};
    private static final int[] FORMATS = {KernelMath.FLOAT_BITS, KernelMath.HALF, KernelMath.BFLOAT16, KernelMath.INT8};
    private static final int CASES = 40;

    static Stream<String> devices() {
        return Devices.all().stream().map(Device::id);
    }

    private static double gamma(int n) {
        return n * U / (1 - n * U);
    }

    private static float[] gaussian(SplittableRandom random, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (random.nextDouble(-1, 1) * 4);
        }
        return a;
    }

    /** {@code values} stored in {@code format} (rounded to it first), and what the stored values stand for. */
    private record Stored(int[] packed, double[] values) {
        static Stored of(float[] values, int format) {
            double[] held = new double[values.length];
            int[] packed = new int[format == KernelMath.FLOAT_BITS ? values.length
                    : format == KernelMath.INT8 ? (values.length + 3) / 4 : (values.length + 1) / 2];
            for (int i = 0; i < values.length; i++) {
                int bits;
                if (format == KernelMath.FLOAT_BITS) {
                    packed[i] = Float.floatToRawIntBits(values[i]);
                    held[i] = values[i];
                    continue;
                }
                if (format == KernelMath.INT8) {
                    int integer = Math.clamp(Math.round(values[i] * 30), -128, 127);   // the whole byte range
                    packed[i >> 2] |= (integer & 0xff) << (8 * (i & 3));
                    held[i] = integer;
                    continue;
                }
                if (format == KernelMath.HALF) {
                    bits = Float.floatToFloat16(values[i]) & 0xffff;
                    held[i] = Float.float16ToFloat((short) bits);
                } else {
                    bits = Float.floatToRawIntBits(values[i]) >>> 16;  // truncated: any bf16 will do here
                    held[i] = Float.intBitsToFloat(bits << 16);
                }
                packed[i >> 1] |= (i & 1) == 0 ? bits : bits << 16;
            }
            return new Stored(packed, held);
        }
    }

    private static void run(String device, TaskGraph graph) {
        run(device, graph, new GridScheduler());
    }

    private static void run(String device, TaskGraph graph, GridScheduler grids) {
        try (ExecutionPlan plan = new ExecutionPlan(graph).withDevice(Devices.get(device)).withGridScheduler(grids)) {
            plan.execute();
        }
    }

    private static void within(String what, double exact, double magnitude, double bound, float got) {
        if (!(Math.abs(got - exact) <= bound * magnitude + Float.MIN_NORMAL)) {
            fail(what + ": got " + got + ", exact " + exact + ", error " + Math.abs(got - exact) + " > bound "
                    + bound * magnitude);
        }
    }

    @ParameterizedTest
    @MethodSource("devices")
    void dotProductsOfFloatRuns(String device) {
        SplittableRandom random = new SplittableRandom(1);
        for (int n : LENGTHS) {
            float[] a = gaussian(random, n + 64), b = gaussian(random, n + 64);
            int[] offsets = new int[2 * CASES];
            for (int c = 0; c < offsets.length; c++) {
                offsets[c] = random.nextInt(64);
            }
            float[] out = new float[CASES];
            run(device, new TaskGraph("dots").transferToDevice(DataTransferMode.EVERY_EXECUTION, a, b, offsets)
                    .task("dots", OrderFreeKernels::dots, a, b, offsets, out, n)
                    .transferToHost(DataTransferMode.EVERY_EXECUTION, out));
            for (int c = 0; c < CASES; c++) {
                double exact = 0, magnitude = 0;
                for (int i = 0; i < n; i++) {
                    double t = (double) a[offsets[2 * c] + i] * b[offsets[2 * c + 1] + i];
                    exact += t;
                    magnitude += Math.abs(t);
                }
                within(device + " dot n=" + n + " case " + c, exact, magnitude, gamma(n), out[c]);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("devices")
    void dotProductsWithAPrivateRun(String device) {
        SplittableRandom random = new SplittableRandom(2);
        int n = 100;
        float[] a = gaussian(random, n + 64), b = gaussian(random, n + 64);
        int[] offsets = new int[2 * CASES];
        for (int c = 0; c < offsets.length; c++) {
            offsets[c] = random.nextInt(64);
        }
        float[] out = new float[CASES];
        run(device, new TaskGraph("dotsPrivate").transferToDevice(DataTransferMode.EVERY_EXECUTION, a, b, offsets)
                .task("dotsPrivate", OrderFreeKernels::dotsPrivate, a, b, offsets, out, n)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, out));
        for (int c = 0; c < CASES; c++) {
            double exact = 0, magnitude = 0;
            for (int i = 0; i < n; i++) {
                double t = (double) a[offsets[2 * c] + i] * b[offsets[2 * c + 1] + i];
                exact += t;
                magnitude += Math.abs(t);
            }
            within(device + " private dot case " + c, exact, magnitude, gamma(n), out[c]);
        }
    }

    @ParameterizedTest
    @MethodSource("devices")
    void dotProductsWithStoredRuns(String device) {
        SplittableRandom random = new SplittableRandom(3);
        for (int format : FORMATS) {
            for (int n : LENGTHS) {
                float[] a = gaussian(random, n + 64);
                Stored x = Stored.of(gaussian(random, n + 64), format);
                int[] offsets = new int[2 * CASES];
                for (int c = 0; c < offsets.length; c++) {
                    offsets[c] = random.nextInt(64);   // even and odd starts of the stored run
                }
                float[] out = new float[CASES];
                run(device, new TaskGraph("dotsPacked").transferToDevice(DataTransferMode.EVERY_EXECUTION, a, x.packed(), offsets)
                        .task("dotsPacked", OrderFreeKernels::dotsPacked, a, x.packed(), offsets, out, n, format)
                        .transferToHost(DataTransferMode.EVERY_EXECUTION, out));
                for (int c = 0; c < CASES; c++) {
                    double exact = 0, magnitude = 0;
                    for (int i = 0; i < n; i++) {
                        double t = a[offsets[2 * c] + i] * x.values()[offsets[2 * c + 1] + i];
                        exact += t;
                        magnitude += Math.abs(t);
                    }
                    within(device + " dotPacked format " + format + " n=" + n + " from " + offsets[2 * c + 1],
                            exact, magnitude, gamma(n), out[c]);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("devices")
    void axpyOverFloatAndStoredRuns(String device) {
        SplittableRandom random = new SplittableRandom(4);
        for (int n : LENGTHS) {
            float[] alpha = gaussian(random, CASES);
            float[] x = gaussian(random, n + 64);
            float[] y0 = gaussian(random, CASES * n);
            int[] offsets = new int[CASES];
            for (int c = 0; c < CASES; c++) {
                offsets[c] = random.nextInt(64);
            }
            float[] y = y0.clone();
            run(device, new TaskGraph("axpys").transferToDevice(DataTransferMode.EVERY_EXECUTION, alpha, x, offsets, y)
                    .task("axpys", OrderFreeKernels::axpys, alpha, x, offsets, y, n)
                    .transferToHost(DataTransferMode.EVERY_EXECUTION, y));
            for (int c = 0; c < CASES; c++) {
                for (int i = 0; i < n; i++) {
                    double t = (double) alpha[c] * x[offsets[c] + i];
                    within(device + " axpy n=" + n, y0[c * n + i] + t, Math.abs(y0[c * n + i]) + Math.abs(t), 2 * U, y[c * n + i]);
                }
            }
            for (int format : FORMATS) {
                Stored stored = Stored.of(x, format);
                float[] yp = y0.clone();
                run(device, new TaskGraph("axpysPacked")
                        .transferToDevice(DataTransferMode.EVERY_EXECUTION, alpha, stored.packed(), offsets, yp)
                        .task("axpysPacked", OrderFreeKernels::axpysPacked, alpha, stored.packed(), offsets, yp, n, format)
                        .transferToHost(DataTransferMode.EVERY_EXECUTION, yp));
                for (int c = 0; c < CASES; c++) {
                    for (int i = 0; i < n; i++) {
                        double t = alpha[c] * stored.values()[offsets[c] + i];
                        within(device + " axpyPacked format " + format + " n=" + n, y0[c * n + i] + t,
                                Math.abs(y0[c * n + i]) + Math.abs(t), 2 * U, yp[c * n + i]);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("devices")
    void sumsMaximaAndSoftmaxWeights(String device) {
        SplittableRandom random = new SplittableRandom(5);
        for (int n : LENGTHS) {
            float[] x = gaussian(random, n + 64);
            int[] offsets = new int[CASES];
            for (int c = 0; c < CASES; c++) {
                offsets[c] = random.nextInt(64);
            }
            float[] sums = new float[CASES], maxes = new float[CASES];
            run(device, new TaskGraph("reductions").transferToDevice(DataTransferMode.EVERY_EXECUTION, x, offsets)
                    .task("sums", OrderFreeKernels::sums, x, offsets, sums, n)
                    .task("maxes", OrderFreeKernels::maxes, x, offsets, maxes, n)
                    .transferToHost(DataTransferMode.EVERY_EXECUTION, sums, maxes));
            for (int c = 0; c < CASES; c++) {
                double exact = 0, magnitude = 0;
                float max = Float.NEGATIVE_INFINITY;
                for (int i = 0; i < n; i++) {
                    exact += x[offsets[c] + i];
                    magnitude += Math.abs(x[offsets[c] + i]);
                    max = Math.max(max, x[offsets[c] + i]);
                }
                within(device + " sumOf n=" + n, exact, magnitude, gamma(n), sums[c]);
                assertEquals(max, maxes[c], device + " maxOf n=" + n + " is exact");
            }

            float[] scores = gaussian(random, CASES * n), shifts = new float[CASES];
            for (int c = 0; c < CASES; c++) {
                shifts[c] = (float) random.nextDouble(0, 4);
            }
            float[] weights = scores.clone(), total = new float[CASES];
            run(device, new TaskGraph("exponentiates").transferToDevice(DataTransferMode.EVERY_EXECUTION, weights, shifts)
                    .task("exponentiates", OrderFreeKernels::exponentiates, weights, shifts, total, n)
                    .transferToHost(DataTransferMode.EVERY_EXECUTION, weights, total));
            double ulps = 8 * U;   // a device's float exp is within a few ulp
            for (int c = 0; c < CASES; c++) {
                double exact = 0;
                for (int i = 0; i < n; i++) {
                    double e = Math.exp(scores[c * n + i] - shifts[c]);   // the difference in float, as the operation takes it
                    exact += e;
                    within(device + " exponentiate n=" + n, e, e, ulps, weights[c * n + i]);
                }
                within(device + " exponentiate's sum n=" + n, exact, exact, gamma(n) + ulps, total[c]);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("devices")
    void smallMatrixProductsOverStoredRows(String device) {
        SplittableRandom random = new SplittableRandom(6);
        int[][] shapes = {{1, 1, 8}, {4, 16, 128}, {7, 5, 64}, {3, 9, 13}, {8, 2, 100}, {16, 16, 64}, {5, 17, 8}};
        for (int format : FORMATS) {
            for (int[] shape : shapes) {
                int rows = shape[0], cols = shape[1], n = shape[2], cases = 6, stride = cols + 3;
                float[] a = gaussian(random, cases * rows * n + 64);
                Stored x = Stored.of(gaussian(random, cases * cols * n + 64), format);
                int[] offsets = new int[3 * cases];
                for (int c = 0; c < cases; c++) {
                    offsets[3 * c] = c * rows * n + random.nextInt(64);
                    offsets[3 * c + 1] = c * cols * n + random.nextInt(64);
                    offsets[3 * c + 2] = c * rows * stride;
                }
                float[] out = new float[cases * rows * stride];
                run(device, new TaskGraph("dotRows").transferToDevice(DataTransferMode.EVERY_EXECUTION, a, x.packed(), offsets)
                        .task("dotRows", OrderFreeKernels::dotRows, a, x.packed(), offsets, out, cases, rows, cols, n,
                                format, stride)
                        .transferToHost(DataTransferMode.EVERY_EXECUTION, out));
                for (int c = 0; c < cases; c++) {
                    for (int r = 0; r < rows; r++) {
                        for (int j = 0; j < cols; j++) {
                            double exact = 0, magnitude = 0;
                            for (int d = 0; d < n; d++) {
                                double t = a[offsets[3 * c] + r * n + d] * x.values()[offsets[3 * c + 1] + j * n + d];
                                exact += t;
                                magnitude += Math.abs(t);
                            }
                            within(device + " dotRows format " + format + " " + rows + "x" + cols + "x" + n,
                                    exact, magnitude, gamma(n), out[offsets[3 * c + 2] + r * stride + j]);
                        }
                    }
                }

                float[] p = gaussian(random, cases * rows * stride + 64);
                float[] y0 = gaussian(random, cases * (rows * n + 32));
                for (int c = 0; c < cases; c++) {
                    offsets[3 * c] = c * rows * stride + random.nextInt(4);
                    offsets[3 * c + 2] = c * (rows * n + 32) + random.nextInt(32);   // each case's Y to itself
                }
                float[] y = y0.clone();
                run(device, new TaskGraph("axpyRows").transferToDevice(DataTransferMode.EVERY_EXECUTION, p, x.packed(), offsets, y)
                        .task("axpyRows", OrderFreeKernels::axpyRows, p, x.packed(), offsets, y, cases, rows, cols, n,
                                format, stride)
                        .transferToHost(DataTransferMode.EVERY_EXECUTION, y));
                for (int c = 0; c < cases; c++) {
                    for (int r = 0; r < rows; r++) {
                        for (int d = 0; d < n; d++) {
                            int at = offsets[3 * c + 2] + r * n + d;
                            double exact = y0[at], magnitude = Math.abs(y0[at]);
                            for (int j = 0; j < cols; j++) {
                                double t = p[offsets[3 * c] + r * stride + j] * x.values()[offsets[3 * c + 1] + j * n + d];
                                exact += t;
                                magnitude += Math.abs(t);
                            }
                            within(device + " axpyRows format " + format + " " + rows + "x" + cols + "x" + n,
                                    exact, magnitude, gamma(cols + 1), y[at]);
                        }
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("devices")
    void smallMatrixProductsWithLocalAndPrivateArrays(String device) {
        SplittableRandom random = new SplittableRandom(7);
        int rows = 4, cols = 16, n = 64, cases = 8;
        for (int format : FORMATS) {
            float[] a = gaussian(random, cases * rows * n);
            Stored x = Stored.of(gaussian(random, cases * cols * n), format);
            int[] offsets = new int[3 * cases];
            for (int c = 0; c < cases; c++) {
                offsets[3 * c] = c * rows * n;
                offsets[3 * c + 1] = c * cols * n;
            }
            float[] scores = new float[cases * rows * cols], y = new float[cases * rows * n];
            GridScheduler grids = new GridScheduler("local.rows", new WorkerGrid1D(cases * 4L).setLocalWork(4, 1, 1));
            run(device, new TaskGraph("local").transferToDevice(DataTransferMode.EVERY_EXECUTION, a, x.packed(), offsets)
                    .task("rows", OrderFreeKernels::rowsInLocalAndPrivate, new KernelContext(), a, x.packed(), offsets,
                            scores, y, rows, cols, n, format)
                    .transferToHost(DataTransferMode.EVERY_EXECUTION, scores, y), grids);
            for (int c = 0; c < cases; c++) {
                for (int r = 0; r < rows; r++) {
                    double[] exactScores = new double[cols];
                    for (int j = 0; j < cols; j++) {
                        double exact = 0, magnitude = 0;
                        for (int d = 0; d < n; d++) {
                            double t = a[c * rows * n + r * n + d] * x.values()[c * cols * n + j * n + d];
                            exact += t;
                            magnitude += Math.abs(t);
                        }
                        exactScores[j] = exact;
                        within(device + " local dotRows format " + format, exact, magnitude, gamma(n),
                                scores[(c * rows + r) * cols + j]);
                    }
                    for (int d = 0; d < n; d++) {
                        double exact = 0, magnitude = 0;
                        for (int j = 0; j < cols; j++) {
                            double s = scores[(c * rows + r) * cols + j];   // the weights the kernel used
                            double t = s * x.values()[c * cols * n + j * n + d];
                            exact += t;
                            magnitude += Math.abs(t);
                        }
                        within(device + " private axpyRows format " + format, exact, magnitude, gamma(cols + 1),
                                y[(c * rows + r) * n + d]);
                    }
                }
            }
        }
    }

    /**
     * Every one of the 65,536 fp16 and bf16 values, read by an operation that computes {@code -0 + 1 * x} (exact):
     * widened as the JDK widens them, subnormals, zeros' signs and infinities included; NaNs stay NaN.
     */
    @ParameterizedTest
    @MethodSource("devices")
    void storedValuesWidenExactly(String device) {
        int[] packed = new int[1 << 15];
        for (int w = 0; w < packed.length; w++) {
            packed[w] = (2 * w) | (2 * w + 1) << 16;
        }
        for (int format : new int[] {KernelMath.HALF, KernelMath.BFLOAT16}) {
            int n = 1 << 16;
            float[] y = new float[n];
            java.util.Arrays.fill(y, -0.0f);
            float[] one = {1.0f};
            int[] start = {0};
            run(device, new TaskGraph("widen").transferToDevice(DataTransferMode.EVERY_EXECUTION, one, packed, start, y)
                    .task("widen", OrderFreeKernels::axpysPacked, one, packed, start, y, n, format)
                    .transferToHost(DataTransferMode.EVERY_EXECUTION, y));
            for (int h = 0; h < n; h++) {
                float expected = format == KernelMath.HALF ? Float.float16ToFloat((short) h) : Float.intBitsToFloat(h << 16);
                boolean same = Float.isNaN(expected) ? Float.isNaN(y[h])
                        : Float.floatToRawIntBits(expected) == Float.floatToRawIntBits(y[h]);
                if (!same) {
                    fail(device + " format " + format + ": 0x" + Integer.toHexString(h) + " read as " + y[h] + ", not " + expected);
                }
            }
        }
    }

    /** Every int8 value, from every byte of a word: read as the integer it is. */
    @ParameterizedTest
    @MethodSource("devices")
    void storedBytesWidenExactly(String device) {
        int n = 256 + 3;
        int[] packed = new int[(n + 3) / 4];
        for (int i = 0; i < n; i++) {
            packed[i >> 2] |= ((i - 128) & 0xff) << (8 * (i & 3));   // i = 256.. wrap round to -128..
        }
        for (int start : new int[] {0, 1, 2, 3}) {
            float[] y = new float[256];
            float[] one = {1.0f};
            int[] from = {start};
            run(device, new TaskGraph("bytes").transferToDevice(DataTransferMode.EVERY_EXECUTION, one, packed, from, y)
                    .task("bytes", OrderFreeKernels::axpysPacked, one, packed, from, y, 256, KernelMath.INT8)
                    .transferToHost(DataTransferMode.EVERY_EXECUTION, y));
            for (int i = 0; i < 256; i++) {
                assertEquals((byte) (start + i - 128), y[i], device + " int8 element " + (start + i));
            }
        }
    }

    /** Code outside the order-free operations keeps Java's ordered, unfused arithmetic: the same bits everywhere. */
    @ParameterizedTest
    @MethodSource("devices")
    void orderedKernelCodeStaysBitExact(String device) {
        SplittableRandom random = new SplittableRandom(8);
        int n = 257;
        float[] a = gaussian(random, CASES * n), b = gaussian(random, CASES * n), out = new float[CASES];
        run(device, new TaskGraph("ordered").transferToDevice(DataTransferMode.EVERY_EXECUTION, a, b)
                .task("ordered", OrderFreeKernels::orderedDots, a, b, out, n)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, out));
        for (int c = 0; c < CASES; c++) {
            float s = 0.0f;
            for (int i = 0; i < n; i++) {
                s = s + a[c * n + i] * b[c * n + i];
            }
            assertEquals(Float.floatToRawIntBits(s), Float.floatToRawIntBits(out[c]), device + " case " + c);
        }
    }
}
