package squall.kernels;

import squall.api.Kernel;
import squall.api.KernelContext;
import squall.api.Parallel;
import squall.api.Specialize;

/**
 * Attention over a paged KV cache: appending new tokens, and attending a step's new queries (decode: one per
 * sequence; prefill: a chunk per sequence, causal) to the cache.
 *
 * <p>One layer's cache is {@code kCache, vCache [numBlocks, Hkv, BS, D]} stored as {@link KvStorage}
 * describes ({@code DTYPE}): a block holds {@code BS} consecutive tokens of every KV head, each head's rows
 * contiguous, so attention streams a head's rows a block at a time and an append writes one row per head.
 * Sequence {@code b}'s token {@code j} is in block {@code blockTable[b * maxBlocks + j / BS]}, row
 * {@code j % BS}; {@code seqLens[b]} tokens are valid. A contiguous tensor {@code [B, Hkv, S, D]} is the special
 * case {@code BS = S}, {@code blockTable[b] = b}.
 *
 * <p>Queries and outputs are {@code [L, B, Hkv * G, Tq, D]}: every layer's rows in one array, so a decode step
 * sends one query array however many layers there are; a kernel works on layer {@code layer}. Query head
 * {@code h} reads KV head {@code h / G}. A step is ragged: sequence {@code b} brings {@code newTokens[b]} of the
 * {@code Tq} rows it has room for ({@code 0 <= newTokens[b] <= Tq}; 0: it sits this step out, as a released slot
 * does), they are its last {@code newTokens[b]} tokens, and its query {@code i} sees keys
 * {@code j <= seqLens[b] - newTokens[b] + i} (decode: its one query sees all). Rows past {@code newTokens[b]} are
 * neither read nor written, except by {@link SplitKv#combineSlices}, whose results there mean nothing. With {@code slices > 1} the
 * keys are split in slices whose unnormalised results go to {@code partials} ({@link SplitKv}) for
 * {@link SplitKv#combineSlices}.
 *
 * <p>The attention kernels take a layer's {@link AttentionOptions}: {@code OPTIONS} (its flags, a specialised
 * constant), {@code window}, {@code softcap}, and {@code slopes} and {@code sinks} ({@code [Hkv * G]}, any
 * length when unused). With a window only its keys are read: split-KV slices cut the window, not the cache.
 */
public final class PagedAttentionKernels {

    private PagedAttentionKernels() {
    }

    /**
     * Writes layer {@code layer}'s {@code newTokens[b]} new tokens of each sequence, the first rows of its
     * {@code Tq} in {@code kNew, vNew [L, B, Hkv, Tq, D]}, at positions {@code seqLens[b] - newTokens[b] ..
     * seqLens[b] - 1} (the lengths already count them).
     */
    @Kernel
    public static void appendKv(float[] kNew, float[] vNew, int[] kCache, int[] vCache, int[] blockTable,
                                int[] seqLens, int[] newTokens, int B, int Hkv, int Tq, @Specialize int D,
                                @Specialize int BS, int maxBlocks, @Specialize int DTYPE, int layer) {
        for (@Parallel int bkv = 0; bkv < B * Hkv; bkv++) {
            for (@Parallel int t = 0; t < Tq; t++) {
                int b = bkv / Hkv;
                int kvHead = bkv % Hkv;
                if (t >= newTokens[b]) {
                    continue;
                }
                int position = seqLens[b] - newTokens[b] + t;
                int offset = KvStorage.rowOffset(blockTable, b * maxBlocks, position, Hkv, kvHead, BS, D, DTYPE);
                int scale = DTYPE == KvStorage.INT8
                        ? KvStorage.scaleWord(blockTable, b * maxBlocks, position, Hkv, kvHead, BS, D) : 0;
                int from = ((layer * B * Hkv + bkv) * Tq + t) * D;
                KvStorage.storeRow(kNew, from, kCache, offset, scale, D, DTYPE);
                KvStorage.storeRow(vNew, from, vCache, offset, scale, D, DTYPE);
            }
        }
    }

