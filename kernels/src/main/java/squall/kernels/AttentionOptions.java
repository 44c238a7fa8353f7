package squall.kernels;

import java.util.Arrays;
import java.util.Locale;
import java.util.StringJoiner;

/**
 * What one layer's attention does besides {@code softmax(scale q k^T) v}: a sliding window, a soft-cap on the
 * scores, ALiBi biases and attention sinks, any of them, in any combination. For query row {@code i} at position
 * {@code p = S - Tq + i}, key {@code j} and query head {@code h}, with {@code s = scale q.k}:
 * <ol>
 *   <li>soft-cap {@code C}: {@code s <- C tanh(s / C)};</li>
 *   <li>ALiBi: {@code s <- s - slope[h] (p - j)};</li>
 *   <li>window {@code W}: only keys {@code j > p - W} are seen (with a causal mask also {@code j <= p}): the last
 *       {@code W} positions up to and including {@code p};</li>
 *   <li>sinks: one logit {@code sink[h]} that every row sees and that carries no value,
 *       {@code w_j = exp(s_j) / (exp(sink[h]) + sum_k exp(s_k))}, so the weights sum to less than one.</li>
 * </ol>
 * Kernels take {@link #flags()} as a specialised constant, so a kernel without a feature has no code for it.
 *
 * <pre>{@code
 * AttentionOptions gemma2 = AttentionOptions.NONE.withSoftcap(50).withWindow(4096);
 * AttentionOptions bloom = AttentionOptions.NONE.withAlibiSlopes(AttentionOptions.alibiSlopes(32));
 * }</pre>
 *
 * @param window      keys a query sees, its own included; 0 for no window
 * @param softcap     the soft-cap {@code C}; 0 for none
 * @param alibiSlopes one slope per query head, or {@code null}
 * @param sinks       one sink logit per query head, or {@code null}
 */
public record AttentionOptions(int window, float softcap, float[] alibiSlopes, float[] sinks) {

    /** Plain attention. */
    public static final AttentionOptions NONE = new AttentionOptions(0, 0, null, null);

    /** Flag of {@link #flags()}: a sliding window. */
    public static final int WINDOW = 1;
    /** Flag of {@link #flags()}: soft-capped scores. */
    public static final int SOFTCAP = 2;
    /** Flag of {@link #flags()}: ALiBi biases. */
    public static final int ALIBI = 4;
    /** Flag of {@link #flags()}: attention sinks. */
    public static final int SINKS = 8;

    public AttentionOptions {
        if (window < 0) {
            throw new IllegalArgumentException("window must be >= 1 key (or 0 for none), got " + window);
        }
        if (!(softcap >= 0) || Float.isInfinite(softcap)) {
            throw new IllegalArgumentException("softcap must be a finite number > 0 (or 0 for none), got " + softcap);
        }
        requireFinite("alibiSlopes", alibiSlopes);
        requireFinite("sinks", sinks);
        alibiSlopes = alibiSlopes == null ? null : alibiSlopes.clone();
        sinks = sinks == null ? null : sinks.clone();
    }

    private static void requireFinite(String name, float[] values) {
        if (values == null) {
            return;
        }
        if (values.length == 0) {
            throw new IllegalArgumentException(name + " must hold one value per query head, got none");
        }
        for (int h = 0; h < values.length; h++) {
            if (!Float.isFinite(values[h])) {
                throw new IllegalArgumentException(name + "[" + h + "] must be finite, got " + values[h]);
            }
        }
    }

    public AttentionOptions withWindow(int keys) {
        return new AttentionOptions(keys, softcap, alibiSlopes, sinks);
    }

    public AttentionOptions withSoftcap(float cap) {
        return new AttentionOptions(window, cap, alibiSlopes, sinks);
    }

    public AttentionOptions withAlibiSlopes(float[] slopes) {
        return new AttentionOptions(window, softcap, slopes, sinks);
    }

    public AttentionOptions withSinks(float[] logits) {
        return new AttentionOptions(window, softcap, alibiSlopes, logits);
    }

    @Override
    public float[] alibiSlopes() {
        return alibiSlopes == null ? null : alibiSlopes.clone();
    }

    @Override
    public float[] sinks() {
        return sinks == null ? null : sinks.clone();
    }

    /** The features in use, as {@link #WINDOW}, {@link #SOFTCAP}, {@link #ALIBI} and {@link #SINKS} or-ed. */
    public int flags() {
        return (window > 0 ? WINDOW : 0) | (softcap > 0 ? SOFTCAP : 0) | (alibiSlopes != null ? ALIBI : 0)
                | (sinks != null ? SINKS : 0);
    }

    /** Whether this is plain attention. */
    public boolean isNone() {
        return flags() == 0;
    }

    /**
     * Fails unless the per-head arrays have one entry per query head: {@code Hq} of them.
     */
    public void requireHeads(int Hq) {
        if (alibiSlopes != null && alibiSlopes.length != Hq) {
            throw new IllegalArgumentException("alibiSlopes must hold Hq = " + Hq + " values, got " + alibiSlopes.length);
        }
        if (sinks != null && sinks.length != Hq) {
            throw new IllegalArgumentException("sinks must hold Hq = " + Hq + " values, got " + sinks.length);
        }
    }

    /**
     * The ALiBi paper's slopes for {@code heads} heads (Press et al., 2022, and its reference code): for a power of
     * two {@code n}, head {@code h}'s slope is {@code 2^(-8 (h + 1) / n)}; otherwise the slopes of the largest power
     * of two {@code m < heads}, then every other slope of {@code 2m} heads (the first, third, ...) until there are
     * {@code heads}.
     */
    public static float[] alibiSlopes(int heads) {
        if (heads < 1) {
            throw new IllegalArgumentException("heads must be >= 1, got " + heads);
        }
        double[] slopes = slopesOf(heads);
        float[] out = new float[heads];
        for (int h = 0; h < heads; h++) {
            out[h] = (float) slopes[h];
        }
        return out;
    }

    private static double[] slopesOf(int n) {
        int m = Integer.highestOneBit(n);
        double[] out = new double[n];
        for (int h = 0; h < m; h++) {
            out[h] = Math.pow(2, -8.0 * (h + 1) / m);
        }
        if (m < n) {
            double[] twice = slopesOf(2 * m);
            for (int h = m; h < n; h++) {
                out[h] = twice[2 * (h - m)];
            }
        }
        return out;
    }

    /** The first key a query at {@code position} sees: {@code position - W + 1} with a window, else 0. */
    public int firstVisibleKey(int position) {
        return window > 0 ? Math.max(0, position - window + 1) : 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AttentionOptions a && window == a.window && Float.compare(softcap, a.softcap) == 0
                && Arrays.equals(alibiSlopes, a.alibiSlopes) && Arrays.equals(sinks, a.sinks);
    }

    @Override
    public int hashCode() {
        return (31 * window + Float.hashCode(softcap)) * 961 + 31 * Arrays.hashCode(alibiSlopes) + Arrays.hashCode(sinks);
    }

    /** Such as {@code window 4096, softcap 50}, or {@code none}. */
    @Override
    public String toString() {
        StringJoiner j = new StringJoiner(", ");
        if (window > 0) {
            j.add("window " + window);
        }
        if (softcap > 0) {
            j.add(String.format(Locale.ROOT, "softcap %s", softcap));
        }
        if (alibiSlopes != null) {
            j.add("alibi");
        }
        if (sinks != null) {
            j.add("sinks");
        }
        return j.length() == 0 ? "none" : j.toString();
    }
}
