package squall.kernels;

import squall.api.KernelMath;

/**
 * The attention step every kernel shares: query rows that read one KV head fold in that head's keys a tile at a
 * time, with an online softmax, so no row of scores longer than a tile is ever stored.
 *
 * <p>For {@code rows} query rows {@code Q} (contiguous, already scaled) and a tile of {@code n} keys with rows
 * {@code K} and {@code V} (contiguous in the cache, as a block holds them):
 * <pre>
 *   S     = Q K^T                                    scores, [rows, n]    (KernelMath.dotRows)
 *   m'    = max(m, max_j S)                          running maximum
 *   P     = exp(S - m'),  l = l e^(m - m') + sum_j P  weights, running sum (KernelMath.exponentiate)
 *   acc   = acc e^(m - m') + P V                     accumulator          (KernelMath.axpyRows)
 * </pre>
 * and at the end {@code out = acc / l}. Query rows are grouped by KV head: row {@code r * queries + t} is query
 * head {@code r} of the group at query {@code t}, so each K and V row of the tile is read once for the whole
 * group, and a causal mask depends only on {@code t}.
 *
 * <p>{@link AttentionOptions} live here too, so every kernel has them: the soft-cap and the ALiBi bias change the
 * scores of a tile after {@code Q K^T}; a window is a range of keys (callers attend only the keys from
 * {@link #firstKey}, so work and bytes read grow with the window, not the context) and a mask in the tiles at its
 * lower edge; a sink is where a row's running maximum and sum start ({@link #startAtSinks}). An int8 cache's row
 * scales multiply a tile's scores after {@code Q K^T} and its weights before {@code P V}, so the products read the
 * bytes as they are. {@code options} is a specialised constant in every kernel: the code of a feature not in use
 * folds away.
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
     * Starts the rows at their heads' sinks instead of at nothing: {@code m = sink, l = 1 = e^(sink - m)}, so the
     * sink is one more logit in each row's softmax that adds nothing to the accumulator. Row
     * {@code r * queries + t} is query head {@code firstHead + r}. A row split over slices takes its sink in one of
     * them only.
     */
    static void startAtSinks(float[] m, float[] l, int rows, int queries, float[] sinks, int firstHead) {
        for (int r = 0; r < rows; r++) {
            m[r] = sinks[firstHead + r / queries];
            l[r] = 1.0f;
        }
    }

    /**
     * The first key the earliest of the rows sees: its position minus the window plus one with a window, else 0.
     */
    static int firstKey(int position, int options, int window) {
        return (options & AttentionOptions.WINDOW) != 0 ? Math.max(0, position - window + 1) : 0;
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
     * time; a tile may span blocks, each block's stretch of it read as one run. Key {@code j} is row {@code j % BS} of
     * block {@code blockTable[tableBase + j / BS]} ({@link KvStorage#rowOffset}); the caches store {@code format}. Row
     * {@code r * queries + t} is query head {@code firstHead + r} at position {@code position + t}; with
     * {@code causal} 1 it sees keys up to its position only. {@code options} ({@link AttentionOptions#flags}) says
     * which of {@code window}, {@code softcap} and {@code slopes} (per query head) apply. {@code scores} is
     * {@code [rows, TILE]} scratch.
     */
    static void attendKeys(float[] qRows, int rows, int queries, int position, int causal, int[] kCache, int[] vCache,
                           int[] blockTable, int tableBase, int Hkv, int kvHead, int BS, int D, int format, int start,
                           int end, float[] scores, int TILE, float[] m, float[] l, float[] acc, int options,
                           int window, float softcap, float[] slopes, int firstHead) {
        for (int first = start; first < end; first += TILE) {
            int n = Math.min(TILE, end - first);
            for (int j = 0; j < n; ) {
                int piece = Math.min(n - j, BS - (first + j) % BS);
                int offset = KvStorage.rowOffset(blockTable, tableBase, first + j, Hkv, kvHead, BS, D, format);
                prefetchNextBlock(kCache, blockTable, tableBase, first + j + piece, end, Hkv, kvHead, BS, D, format);
                KernelMath.dotRows(qRows, 0, rows, kCache, offset, format, piece, D, scores, j, TILE);
                if (format == KvStorage.INT8) {
                    KvStorage.scaleColumns(scores, j, TILE, rows, piece, kCache,
                            KvStorage.scaleWord(blockTable, tableBase, first + j, Hkv, kvHead, BS, D));
                }
                j += piece;
            }
            if ((options & AttentionOptions.SOFTCAP) != 0) {
                capScores(scores, TILE, rows, n, softcap);
            }
            if ((options & AttentionOptions.ALIBI) != 0) {
                biasScores(scores, TILE, rows, queries, n, position - first, slopes, firstHead);
            }
            if (causal == 1 && first + n - 1 > position) {
                for (int r = 0; r < rows; r++) {
                    int visible = position + r % queries - first + 1;   // keys of the tile this row sees
                    for (int j = Math.max(0, visible); j < n; j++) {
                        scores[r * TILE + j] = Float.NEGATIVE_INFINITY;
                    }
                }
            }
            if ((options & AttentionOptions.WINDOW) != 0 && first < position + queries - window) {
                for (int r = 0; r < rows; r++) {
                    int hidden = position + r % queries - window + 1 - first;   // keys of the tile before its window
                    for (int j = 0; j < Math.min(hidden, n); j++) {
                        scores[r * TILE + j] = Float.NEGATIVE_INFINITY;
                    }
                }
            }
            fold(scores, TILE, rows, n, m, l, acc, D);
            for (int j = 0; j < n; ) {
                int piece = Math.min(n - j, BS - (first + j) % BS);
                int offset = KvStorage.rowOffset(blockTable, tableBase, first + j, Hkv, kvHead, BS, D, format);
                if (format == KvStorage.INT8) {
                    KvStorage.scaleColumns(scores, j, TILE, rows, piece, vCache,
                            KvStorage.scaleWord(blockTable, tableBase, first + j, Hkv, kvHead, BS, D));
                }
                prefetchNextBlock(vCache, blockTable, tableBase, first + j + piece, end, Hkv, kvHead, BS, D, format);
                KernelMath.axpyRows(scores, j, TILE, rows, vCache, offset, format, piece, D, acc, 0);
                j += piece;
            }
        }
    }

    /**
     * Where key {@code next} (below {@code end}) starts a block, asks for that block's first rows: they are read
     * after the stretch about to be read but lie elsewhere in the cache, where the prefetch of
     * {@link KernelMath#dotRows} and {@link KernelMath#axpyRows}, which runs on past their last row, does not look.
     * With blocks of 16, decode took two thirds of the time it took without.
     */
    static void prefetchNextBlock(int[] cache, int[] blockTable, int tableBase, int next, int end, int Hkv, int kvHead,
                                  int BS, int D, int format) {
        if (next < end && next % BS == 0) {
            int offset = KvStorage.rowOffset(blockTable, tableBase, next, Hkv, kvHead, BS, D, format);
            KernelMath.prefetch(cache, offset, format, Math.min(KernelMath.PREFETCH_ROWS, end - next) * D);
        }
    }

    /** {@code s <- C tanh(s / C)} for the {@code n} scores of each of {@code rows} rows, {@code stride} apart. */
    static void capScores(float[] scores, int stride, int rows, int n, float softcap) {
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < n; j++) {
                scores[r * stride + j] = softcap * (float) Math.tanh(scores[r * stride + j] / softcap);
            }
        }
    }

    /**
     * {@code s <- s - slope[h] (p - j)}: ALiBi's bias for the {@code n} scores of each row, {@code stride} apart. Row
     * {@code r * queries + t} is query head {@code firstHead + r}, and {@code distance + t - j} is the distance from
     * its position to the tile's key {@code j}.
     */
    static void biasScores(float[] scores, int stride, int rows, int queries, int n, int distance, float[] slopes,
                           int firstHead) {
        for (int r = 0; r < rows; r++) {
            float slope = slopes[firstHead + r / queries];
            int from = distance + r % queries;
            for (int j = 0; j < n; j++) {
                scores[r * stride + j] = scores[r * stride + j] - slope * (from - j);
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
