package squall.tasks;

import squall.api.Kernel;
import squall.api.KernelMath;
import squall.api.Parallel;
import squall.api.Specialize;

/** The README's example kernel, verbatim, so the example is known to compile and run. */
public final class MyKernels {
    @Kernel
    public static void softmaxRows(float[] x, float[] y, int rows, @Specialize int N) {
        for (@Parallel int r = 0; r < rows; r++) {
            float max = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < N; i++) max = Math.max(max, x[r * N + i]);
            float sum = 0f;
            for (int i = 0; i < N; i++) sum += KernelMath.exp(x[r * N + i] - max);
            for (int i = 0; i < N; i++) y[r * N + i] = KernelMath.exp(x[r * N + i] - max) / sum;
        }
    }
}
