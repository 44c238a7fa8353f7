package squall.tasks;

import squall.kernels.AttentionShape;
import squall.kernels.ReferenceAttention;
import squall.runtime.Devices;

import java.util.SplittableRandom;

/**
 * A child JVM's work for {@link NativeFailuresTest}: one seeded causal GQA call on the device named by the first
 * argument, checked against the float64 reference. Prints the error; exits 0 when it is within 1e-5, 3 when not.
 */
public final class AttentionOnce {

    private AttentionOnce() {
    }

    public static void main(String[] args) {
        AttentionShape shape = new AttentionShape(1, 4, 2, 3, 40, 16);
        SplittableRandom random = new SplittableRandom(7);
        float[] q = random(random, shape.qElements()), k = random(random, shape.kvElements()), v = random(random, shape.kvElements());
        float[] out = Attention.call(shape, q, k, v).causal(true).run(Devices.get(args[0]));
        double error = ReferenceAttention.relativeL2Error(out,
                ReferenceAttention.attend(q, k, v, shape, null, true, shape.defaultScale()));
        System.out.println("relative error " + error);
        System.exit(error <= 1e-5 ? 0 : 3);
    }

    private static float[] random(SplittableRandom random, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return a;
    }
}
