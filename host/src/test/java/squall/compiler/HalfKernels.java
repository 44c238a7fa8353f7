package squall.compiler;

import squall.api.Kernel;
import squall.api.KernelMath;
import squall.api.Parallel;

/** fp16 conversions as kernels, to check each device's against the JDK's. */
public final class HalfKernels {

    private HalfKernels() {
    }

    @Kernel
    public static void widen(short[] halves, float[] floats) {
        for (@Parallel int i = 0; i < halves.length; i++) {
            floats[i] = Float.float16ToFloat(halves[i]);
        }
    }

    /** Row {@code r} of {@code out} is {@code n} halves of {@code packed} from half {@code offsets[r]}. */
    @Kernel
    public static void widenRuns(int[] packed, int[] offsets, float[] out, int n) {
        for (@Parallel int r = 0; r < offsets.length; r++) {
            KernelMath.widenHalves(packed, offsets[r], out, r * n, n);
        }
    }

    @Kernel
    public static void narrow(float[] floats, short[] halves) {
        for (@Parallel int i = 0; i < floats.length; i++) {
            halves[i] = Float.floatToFloat16(floats[i]);
        }
    }
}
