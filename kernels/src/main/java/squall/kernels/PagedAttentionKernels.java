package squall.kernels;

import squall.api.Kernel;
import squall.api.KernelContext;
import squall.api.KernelMath;
import squall.api.Parallel;
import squall.api.Specialize;

/**
 * Attention over a paged KV cache: appending new tokens, decode (one new token per sequence) and
 * prefill (a chunk of new tokens per sequence, causal).
 *
 * <p>One layer's cache is {@code kCache, vCache [numBlocks, Hkv, BS, D]} stored as {@link KvStorage}
 * describes ({@code DTYPE}). A physical block holds {@code BS} consecutive tokens of every KV head,
 * and each head's rows in a block are contiguous ({@code BS x D} values): a kernel streaming one
 * head reads whole rows, and an append writes one row per head. Sequence {@code b}'s token {@code j}
 * is in physical block {@code blockTable[b * maxBlocks + j / BS]}, row {@code j % BS};
 * {@code seqLens[b]} tokens are valid. A contiguous tensor {@code [B, Hkv, S, D]} is the special
 * case {@code BS = S}, {@code blockTable[b] = b}.
 *
 * <p>Queries and outputs are {@code [L, B, Hkv * G, Tq, D]}: every layer's rows in one array, so a
 * decode step sends one query array however many layers there are; a kernel works on layer
 * {@code layer}. Query head {@code h} reads KV head {@code h / G}. The Tq queries of sequence {@code b} are its last Tq tokens: query {@code i} sees
 * keys {@code j <= seqLens[b] - Tq + i} (decode: Tq = 1 sees all). With {@code slices > 1} the keys
 * are split in slices whose unnormalised results go to {@code partials [B, Hkv * G, Tq, slices, D + 2]}
 * (accumulator, maximum, sum; one layer's worth, reused) for {@link #combineSlices}.
 */
public final class PagedAttentionKernels {

    private PagedAttentionKernels() {
    }

    /**
     * Writes layer {@code layer}'s Tq new tokens per sequence, from {@code kNew, vNew [L, B, Hkv, Tq, D]},
     * at positions {@code seqLens[b] - Tq .. seqLens[b] - 1} (the lengths already count them).
     */
    @Kernel
    public static void appendKv(float[] kNew, float[] vNew, int[] kCache, int[] vCache, int[] blockTable,
                                int[] seqLens, int B, int Hkv, int Tq, @Specialize int D, @Specialize int BS,
                                int maxBlocks, @Specialize int DTYPE, int layer) {
        for (@Parallel int bkv = 0; bkv < B * Hkv; bkv++) {
            for (@Parallel int t = 0; t < Tq; t++) {
                int b = bkv / Hkv;
                int kvHead = bkv % Hkv;
                int row = cacheRow(blockTable, maxBlocks, b, seqLens[b] - Tq + t, Hkv, kvHead, BS, D);
                int from = ((layer * B * Hkv + bkv) * Tq + t) * D;
                if (DTYPE == KvStorage.FP32) {
                    for (int d = 0; d < D; d++) {
                        kCache[row + d] = Float.floatToRawIntBits(kNew[from + d]);
                        vCache[row + d] = Float.floatToRawIntBits(vNew[from + d]);
                    }
                } else {
                    for (int d = 0; d < D; d += 2) {
                        kCache[(row + d) / 2] = packPair(kNew[from + d], kNew[from + d + 1], DTYPE);
                        vCache[(row + d) / 2] = packPair(vNew[from + d], vNew[from + d + 1], DTYPE);
                    }
                }
            }
        }
    }

