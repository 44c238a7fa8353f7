package squall.kernels;

/**
 * The sizes of one attention call: batch {@code B}, query heads {@code Hq}, KV heads {@code Hkv},
 * query length {@code Tq}, key length {@code S}, head dimension {@code D}. Tensors are row-major:
 * {@code q, out [B, Hq, Tq, D]} and {@code k, v [B, Hkv, S, D]}.
 */
public record AttentionShape(int B, int Hq, int Hkv, int Tq, int S, int D) {

    public AttentionShape {
        positive("B", B);
        positive("Hq", Hq);
        positive("Hkv", Hkv);
        positive("Tq", Tq);
        positive("S", S);
        positive("D", D);
        if (elements(B, Hq, Tq, D) > Integer.MAX_VALUE || elements(B, Hkv, S, D) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("tensor too large for one Java array (at most " + Integer.MAX_VALUE
                    + " elements): " + this);
        }
    }

    /** The product of four positive ints, or {@link Long#MAX_VALUE} when it overflows a long (four near 2^31 do). */
    private static long elements(int a, int b, int c, int d) {
        try {
            return Math.multiplyExact(Math.multiplyExact((long) a * b, c), (long) d);
        } catch (ArithmeticException e) {
            return Long.MAX_VALUE;
        }
    }

    private static void positive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be >= 1, got " + value);
        }
    }

    /** {@code Hq / Hkv}; only meaningful when {@link #isGrouped()}. */
    public int groupSize() {
        return Hq / Hkv;
    }

    /** {@code true} when query heads split evenly over KV heads, so head h reads KV head h / G. */
    public boolean isGrouped() {
        return Hq % Hkv == 0;
    }

    public int qElements() {
        return B * Hq * Tq * D;
    }

    public int kvElements() {
        return B * Hkv * S * D;
    }

    /** The grouped mapping {@code h -> h / G}. */
    public int[] groupedKvMap() {
        if (!isGrouped()) {
            throw new IllegalStateException("Hq = " + Hq + " is not a multiple of Hkv = " + Hkv + "; give a kvMap");
        }
        int[] map = new int[Hq];
        for (int h = 0; h < Hq; h++) {
            map[h] = h / groupSize();
        }
        return map;
    }

    /** 1 / sqrt(D), the usual softmax scale. */
    public float defaultScale() {
        return (float) (1.0 / Math.sqrt(D));
    }

    @Override
    public String toString() {
        return "B=" + B + " Hq=" + Hq + " Hkv=" + Hkv + " Tq=" + Tq + " S=" + S + " D=" + D;
    }
}
