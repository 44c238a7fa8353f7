package squall.kernels;

import squall.api.KernelMath;

/**
 * The attention step every kernel shares: query rows that read one KV head fold in that head's keys a tile at a
 * time, with an online softmax, so no row of scores longer than a tile is ever stored.
 *
 * <p>For {@code rows} query rows {@code Q} (contiguous, already scaled) and a tile of {@code n} keys with rows
 * {@code K} and {@code V} (contiguous in the cache, as a page holds them):
 * <pre>
 *   S     = Q K^T                                    scores, [rows, n]    (KernelMath.dotRows)
 *   m'    = max(m, max_j S)                          running maximum
 *   P     = exp(S - m'),  l = l e^(m - m') + sum_j P  weights, running sum (KernelMath.exponentiate)
 *   acc   = acc e^(m - m') + P V                     accumulator          (KernelMath.axpyRows)
 * </pre>
 * and at the end {@code out = acc / l}. Query rows are grouped by KV head: row {@code r * queries + t} is query
 * head {@code r} of the group at query {@code t}, so each K and V row of the tile is read once for the whole
 * group, and a causal mask depends only on {@code t}.
 */
public final class TiledAttention {

    private TiledAttention() {
    }

    /** No keys yet: {@code m = -inf, l = 0, acc = 0} for {@code rows} rows. */
    static void start(float[] m, float[] l, float[] acc, int rows, int D) {
        for (int r = 0; r < rows; r++) {
            m[r] = Float.NEGATIVE_INFINITY;
            l[r] = 0.0f;
        }
        for (int i = 0; i < rows * D; i++) {
            acc[i] = 0.0f;
        }
    }

    /**
     * Copies, scaled, queries {@code first .. first + queries - 1} of the {@code G} heads of a group into
     * {@code qRows}, row {@code r * queries + t}; head {@code r}'s query {@code i} is at
     * {@code q[base + (r * Tq + i) * D]} (q is {@code [.., Hq, Tq, D]}, {@code base} its group's first head).
     */
    static void gatherQueries(float[] q, int base, int Tq, int G, int first, int queries, int D, float scale,
                              float[] qRows) {
        for (int r = 0; r < G; r++) {
            for (int t = 0; t < queries; t++) {
                int from = base + (r * Tq + first + t) * D;
                int to = (r * queries + t) * D;
                for (int d = 0; d < D; d++) {
                    qRows[to + d] = scale * q[from + d];
                }
            }
        }
    }

    /**
     * Folds keys {@code start .. end - 1} of KV head {@code kvHead} into the state of the rows, {@code TILE} keys at a
     * time; a tile may span pages, each page's stretch of it read as one run. Key {@code j} is row {@code j % BS} of
     * page {@code blockTable[tableBase + j / BS]} ({@link KvStorage#cacheRow}); the caches store {@code format}. Row
     * {@code r * queries + t} sees keys up to {@code lastKey + t * causalStep} ({@code causalStep} 1 for a causal
     * mask, 0 for none). {@code scores} is {@code [rows, TILE]} scratch.
     */
    static void attendKeys(float[] qRows, int rows, int queries, int lastKey, int causalStep, int[] kCache, int[] vCache,
                           int[] blockTable, int tableBase, int Hkv, int kvHead, int BS, int D, int format, int start,
                           int end, float[] scores, int TILE, float[] m, float[] l, float[] acc) {
        for (int first = start; first < end; first += TILE) {
            int n = Math.min(TILE, end - first);
            for (int j = 0; j < n; ) {
                int piece = Math.min(n - j, BS - (first + j) % BS);
                int offset = KvStorage.cacheRow(blockTable, tableBase, first + j, Hkv, kvHead, BS, D);
                KernelMath.dotRows(qRows, 0, rows, kCache, offset, format, piece, D, scores, j, TILE);
                j += piece;
            }
            if (first + n - 1 > lastKey) {
                for (int r = 0; r < rows; r++) {
                    int visible = lastKey + (r % queries) * causalStep - first + 1;   // keys of the tile this row sees
                    for (int j = Math.max(0, visible); j < n; j++) {
                        scores[r * TILE + j] = Float.NEGATIVE_INFINITY;
                    }
                }
            }
            fold(scores, TILE, rows, n, m, l, acc, D);
            for (int j = 0; j < n; ) {
                int piece = Math.min(n - j, BS - (first + j) % BS);
                int offset = KvStorage.cacheRow(blockTable, tableBase, first + j, Hkv, kvHead, BS, D);
                KernelMath.axpyRows(scores, j, TILE, rows, vCache, offset, format, piece, D, acc, 0);
                j += piece;
            }
        }
    }

    /**
     * The online-softmax step for a tile of scores ({@code rows} rows of {@code n}, {@code stride} apart): a larger
     * maximum shrinks what was accumulated so far by {@code e^(m - m')}, and the scores become their weights.
     */
    static void fold(float[] scores, int stride, int rows, int n, float[] m, float[] l, float[] acc, int D) {
        for (int r = 0; r < rows; r++) {
            float correction = foldRow(scores, r * stride, n, m, l, r);
            if (correction != 1.0f) {
                for (int d = 0; d < D; d++) {
                    acc[r * D + d] = acc[r * D + d] * correction;
                }
            }
        }
    }

    /**
     * The online-softmax step of row {@code r}, whose {@code n} scores start at {@code scores[offset]}: updates its
     * running maximum {@code m[r]} and sum {@code l[r]}, turns the scores into weights {@code exp(score - m[r])},
     * and returns the factor {@code e^(m_old - m_new)} its accumulator must be scaled by. A row that has seen no
     * key yet (all masked) keeps {@code m = -inf} and gets weights 0.
     */
    static float foldRow(float[] scores, int offset, int n, float[] m, float[] l, int r) {
        float newMax = Math.max(m[r], KernelMath.maxOf(scores, offset, n));
        if (newMax == Float.NEGATIVE_INFINITY) {
            for (int j = 0; j < n; j++) {
                scores[offset + j] = 0.0f;
            }
            return 1.0f;
        }
        float correction = KernelMath.exp(m[r] - newMax);
        l[r] = l[r] * correction + KernelMath.exponentiate(scores, offset, n, newMax);
        m[r] = newMax;
        return correction;
    }

    /** Writes {@code acc / l} of each row back where {@link #gatherQueries} took its query from, in {@code out}. */
    static void scatterOutput(float[] acc, float[] l, int G, int queries, int D, float[] out, int base, int Tq, int first) {
        for (int r = 0; r < G; r++) {
            for (int t = 0; t < queries; t++) {
                int row = r * queries + t;
                float inverse = 1.0f / l[row];
                int to = base + (r * Tq + first + t) * D;
                for (int d = 0; d < D; d++) {
                    out[to + d] = acc[row * D + d] * inverse;
                }
            }
        }
    }
}