    /**
     * Broadcast attention over the cache: one work-item per (sequence, KV head, query row, slice)
     * serves the group's {@code G} query heads, so each K and V row is read once per group.
     */
    @Kernel
    public static void attendPaged(float[] q, int[] kCache, int[] vCache, int[] blockTable, int[] seqLens,
                                   float[] out, float[] partials, int B, int Hkv, @Specialize int G, int Tq,
                                   @Specialize int D, @Specialize int BS, int maxBlocks, float scale, int slices,
                                   @Specialize int BLOCK, @Specialize int DTYPE, int layer) {
        for (@Parallel int bkv = 0; bkv < B * Hkv; bkv++) {
            for (@Parallel int i = 0; i < Tq; i++) {
                for (@Parallel int slice = 0; slice < slices; slice++) {
                    float[] m = new float[G];
                    float[] l = new float[G];
                    float[] acc = new float[G * D];
                    float[] scores = new float[G * BLOCK];
                    float[] row = new float[D];
                    int b = bkv / Hkv;
                    int kvHead = bkv % Hkv;
                    int visible = seqLens[b] - Tq + i + 1;
                    int perSlice = (visible + slices - 1) / slices;
                    int start = Math.min(visible, slice * perSlice);
                    int end = Math.min(visible, start + perSlice);
                    int firstRow = bkv * G * Tq + i;   // this layer's row of head kvHead * G, query i
                    int layerRows = layer * B * Hkv * G * Tq;
                    attendRows(q, (layerRows + firstRow) * D, Tq * D, G, kCache, vCache, blockTable, maxBlocks, b, Hkv, kvHead, BS,
                            start, end, scale, D, BLOCK, DTYPE, m, l, acc, scores, row);
                    for (int r = 0; r < G; r++) {
                        int outRow = firstRow + r * Tq;
                        if (slices == 1) {
                            float inverse = 1.0f / l[r];
                            for (int d = 0; d < D; d++) {
                                out[(layerRows + outRow) * D + d] = acc[r * D + d] * inverse;
                            }
                        } else {
                            int p = (outRow * slices + slice) * (D + 2);
                            for (int d = 0; d < D; d++) {
                                partials[p + d] = acc[r * D + d];
                            }
                            partials[p + D] = m[r];
                            partials[p + D + 1] = l[r];
                        }
                    }
                }
            }
        }
    }

