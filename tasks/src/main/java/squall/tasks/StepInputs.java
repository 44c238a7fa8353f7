package squall.tasks;

import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * A step's host arrays that a caller fills and reads: the queries, the new keys and values, and the output, every
 * layer's rows in one array each, with the checks every step makes on them before anything reaches the device.
 */
final class StepInputs {

    final float[] queries;
    final float[] newKeys;
    final float[] newValues;
    final float[] output;
    private final int layers, batch, Hq, Hkv, tokens, D;

    StepInputs(StepPlan plan) {
        ModelPreset m = plan.shape().model();
        this.layers = plan.shape().layers();
        this.batch = plan.shape().sequences();
        this.Hq = m.queryHeads();
        this.Hkv = m.kvHeads();
        this.tokens = plan.tokens();
        this.D = m.headDim();
        queries = new float[Math.toIntExact(plan.queryFloats())];
        output = new float[queries.length];
        newKeys = new float[Math.toIntExact(plan.newRowFloats())];
        newValues = new float[newKeys.length];
    }

    /** Copies the caller's arrays in after checking their sizes and values. */
    void copyIn(float[] q, float[] kNew, float[] vNew) {
        requireShape("q", q, queries, Hq);
        requireShape("kNew", kNew, newKeys, Hkv);
        requireShape("vNew", vNew, newValues, Hkv);
        requireFinite("q", q, Hq);
        requireFinite("kNew", kNew, Hkv);
        requireFinite("vNew", vNew, Hkv);
        System.arraycopy(q, 0, queries, 0, queries.length);
        System.arraycopy(kNew, 0, newKeys, 0, newKeys.length);
        System.arraycopy(vNew, 0, newValues, 0, newValues.length);
    }

    /** Checks the values already in the arrays, as {@link #copyIn} checks its arguments. */
    void requireFinite() {
        requireFinite("newKeys()", newKeys, Hkv);
        requireFinite("newValues()", newValues, Hkv);
        requireFinite("queries()", queries, Hq);
    }

    /**
     * Seeded uniform [-1, 1) values in the queries, new keys and new values: layer {@code l}'s rows of each, in that
     * order, from {@code new SplittableRandom(seed + l)}, layers in parallel.
     */
    void fillRandom(long seed) {
        IntStream.range(0, layers).parallel().forEach(layer -> {
            SplittableRandom random = new SplittableRandom(seed + layer);
            for (float[] a : new float[][] {queries, newKeys, newValues}) {
                int per = a.length / layers;
                for (int i = layer * per; i < (layer + 1) * per; i++) {
                    a[i] = (float) (random.nextDouble() * 2 - 1);
                }
            }
        });
    }

    private String layout(int heads) {
        return "[layers, batch, " + (heads == Hq ? "Hq" : "Hkv") + ", " + (tokens == 1 ? "" : "tokens, ") + "D]";
    }

    private void requireShape(String name, float[] given, float[] into, int heads) {
        if (given == null || given.length != into.length) {
            throw new IllegalArgumentException(name + " must hold " + layers + " x " + batch + " x " + heads + " x "
                    + (tokens == 1 ? "" : tokens + " x ") + D + " = " + into.length + " floats " + layout(heads) + ", got "
                    + (given == null ? "null" : given.length));
        }
    }

    /** Fails naming the first non-finite value: one NaN appended to the cache would poison every later step. */
    private void requireFinite(String name, float[] values, int heads) {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                int d = i % D, rest = i / D;
                int t = rest % tokens;
                rest /= tokens;
                int h = rest % heads;
                rest /= heads;
                throw new IllegalArgumentException(name + " has a non-finite value (" + values[i] + ") at [layer "
                        + rest / batch + ", sequence " + rest % batch + ", head " + h + (tokens == 1 ? "" : ", token " + t)
                        + ", " + d + "]");
            }
        }
    }
}