    /**
     * Broadcast attention over the cache, for decode and prefill alike: one work-item per (slice, sequence,
     * KV head, query tile of {@code QUERIES} queries) folds the keys of its slice into all {@code G} query heads of the
     * group at those queries ({@code G * QUERIES} query rows, {@link TiledAttention}), a tile of up to {@code TILE}
     * keys at a time, so each K and V row is read once per group and query tile. Work-items are numbered
     * slice first, so consecutive ones (what one JVM thread takes) stream neighbouring stretches of the cache.
     */
    @Kernel
    public static void attendPaged(float[] q, int[] kCache, int[] vCache, int[] blockTable, int[] seqLens,
                                   int[] newTokens, float[] out, float[] partials, float[] slopes, float[] sinks, int B, int Hkv,
                                   @Specialize int G, int Tq, @Specialize int D, @Specialize int BS, int maxBlocks,
                                   float scale, int slices, @Specialize int QUERIES, @Specialize int TILE,
                                   @Specialize int DTYPE, @Specialize int OPTIONS, int window, float softcap,
                                   int layer) {
        for (@Parallel int w = 0; w < slices * B * Hkv * ((Tq + QUERIES - 1) / QUERIES); w++) {
            float[] qRows = new float[G * QUERIES * D];
            float[] acc = new float[G * QUERIES * D];
            float[] m = new float[G * QUERIES];
            float[] l = new float[G * QUERIES];
            float[] scores = new float[G * QUERIES * TILE];
            int queryTiles = (Tq + QUERIES - 1) / QUERIES;
            int slice = w / (B * Hkv * queryTiles);
            int bkv = w / queryTiles % (B * Hkv);
            int first = w % queryTiles * QUERIES;            // the query tile's first query
            int b = bkv / Hkv;
            int queries = Math.min(QUERIES, newTokens[b] - first);
            if (queries <= 0) {
                continue;                                     // past this sequence's rows in this step
            }
            int rows = G * queries;
            int kvHead = bkv % Hkv;
            int headRow = bkv * G * Tq;                       // this layer's row of head kvHead * G, query 0
            int base = (layer * B * Hkv * G * Tq + headRow) * D;
            int position = seqLens[b] - newTokens[b] + first; // the query tile's first query's: the last key it sees
            int lowest = TiledAttention.firstKey(position, OPTIONS, window);
            int start = SplitKv.sliceStart(lowest, position + queries, slices, slice);
            int end = SplitKv.sliceEnd(lowest, position + queries, slices, slice);
            TiledAttention.gatherQueries(q, base, Tq, G, first, queries, D, scale, qRows);
            TiledAttention.start(m, l, acc, rows, D);
            if ((OPTIONS & AttentionOptions.SINKS) != 0 && slice == 0) {
                TiledAttention.startAtSinks(m, l, rows, queries, sinks, kvHead * G);
            }
            TiledAttention.attendKeys(qRows, rows, queries, position, 1, kCache, vCache, blockTable, b * maxBlocks, Hkv,
                    kvHead, BS, D, DTYPE, start, end, scores, TILE, m, l, acc, OPTIONS, window, softcap, slopes,
                    kvHead * G);
            if (slices == 1) {
                TiledAttention.scatterOutput(acc, l, G, queries, D, out, base, Tq, first);
            } else {
                SplitKv.writePartials(acc, m, l, G, queries, D, partials, headRow + first, Tq, slices, slice);
            }
        }
    }