    /**
     * Gather attention over the cache: one work-item per (sequence, query head, query row), each
     * reading its KV head on its own: G times the reads of {@link #attendPaged}, the baseline it beats.
     */
    @Kernel
    public static void attendPagedGather(float[] q, int[] kCache, int[] vCache, int[] blockTable, int[] seqLens,
                                         float[] out, int B, int Hkv, int G, int Tq, @Specialize int D,
                                         @Specialize int BS, int maxBlocks, float scale, @Specialize int BLOCK,
                                         @Specialize int DTYPE, int layer) {
        for (@Parallel int bh = 0; bh < B * Hkv * G; bh++) {
            for (@Parallel int i = 0; i < Tq; i++) {
                float[] m = new float[1];
                float[] l = new float[1];
                float[] acc = new float[D];
                float[] scores = new float[BLOCK];
                float[] kvRow = new float[D];
                int b = bh / (Hkv * G);
                int kvHead = bh % (Hkv * G) / G;
                int row = (layer * B * Hkv * G + bh) * Tq + i;
                attendRows(q, row * D, 0, 1, kCache, vCache, blockTable, maxBlocks, b, Hkv, kvHead, BS,
                        0, seqLens[b] - Tq + i + 1, scale, D, BLOCK, DTYPE, m, l, acc, scores, kvRow);
                float inverse = 1.0f / l[0];
                for (int d = 0; d < D; d++) {
                    out[row * D + d] = acc[d] * inverse;
                }
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
                                       int[] seqLens, float[] out, float[] partials, int B, int Hkv, @Specialize int G,
                                       @Specialize int D, @Specialize int BS, int maxBlocks, float scale, int slices,
                                       @Specialize int TILE, @Specialize int ITEMS, @Specialize int PER_ITEM,
                                       @Specialize int COALESCED, @Specialize int DTYPE, int layer) {
        float[] kTile = ctx.allocateFloatLocalArray(TILE * (D + 1)); // rows padded by one: no bank conflicts
        float[] vTile = ctx.allocateFloatLocalArray(TILE * D);
        float[] weights = ctx.allocateFloatLocalArray(G * TILE);   // scores, then exp(score - max)
        float[] rowMax = ctx.allocateFloatLocalArray(G);
        float[] rowSum = ctx.allocateFloatLocalArray(G);
        float[] rescale = ctx.allocateFloatLocalArray(G);
        float[] acc = new float[PER_ITEM];

        int items = ITEMS;
        int item = ctx.localIdx;
        int slice = ctx.groupIdx % slices;
        int b = ctx.groupIdx / slices / Hkv;
        int kvHead = ctx.groupIdx / slices % Hkv;
        int length = seqLens[b];
        int perSlice = (length + slices - 1) / slices;
        int start = Math.min(length, slice * perSlice);
        int end = Math.min(length, start + perSlice);
        int qBase = ((layer * B + b) * Hkv + kvHead) * G * D; // q[layer, b, kvHead * G + r, d] = q[qBase + r * D + d]

        // Every loop below runs the same number of times in every work-item, with a guard: work-items
        // whose trip counts differ around barriers are a known way to break CPU OpenCL compilers.
        for (int r0 = 0; r0 < G; r0 += items) {
            int r = r0 + item;
            if (r < G) {
                rowMax[r] = Float.NEGATIVE_INFINITY;
                rowSum[r] = 0.0f;
            }
        }
        ctx.localBarrier();
        for (int tileStart = start; tileStart < end; tileStart += TILE) {
            int n = Math.min(TILE, end - tileStart);
            // 1. Stage the tile's K and V rows: each is read from the cache once for the whole group.
            if (COALESCED == 1) {
                // Whole words (one fp32 value, or two 16-bit ones) spread over the work-items.
                int perWord = DTYPE == KvStorage.FP32 ? 1 : 2;
                for (int w0 = 0; w0 < TILE * D / perWord; w0 += items) {
                    int e = (w0 + item) * perWord;
                    if (e < n * D) {
                        int j = e / D;
                        int d = e % D;
                        int row = cacheRow(blockTable, maxBlocks, b, tileStart + j, Hkv, kvHead, BS, D);
                        stage(kCache, row + d, kTile, j * (D + 1) + d, DTYPE);
                        stage(vCache, row + d, vTile, j * D + d, DTYPE);
                    }
                }
            } else {
                int rowsEach = (n + items - 1) / items;
                for (int jj = 0; jj < rowsEach; jj++) {
                    int j = item * rowsEach + jj;
                    if (j < n) {
                        int row = cacheRow(blockTable, maxBlocks, b, tileStart + j, Hkv, kvHead, BS, D);
                        for (int d = 0; d < D; d++) {
                            kTile[j * (D + 1) + d] = load(kCache, row + d, DTYPE);
                            vTile[j * D + d] = load(vCache, row + d, DTYPE);
                        }
                    }
                }
            }
            ctx.localBarrier();
            // 2. Scores of every (query head, key) pair of the tile.
            int pairsEach = (G * TILE + items - 1) / items;
            for (int k = 0; k < pairsEach; k++) {
                int pair = COALESCED == 1 ? k * items + item : item * pairsEach + k;
                if (pair < G * n) {
                    int r = pair / n;
                    int j = pair % n;
                    weights[r * TILE + j] = scale * tileDot(q, qBase + r * D, kTile, j * (D + 1), D);
                }
            }
            ctx.localBarrier();
            // 3. Online softmax: a larger maximum shrinks what was accumulated so far.
            for (int r0 = 0; r0 < G; r0 += items) {
                int r = r0 + item;
                if (r < G) {
                    float oldMax = rowMax[r];
                    float newMax = oldMax;
                    for (int j = 0; j < n; j++) {
                        newMax = Math.max(newMax, weights[r * TILE + j]);
                    }
                    float sum = 0.0f;
                    for (int j = 0; j < n; j++) {
                        float w = KernelMath.exp(weights[r * TILE + j] - newMax);
                        weights[r * TILE + j] = w;
                        sum = sum + w;
                    }
                    rescale[r] = KernelMath.exp(oldMax - newMax);
                    rowMax[r] = newMax;
                    rowSum[r] = rowSum[r] * rescale[r] + sum;
                }
            }
            ctx.localBarrier();
            // 4. Each work-item updates the outputs it owns: acc = acc * rescale + sum_j w_j v_j.
            for (int i = 0; i < PER_ITEM; i++) {
                int o = COALESCED == 1 ? i * items + item : item * PER_ITEM + i;
                if (o < G * D) {
                    int r = o / D;
                    int d = o % D;
                    float a = acc[i] * rescale[r];
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
                    out[qBase + o] = acc[i] / rowSum[r];
                } else {
                    int p = (((b * Hkv + kvHead) * G + r) * slices + slice) * (D + 2);
                    partials[p + d] = acc[i];
                    if (d == 0) {
                        partials[p + D] = rowMax[r];
                        partials[p + D + 1] = rowSum[r];
                    }
                }
            }
        }
    }

    /**
     * Merges split-KV slices into rows {@code outRow..outRow+rows-1} of {@code out}: for each row, with
     * {@code m_s, l_s, acc_s} the maximum, sum and accumulator of slice {@code s} and {@code m = max m_s},
     * {@code out = sum_s e^(m_s - m) acc_s / sum_s e^(m_s - m) l_s} (a log-sum-exp merge). Empty slices
     * have {@code m_s = -inf} and weigh nothing.
     */
    @Kernel
    public static void combineSlices(float[] partials, float[] out, int rows, int slices, @Specialize int D, int outRow) {
        for (@Parallel int row = 0; row < rows; row++) {
            for (@Parallel int d = 0; d < D; d++) {
                int first = row * slices * (D + 2);
                float max = Float.NEGATIVE_INFINITY;
                for (int s = 0; s < slices; s++) {
                    max = Math.max(max, partials[first + s * (D + 2) + D]);
                }
                float value = 0.0f;
                float sum = 0.0f;
                for (int s = 0; s < slices; s++) {
                    int p = first + s * (D + 2);
                    float weight = partials[p + D] == Float.NEGATIVE_INFINITY ? 0.0f : KernelMath.exp(partials[p + D] - max);
                    value = value + weight * partials[p + d];
                    sum = sum + weight * partials[p + D + 1];
                }
                out[(outRow + row) * D + d] = value / sum;
            }
        }
    }

    /**
     * The textbook {@code repeat_kv}: copies each KV head's valid rows to every query head of its
     * group, as fp32, into {@code kRep, vRep [numBlocks, Hkv * G, BS, D]} (same block table). Costs G
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
                int from = cacheRow(blockTable, maxBlocks, b, j, Hkv, h / G, BS, D);
                int to = cacheRow(blockTable, maxBlocks, b, j, Hkv * G, h, BS, D);
                for (int d = 0; d < D; d++) {
                    kRep[to + d] = Float.floatToRawIntBits(load(kCache, from + d, DTYPE));
                    vRep[to + d] = Float.floatToRawIntBits(load(vCache, from + d, DTYPE));
                }
            }
        }
    }

    /**
     * Attention of {@code rows} query rows sharing KV head {@code kvHead} of sequence {@code b}, over keys
     * {@code start..end-1}: the rows start at {@code qBase} and are {@code qStride} apart in {@code q}.
     * Leaves the running maximum {@code m}, sum {@code l} and unnormalised accumulator {@code acc}
     * ({@code m = -inf, l = 0, acc = 0} for no keys); {@code scores[rows * block]} and {@code row[D]} are
     * scratch: each K and V row is widened to floats into {@code row} once, then used by every query row.
     */
    static void attendRows(float[] q, int qBase, int qStride, int rows, int[] kCache, int[] vCache,
                           int[] blockTable, int maxBlocks, int b, int Hkv, int kvHead, int BS, int start, int end,
                           float scale, int D, int block, int DTYPE, float[] m, float[] l, float[] acc, float[] scores,
                           float[] row) {
        for (int r = 0; r < rows; r++) {
            m[r] = Float.NEGATIVE_INFINITY;
            l[r] = 0.0f;
            for (int d = 0; d < D; d++) {
                acc[r * D + d] = 0.0f;
            }
        }
        for (int first = start; first < end; first += block) {
            int n = Math.min(block, end - first);
            // Scores of the block: each K row is read once and used by every row of the group.
            for (int j = 0; j < n; j++) {
                widenRow(kCache, cacheRow(blockTable, maxBlocks, b, first + j, Hkv, kvHead, BS, D), row, D, DTYPE);
                for (int r = 0; r < rows; r++) {
                    scores[r * block + j] = scale * rowDot(q, qBase + r * qStride, row, D);
                }
            }
            // A larger maximum shrinks what was accumulated so far by exp(mOld - mNew).
            for (int r = 0; r < rows; r++) {
                float blockMax = m[r];
                for (int j = 0; j < n; j++) {
                    blockMax = Math.max(blockMax, scores[r * block + j]);
                }
                float correction = KernelMath.exp(m[r] - blockMax);
                m[r] = blockMax;
                l[r] = l[r] * correction;
                for (int d = 0; d < D; d++) {
                    acc[r * D + d] = acc[r * D + d] * correction;
                }
                // Scores become weights exp(score - max) in a loop of their own, which compilers vectorise.
                for (int j = 0; j < n; j++) {
                    scores[r * block + j] = KernelMath.exp(scores[r * block + j] - blockMax);
                }
                for (int j = 0; j < n; j++) {
                    l[r] = l[r] + scores[r * block + j];
                }
            }
            // Weighted values: each V row is read once and used by every row of the group.
            for (int j = 0; j < n; j++) {
                widenRow(vCache, cacheRow(blockTable, maxBlocks, b, first + j, Hkv, kvHead, BS, D), row, D, DTYPE);
                for (int r = 0; r < rows; r++) {
                    float p = scores[r * block + j];
                    for (int d = 0; d < D; d++) {
                        acc[r * D + d] = acc[r * D + d] + p * row[d];
                    }
                }
            }
        }
    }

    /** Offset in the cache of the row of sequence {@code b}'s token {@code position}, KV head {@code kvHead}. */
    static int cacheRow(int[] blockTable, int maxBlocks, int b, int position, int Hkv, int kvHead, int BS, int D) {
        int block = blockTable[b * maxBlocks + position / BS];
        return ((block * Hkv + kvHead) * BS + position % BS) * D;
    }

    /** Widens the {@code D} cache values from offset {@code off} into {@code row}. */
    static void widenRow(int[] cache, int off, float[] row, int D, int DTYPE) {
        if (DTYPE == KvStorage.FP32) {
            for (int d = 0; d < D; d++) {
                row[d] = Float.intBitsToFloat(cache[off + d]);
            }
        } else if (DTYPE == KvStorage.FP16) {
            KernelMath.widenHalves(cache, off, row, 0, D); // a vector conversion where the device has one
        } else {
            for (int d = 0; d < D; d += 2) {
                int word = cache[(off + d) >> 1];
                row[d] = widen(word & 0xffff, DTYPE);
                row[d + 1] = widen(word >>> 16, DTYPE);
            }
        }
    }

    /** {@code q[qOff..qOff+n) . row[0..n)} with four partial sums, which hides the adder's latency. */
    static float rowDot(float[] q, int qOff, float[] row, int n) {
        float s0 = 0.0f;
        float s1 = 0.0f;
        float s2 = 0.0f;
        float s3 = 0.0f;
        int d = 0;
        for (; d + 3 < n; d += 4) {
            s0 = s0 + q[qOff + d] * row[d];
            s1 = s1 + q[qOff + d + 1] * row[d + 1];
            s2 = s2 + q[qOff + d + 2] * row[d + 2];
            s3 = s3 + q[qOff + d + 3] * row[d + 3];
        }
        for (; d < n; d++) {
            s0 = s0 + q[qOff + d] * row[d];
        }
        return (s0 + s1) + (s2 + s3);
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

    // ---------------------------------------------------------------- storage (see KvStorage)
    // fp16 goes through the JDK's Float.float16ToFloat and floatToFloat16 (hardware instructions on the
    // JVM; bit-exact C on devices, see the kernel compiler's HalfPrecision); bf16 is a shift.

    /** Element {@code i} of a cache stored as {@code DTYPE}. */
    static float load(int[] cache, int i, int DTYPE) {
        if (DTYPE == KvStorage.FP32) {
            return Float.intBitsToFloat(cache[i]);
        }
        int word = cache[i >> 1];
        return widen((i & 1) == 0 ? word & 0xffff : word >>> 16, DTYPE);
    }

    /**
     * Copies the word of the cache holding element {@code i} to {@code tile[t..]}: one fp32 value, or
     * the two 16-bit values of the word ({@code i} even, as rows of an even head dim start).
     */
    static void stage(int[] cache, int i, float[] tile, int t, int DTYPE) {
        if (DTYPE == KvStorage.FP32) {
            tile[t] = Float.intBitsToFloat(cache[i]);
        } else {
            int word = cache[i >> 1];
            tile[t] = widen(word & 0xffff, DTYPE);
            tile[t + 1] = widen(word >>> 16, DTYPE);
        }
    }

    /** The float a 16-bit value of {@code DTYPE} stands for. */
    static float widen(int bits, int DTYPE) {
        return DTYPE == KvStorage.BF16 ? Float.intBitsToFloat(bits << 16) : Float.float16ToFloat((short) bits);
    }

    /** {@code a} and {@code b} rounded to a 16-bit {@code DTYPE} and packed, {@code a} in the low half. */
    static int packPair(float a, float b, int DTYPE) {
        int low = DTYPE == KvStorage.BF16 ? floatToBf16(a) : Float.floatToFloat16(a) & 0xffff;
        int high = DTYPE == KvStorage.BF16 ? floatToBf16(b) : Float.floatToFloat16(b) & 0xffff;
        return low | (high << 16);
    }

    /** The bf16 bits nearest to {@code f}, ties to even; NaNs stay NaN (quiet). */
    static int floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            return ((bits >>> 16) | 0x40) & 0xffff;
        }
        return ((bits + 0x7fff + ((bits >>> 16) & 1)) >>> 16) & 0xffff;
    }
}
