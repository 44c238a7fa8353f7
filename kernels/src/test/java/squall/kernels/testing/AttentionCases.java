package squall.kernels.testing;

import squall.kernels.AttentionShape;

import java.util.List;
import java.util.Random;

/** Named attention shapes that together cover what every device must get right. */
public final class AttentionCases {

    /** One case: a shape, the mask, and the key tile of the online softmax. */
    public record Case(String name, AttentionShape shape, boolean causal, int tile) {
        @Override
        public String toString() {
            return name + " (" + shape + (causal ? ", causal" : "") + ", tile " + tile + ")";
        }
    }

    private AttentionCases() {
    }

    public static List<Case> all() {
        return List.of(
                new Case("MHA decode", new AttentionShape(1, 4, 4, 1, 100, 64), false, 16),
                new Case("GQA g=2 decode", new AttentionShape(1, 4, 2, 1, 131, 128), false, 64),
                new Case("GQA g=3 decode", new AttentionShape(1, 6, 2, 1, 77, 32), false, 16),
                new Case("GQA g=4 decode, causal", new AttentionShape(1, 8, 2, 1, 300, 64), true, 64),
                new Case("GQA g=5 decode", new AttentionShape(1, 10, 2, 1, 90, 40), false, 32),
                new Case("GQA g=6 decode", new AttentionShape(1, 12, 2, 1, 65, 24), false, 8),
                new Case("GQA g=7 decode", new AttentionShape(1, 14, 2, 1, 129, 48), false, 64),
                new Case("GQA g=8 decode", new AttentionShape(1, 16, 2, 1, 150, 64), false, 64),
                new Case("MQA decode", new AttentionShape(1, 8, 1, 1, 200, 128), false, 64),
                new Case("batch 3 decode", new AttentionShape(3, 8, 2, 1, 70, 64), false, 16),
                new Case("causal prefill", new AttentionShape(1, 8, 2, 61, 61, 64), true, 16),
                new Case("MQA causal prefill", new AttentionShape(1, 2, 1, 129, 129, 128), true, 64),
                new Case("chunked prefill", new AttentionShape(1, 4, 2, 16, 100, 128), true, 32),
                new Case("batch 2 chunked prefill, g=7", new AttentionShape(2, 7, 1, 9, 45, 80), true, 16),
                new Case("non-causal rows", new AttentionShape(1, 8, 2, 10, 50, 64), false, 64),
                new Case("D=80, S=130 with tile 64", new AttentionShape(1, 8, 4, 3, 130, 80), false, 64),
                new Case("tile of one key", new AttentionShape(1, 4, 2, 2, 33, 16), true, 1));
    }

    /** Standard-normal inputs for {@code shape}, from {@code seed}. */
    public static float[][] inputs(AttentionShape shape, long seed) {
        Random random = new Random(seed);
        return new float[][] {gaussian(random, shape.qElements()), gaussian(random, shape.kvElements()),
                gaussian(random, shape.kvElements())};
    }

    private static float[] gaussian(Random random, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) random.nextGaussian();
        }
        return x;
    }
}