    /**
     * Gather attention over the cache: one work-item per (sequence, query head, query), each reading its KV head
     * on its own: G times the reads of {@link #attendPaged}, the baseline it beats.
     */
    @Kernel
    public static void attendPagedGather(float[] q, int[] kCache, int[] vCache, int[] blockTable, int[] seqLens,
                                         int[] newTokens, float[] out, float[] slopes, float[] sinks, int B, int Hkv, int G, int Tq,
                                         @Specialize int D, @Specialize int BS, int maxBlocks, float scale,
                                         @Specialize int TILE, @Specialize int DTYPE, @Specialize int OPTIONS,
                                         int window, float softcap, int layer) {
        for (@Parallel int bh = 0; bh < B * Hkv * G; bh++) {
            for (@Parallel int i = 0; i < Tq; i++) {
                float[] qRow = new float[D];
                float[] acc = new float[D];
                float[] m = new float[1];
                float[] l = new float[1];
                float[] scores = new float[TILE];
                int b = bh / (Hkv * G);
                if (i >= newTokens[b]) {
                    continue;
                }
                int h = bh % (Hkv * G);
                int base = (layer * B * Hkv * G + bh) * Tq * D;
                int position = seqLens[b] - newTokens[b] + i;
                TiledAttention.gatherQueries(q, base, Tq, 1, i, 1, D, scale, qRow);
                TiledAttention.start(m, l, acc, 1, D);
                if ((OPTIONS & AttentionOptions.SINKS) != 0) {
                    TiledAttention.startAtSinks(m, l, 1, 1, sinks, h);
                }
                TiledAttention.attendKeys(qRow, 1, 1, position, 1, kCache, vCache, blockTable, b * maxBlocks, Hkv, h / G,
                        BS, D, DTYPE, TiledAttention.firstKey(position, OPTIONS, window), position + 1, scores, TILE, m,
                        l, acc, OPTIONS, window, softcap, slopes, h);
                TiledAttention.scatterOutput(acc, l, 1, 1, D, out, base, Tq, i);
            }
        }
    }

