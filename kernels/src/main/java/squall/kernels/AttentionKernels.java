package squall.kernels;

import squall.api.Kernel;
import squall.api.Parallel;
import squall.api.Specialize;

/**
 * Scaled dot-product attention with grouped key/value heads over contiguous tensors, in plain Java.
 *
 * <p>Shapes (row-major): {@code q[B, Hq, Tq, D]}, {@code k, v[B, Hkv, S, D]} as fp32 bits
 * ({@link Float#floatToRawIntBits}, how {@link KvStorage} stores fp32), {@code out[B, Hq, Tq, D]}. Query head
 * {@code h} reads KV head {@code h / G} with {@code G = Hq / Hkv} (MHA: G = 1, MQA: Hkv = 1), or
 * {@code kvMap[h]} in the gather variant. With {@code causal}, the Tq queries are the last Tq of the S
 * positions: query row {@code i} sees key {@code j} iff {@code j <= S - Tq + i}.
 *
 * <p>Every variant streams K/V in tiles of {@code TILE} keys with an online softmax ({@link TiledAttention}),
 * so no row of S scores is ever stored. K and V are a paged cache ({@link PagedAttentionKernels}) of one block of S
 * tokens per sequence: {@code blockTable[b] = b}. Arrays hold fewer than 2^31 elements (a Java limit), so int offsets
 * computed inside their bounds cannot overflow.
 *
 * <p>Each kernel takes the call's {@link AttentionOptions}: {@code OPTIONS} (its flags, a specialised constant),
 * {@code window}, {@code softcap}, and {@code slopes} and {@code sinks} ({@code [Hq]}, any length when unused), as
 * {@link TiledAttention} applies them; a window needs the causal mask when {@code Tq > 1}.
 */
public final class AttentionKernels {

    private AttentionKernels() {
    }

    /**
     * Broadcast GQA: one work-item per (batch, KV head, query tile of {@code QUERIES} queries) serves the
     * whole group of {@code G} query heads, so each K and V row is read once per group and query tile, never copied.
     */
    @Kernel
    public static void attendBroadcast(float[] q, int[] k, int[] v, int[] blockTable, float[] out, float[] slopes,
                                       float[] sinks, int B, int Hkv, @Specialize int G, int Tq, int S,
                                       @Specialize int D, float scale, boolean causal, @Specialize int QUERIES,
                                       @Specialize int TILE, @Specialize int OPTIONS, int window, float softcap) {
        for (@Parallel int w = 0; w < B * Hkv * ((Tq + QUERIES - 1) / QUERIES); w++) {
            float[] qRows = new float[G * QUERIES * D];
            float[] acc = new float[G * QUERIES * D];
            float[] m = new float[G * QUERIES];
            float[] l = new float[G * QUERIES];
            float[] scores = new float[G * QUERIES * TILE];
            int queryTiles = (Tq + QUERIES - 1) / QUERIES;
            int bkv = w / queryTiles;
            int first = w % queryTiles * QUERIES;
            int queries = Math.min(QUERIES, Tq - first);
            int base = bkv * G * Tq * D;                       // q[b, kvHead * G, 0, 0]
            attendHead(q, base, G, Tq, first, queries, k, v, blockTable, bkv / Hkv, Hkv, bkv % Hkv, S, D, scale, causal, TILE,
                    qRows, m, l, acc, scores, out, OPTIONS, window, softcap, slopes, sinks, bkv % Hkv * G);
        }
    }

    /** Gather: one work-item per (batch, query head, query row), reading KV head {@code kvMap[h]}. */
    @Kernel
    public static void attendGather(float[] q, int[] k, int[] v, int[] blockTable, int[] kvMap, float[] out, float[] slopes,
                                    float[] sinks, int B, int Hq, int Hkv, int Tq, int S, @Specialize int D,
                                    float scale, boolean causal, @Specialize int TILE, @Specialize int OPTIONS,
                                    int window, float softcap) {
        for (@Parallel int bh = 0; bh < B * Hq; bh++) {
            for (@Parallel int i = 0; i < Tq; i++) {
                float[] qRow = new float[D];
                float[] acc = new float[D];
                float[] m = new float[1];
                float[] l = new float[1];
                float[] scores = new float[TILE];
                int b = bh / Hq;
                int h = bh % Hq;
                attendHead(q, bh * Tq * D, 1, Tq, i, 1, k, v, blockTable, b, Hkv, kvMap[h], S, D, scale, causal, TILE, qRow, m,
                        l, acc, scores, out, OPTIONS, window, softcap, slopes, sinks, h);
            }
        }
    }

    /**
     * The textbook step before MHA attention: copies K and V to one head per query head,
     * {@code kRep[b, h] = k[b, kvMap[h]]}. Costs G times the KV memory and G times the reads.
     */
    @Kernel
    public static void repeatKv(int[] k, int[] v, int[] kvMap, int[] kRep, int[] vRep, int B, int Hq, int Hkv, int S,
                                int D) {
        for (@Parallel int bh = 0; bh < B * Hq; bh++) {
            for (@Parallel int j = 0; j < S; j++) {
                int b = bh / Hq;
                int h = bh % Hq;
                int from = ((b * Hkv + kvMap[h]) * S + j) * D;
                int to = (bh * S + j) * D;
                for (int d = 0; d < D; d++) {
                    kRep[to + d] = k[from + d];
                    vRep[to + d] = v[from + d];
                }
            }
        }
    }

    /**
     * Queries {@code first .. first + queries - 1} of {@code heads} query heads (from {@code q[base]}, the first of
     * them query head {@code firstHead} of its sequence) against the S keys of KV head {@code kvHead} of sequence
     * {@code b}, written to {@code out} where they came from.
     */
    static void attendHead(float[] q, int base, int heads, int Tq, int first, int queries, int[] k, int[] v, int[] blockTable,
                           int b, int Hkv, int kvHead, int S, int D, float scale, boolean causal, int TILE, float[] qRows,
                           float[] m, float[] l, float[] acc, float[] scores, float[] out, int options, int window,
                           float softcap, float[] slopes, float[] sinks, int firstHead) {
        int rows = heads * queries;
        int position = S - Tq + first;
        int end = causal ? position + queries : S;
        TiledAttention.gatherQueries(q, base, Tq, heads, first, queries, D, scale, qRows);
        TiledAttention.start(m, l, acc, rows, D);
        if ((options & AttentionOptions.SINKS) != 0) {
            TiledAttention.startAtSinks(m, l, rows, queries, sinks, firstHead);
        }
        TiledAttention.attendKeys(qRows, rows, queries, position, causal ? 1 : 0, k, v, blockTable, b, Hkv, kvHead, S, D,
                KvStorage.FP32, TiledAttention.firstKey(position, options, window), end, scores, TILE, m, l, acc,
                options, window, softcap, slopes, firstHead);
        TiledAttention.scatterOutput(acc, l, heads, queries, D, out, base, Tq, first);
    }
}
