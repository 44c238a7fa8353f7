package squall.kernels;

import squall.api.Kernel;
import squall.api.Parallel;

/** Kernels that measure a device rather than compute attention. */
public final class ProbeKernels {

    private ProbeKernels() {
    }

    /** {@code to = from}: one read and one write per element, the yardstick of memory bandwidth. */
    @Kernel
    public static void copy(float[] from, float[] to) {
        for (@Parallel int i = 0; i < to.length; i++) {
            to[i] = from[i];
        }
    }
}