    /**
     * The GQA work-group kernel, for decode (Tq = 1). One work-group serves one (sequence, KV head,
     * slice): it stages each tile of {@code TILE} keys and values in local memory once, and all
     * {@code G} query heads of the group use it, with an online softmax.
     *
     * <p>Launch: {@code B * Hkv * slices} work-groups of {@code ITEMS} work-items,
     * {@code PER_ITEM = ceil(G * D / ITEMS)}. The group size is a compile-time constant so that loops
     * over a tile have trip counts the device compiler can unroll, keeping many loads in flight.
     * {@code COALESCED = 1} spreads every loop across the work-group element by element, so adjacent
     * work-items touch adjacent addresses (what GPUs want); {@code COALESCED = 0} gives each work-item
     * a contiguous run of rows and outputs (what CPUs want).
     */
    @Kernel
    public static void decodeWorkGroup(KernelContext ctx, float[] q, int[] kCache, int[] vCache, int[] blockTable,
                                       int[] seqLens, int[] newTokens, float[] out, float[] partials,
                                       float[] slopes, float[] sinks, int B, int Hkv, @Specialize int G, @Specialize int D, @Specialize int BS,
                                       int maxBlocks, float scale, int slices, @Specialize int TILE,
                                       @Specialize int ITEMS, @Specialize int PER_ITEM, @Specialize int COALESCED,
                                       @Specialize int DTYPE, @Specialize int OPTIONS, int window, float softcap,
                                       int layer) {
        float[] kTile = ctx.allocateFloatLocalArray(TILE * (D + 1)); // rows padded by one: no bank conflicts
        float[] vTile = ctx.allocateFloatLocalArray(TILE * D);
        float[] weights = ctx.allocateFloatLocalArray(G * TILE);   // scores, then exp(score - max)
        float[] m = ctx.allocateFloatLocalArray(G);            // running maximum of each query head's scores
        float[] l = ctx.allocateFloatLocalArray(G);            // running sum of its weights
        float[] correction = ctx.allocateFloatLocalArray(G);   // e^(m_old - m_new) of the tile just folded
        float[] acc = new float[PER_ITEM];

        int items = ITEMS;
        int item = ctx.localIdx;
        int slice = ctx.groupIdx % slices;
        int b = ctx.groupIdx / slices / Hkv;
        int kvHead = ctx.groupIdx / slices % Hkv;
        int length = newTokens[b] == 0 ? 0 : seqLens[b];     // a sequence sitting this step out reads nothing
        int lowest = TiledAttention.firstKey(length - 1, OPTIONS, window);
        int start = SplitKv.sliceStart(lowest, length, slices, slice);
        int end = SplitKv.sliceEnd(lowest, length, slices, slice);
        boolean sink = (OPTIONS & AttentionOptions.SINKS) != 0 && slice == 0;   // one slice starts at the sink
        int qBase = ((layer * B + b) * Hkv + kvHead) * G * D; // q[layer, b, kvHead * G + r, d] = q[qBase + r * D + d]

        // Every loop below runs the same number of times in every work-item, with a guard: work-items
        // whose trip counts differ around barriers are a known way to break CPU OpenCL compilers.
        for (int r0 = 0; r0 < G; r0 += items) {
            int r = r0 + item;
            if (r < G) {
                m[r] = sink ? sinks[kvHead * G + r] : Float.NEGATIVE_INFINITY;
                l[r] = sink ? 1.0f : 0.0f;
            }
        }
        ctx.localBarrier();
        for (int tileStart = start; tileStart < end; tileStart += TILE) {
            int n = Math.min(TILE, end - tileStart);
            // 1. Stage the tile's K and V rows: each is read from the cache once for the whole group.
            if (COALESCED == 1) {
                // Whole words (one fp32 value, two 16-bit ones or four int8) spread over the work-items.
                int perWord = KvStorage.perWord(DTYPE);
                for (int w0 = 0; w0 < TILE * D / perWord; w0 += items) {
                    int e = (w0 + item) * perWord;
                    if (e < n * D) {
                        int j = e / D;
                        int d = e % D;
                        int offset = KvStorage.rowOffset(blockTable, b * maxBlocks, tileStart + j, Hkv, kvHead, BS, D, DTYPE);
                        float kScale = 1.0f;
                        float vScale = 1.0f;
                        if (DTYPE == KvStorage.INT8) {
                            int word = KvStorage.scaleWord(blockTable, b * maxBlocks, tileStart + j, Hkv, kvHead, BS, D);
                            kScale = KvStorage.scale(kCache, word);
                            vScale = KvStorage.scale(vCache, word);
                        }
                        KvStorage.stage(kCache, offset + d, kTile, j * (D + 1) + d, kScale, DTYPE);
                        KvStorage.stage(vCache, offset + d, vTile, j * D + d, vScale, DTYPE);
                    }
                }
            } else {
                int rowsEach = (n + items - 1) / items;
                for (int jj = 0; jj < rowsEach; jj++) {
                    int j = item * rowsEach + jj;
                    if (j < n) {
                        int offset = KvStorage.rowOffset(blockTable, b * maxBlocks, tileStart + j, Hkv, kvHead, BS, D, DTYPE);
                        if (DTYPE == KvStorage.INT8) {
                            int word = KvStorage.scaleWord(blockTable, b * maxBlocks, tileStart + j, Hkv, kvHead, BS, D);
                            float kScale = KvStorage.scale(kCache, word);
                            float vScale = KvStorage.scale(vCache, word);
                            for (int d = 0; d < D; d++) {
                                kTile[j * (D + 1) + d] = kScale * KvStorage.load(kCache, offset + d, DTYPE);
                                vTile[j * D + d] = vScale * KvStorage.load(vCache, offset + d, DTYPE);
                            }
                        } else {
                            for (int d = 0; d < D; d++) {
                                kTile[j * (D + 1) + d] = KvStorage.load(kCache, offset + d, DTYPE);
                                vTile[j * D + d] = KvStorage.load(vCache, offset + d, DTYPE);
                            }
                        }
                    }
                }
            }
            ctx.localBarrier();
            // 2. Scores of every (query head, key) pair of the tile; the window is the range of keys.
            int pairsEach = (G * TILE + items - 1) / items;
            for (int k = 0; k < pairsEach; k++) {
                int pair = COALESCED == 1 ? k * items + item : item * pairsEach + k;
                if (pair < G * n) {
                    int r = pair / n;
                    int j = pair % n;
                    float score = scale * tileDot(q, qBase + r * D, kTile, j * (D + 1), D);
                    if ((OPTIONS & AttentionOptions.SOFTCAP) != 0) {
                        score = softcap * (float) Math.tanh(score / softcap);
                    }
                    if ((OPTIONS & AttentionOptions.ALIBI) != 0) {
                        score = score - slopes[kvHead * G + r] * (length - 1 - tileStart - j);
                    }
                    weights[r * TILE + j] = score;
                }
            }
            ctx.localBarrier();
            // 3. Online softmax: a larger maximum shrinks what was accumulated so far.
            for (int r0 = 0; r0 < G; r0 += items) {
                int r = r0 + item;
                if (r < G) {
                    correction[r] = TiledAttention.foldRow(weights, r * TILE, n, m, l, r);
                }
            }
            ctx.localBarrier();
            // 4. Each work-item updates the outputs it owns: acc = acc * correction + sum_j w_j v_j.
            for (int i = 0; i < PER_ITEM; i++) {
                int o = COALESCED == 1 ? i * items + item : item * PER_ITEM + i;
                if (o < G * D) {
                    int r = o / D;
                    int d = o % D;
                    float a = acc[i] * correction[r];
                    for (int j = 0; j < n; j++) {
                        a = a + weights[r * TILE + j] * vTile[j * D + d];
                    }
                    acc[i] = a;
                }
            }
            ctx.localBarrier();
        }
        // 5. One slice: normalise into out. Several: leave the pieces for combineSlices.
        for (int i = 0; i < PER_ITEM; i++) {
            int o = COALESCED == 1 ? i * items + item : item * PER_ITEM + i;
            if (o < G * D) {
                int r = o / D;
                int d = o % D;
                if (slices == 1) {
                    out[qBase + o] = acc[i] / l[r];
                } else {
                    int p = SplitKv.offset((b * Hkv + kvHead) * G + r, slices, slice, D);
                    partials[p + d] = acc[i];
                    if (d == 0) {
                        partials[p + D] = m[r];
                        partials[p + D + 1] = l[r];
                    }
                }
            }
        }
    }

