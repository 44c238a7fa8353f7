package squall.compiler;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import squall.runtime.DataTransferMode;
import squall.runtime.Device;
import squall.runtime.Devices;
import squall.runtime.ExecutionPlan;
import squall.runtime.TaskGraph;

import java.util.SplittableRandom;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every device converts fp16 as the JDK does: every one of the 65536 halves widened, and every half, every
 * midpoint between neighbours (ties), their neighbours, specials and three million random floats narrowed.
 * Bit for bit, except that a NaN only has to stay a NaN with its sign (payloads are unspecified).
 */
@Tag("opencl")
class HalfPrecisionTest {

    static Stream<String> devices() {
        return Devices.all().stream().map(Device::id);
    }

    @ParameterizedTest
    @MethodSource("devices")
    void widensEveryHalfAsTheJdkDoes(String device) {
        short[] halves = new short[1 << 16];
        for (int h = 0; h < halves.length; h++) {
            halves[h] = (short) h;
        }
        float[] floats = new float[halves.length];
        run(device, new TaskGraph("widen").transferToDevice(DataTransferMode.EVERY_EXECUTION, halves)
                .task("widen", HalfKernels::widen, halves, floats).transferToHost(DataTransferMode.EVERY_EXECUTION, floats));
        for (int h = 0; h < halves.length; h++) {
            float expected = Float.float16ToFloat(halves[h]);
            if (!widenedAlike(expected, floats[h])) {
                fail(device + ": half 0x" + Integer.toHexString(h) + " widened to " + floats[h] + ", the JDK says " + expected);
            }
        }
    }

    /**
     * {@code KernelMath.widenHalves} over every half, in runs that start on and off the eight-half boundary its
     * OpenCL version vectorises from, of lengths that do and do not fill whole vectors: the JDK's values, in order.
     */
    @ParameterizedTest
    @MethodSource("devices")
    void widensPackedRunsAsTheJdkDoes(String device) {
        int[] packed = new int[1 << 15];
        for (int w = 0; w < packed.length; w++) {
            packed[w] = (2 * w) | (2 * w + 1) << 16;   // halves 2w and 2w + 1, low first
        }
        for (int n : new int[] {8, 13, 128}) {
            int[] offsets = new int[((1 << 16) - n - 7) / n];
            for (int r = 0; r < offsets.length; r++) {
                offsets[r] = r * n + r % 8;              // every start modulo 8, and runs covering every half
            }
            float[] out = new float[offsets.length * n];
            run(device, new TaskGraph("widenRuns").transferToDevice(DataTransferMode.EVERY_EXECUTION, packed, offsets)
                    .task("widenRuns", HalfKernels::widenRuns, packed, offsets, out, n)
                    .transferToHost(DataTransferMode.EVERY_EXECUTION, out));
            for (int r = 0; r < offsets.length; r++) {
                for (int i = 0; i < n; i++) {
                    int h = offsets[r] + i;
                    float expected = Float.float16ToFloat((short) h);
                    float got = out[r * n + i];
                    if (!widenedAlike(expected, got)) {
                        fail(device + ": run of " + n + " from half " + offsets[r] + ", half 0x" + Integer.toHexString(h)
                                + " widened to " + got + ", the JDK says " + expected);
                    }
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("devices")
    void narrowsFloatsAsTheJdkDoes(String device) {
        SplittableRandom random = new SplittableRandom(11);
        int special = 13;
        float[] floats = new float[4 * (1 << 16) + special + 3_000_000];
        int n = 0;
        for (int h = 0; h < 1 << 16; h++) {
            float value = Float.float16ToFloat((short) h);
            floats[n++] = value;
            floats[n++] = (value + Float.float16ToFloat((short) (h + 1))) / 2;
            floats[n++] = Math.nextUp(value);
            floats[n++] = Math.nextDown(value);
        }
        for (float f : new float[] {0f, -0f, 65504f, 65519.99f, 65520f, 1e-8f, 2.980232e-8f, 2.9802326e-8f,
                Float.MIN_VALUE, Float.MAX_VALUE, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN}) {
            floats[n++] = f;
        }
        while (n < floats.length) {
            floats[n++] = Float.intBitsToFloat(random.nextInt());
        }
        short[] halves = new short[floats.length];
        run(device, new TaskGraph("narrow").transferToDevice(DataTransferMode.EVERY_EXECUTION, floats)
                .task("narrow", HalfKernels::narrow, floats, halves).transferToHost(DataTransferMode.EVERY_EXECUTION, halves));
        for (int i = 0; i < floats.length; i++) {
            short expected = Float.floatToFloat16(floats[i]);
            boolean nan = (expected & 0x7c00) == 0x7c00 && (expected & 0x3ff) != 0;
            boolean ok = nan ? (halves[i] & 0x7c00) == 0x7c00 && (halves[i] & 0x3ff) != 0 && (halves[i] < 0) == (expected < 0)
                    : halves[i] == expected;
            if (!ok) {
                assertEquals(Integer.toHexString(expected & 0xffff), Integer.toHexString(halves[i] & 0xffff),
                        device + ": float " + floats[i] + " (bits 0x" + Integer.toHexString(Float.floatToRawIntBits(floats[i])) + ")");
            }
        }
    }

    /** The same bits, except that a NaN only has to stay a NaN with its sign. */
    private static boolean widenedAlike(float expected, float got) {
        return Float.isNaN(expected) ? Float.isNaN(got) && sign(got) == sign(expected)
                : Float.floatToRawIntBits(expected) == Float.floatToRawIntBits(got);
    }

    private static boolean sign(float f) {
        return Float.floatToRawIntBits(f) < 0;
    }

    private static void run(String device, TaskGraph graph) {
        try (ExecutionPlan plan = new ExecutionPlan(graph).withDevice(Devices.get(device))) {
            plan.execute();
        }
    }
}