    /**
     * The textbook {@code repeat_kv}: copies each KV head's valid rows to every query head of its
     * group, as fp32 (int8 rows times their scales), into {@code kRep, vRep [numBlocks, Hkv * G, BS, D]} (same block table). Costs G
     * times the memory and G times the reads; kept as the baseline broadcast improves on.
     */
    @Kernel
    public static void repeatKv(int[] kCache, int[] vCache, int[] kRep, int[] vRep, int[] blockTable, int[] seqLens,
                                int B, int Hkv, int G, @Specialize int D, @Specialize int BS, int maxBlocks,
                                @Specialize int DTYPE) {
        for (@Parallel int bh = 0; bh < B * Hkv * G; bh++) {
            for (@Parallel int j = 0; j < maxBlocks * BS; j++) {
                int b = bh / (Hkv * G);
                int h = bh % (Hkv * G);
                if (j >= seqLens[b]) {
                    continue;
                }
                int from = KvStorage.rowOffset(blockTable, b * maxBlocks, j, Hkv, h / G, BS, D, DTYPE);
                int to = KvStorage.rowOffset(blockTable, b * maxBlocks, j, Hkv * G, h, BS, D, KvStorage.FP32);
                float kScale = 1.0f;
                float vScale = 1.0f;
                if (DTYPE == KvStorage.INT8) {
                    int word = KvStorage.scaleWord(blockTable, b * maxBlocks, j, Hkv, h / G, BS, D);
                    kScale = KvStorage.scale(kCache, word);
                    vScale = KvStorage.scale(vCache, word);
                }
                for (int d = 0; d < D; d++) {
                    kRep[to + d] = Float.floatToRawIntBits(kScale * KvStorage.load(kCache, from + d, DTYPE));
                    vRep[to + d] = Float.floatToRawIntBits(vScale * KvStorage.load(vCache, from + d, DTYPE));
                }
            }
        }
    }

    /** {@code q[qOff..qOff+n) . tile[tOff..tOff+n)} with four partial sums (the tile is in local memory). */
    static float tileDot(float[] q, int qOff, float[] tile, int tOff, int n) {
        float s0 = 0.0f;
        float s1 = 0.0f;
        float s2 = 0.0f;
        float s3 = 0.0f;
        int d = 0;
        for (; d + 3 < n; d += 4) {
            s0 = s0 + q[qOff + d] * tile[tOff + d];
            s1 = s1 + q[qOff + d + 1] * tile[tOff + d + 1];
            s2 = s2 + q[qOff + d + 2] * tile[tOff + d + 2];
            s3 = s3 + q[qOff + d + 3] * tile[tOff + d + 3];
        }
        for (; d < n; d++) {
            s0 = s0 + q[qOff + d] * tile[tOff + d];
        }
        return (s0 + s1) + (s2 + s3);
    }
}
