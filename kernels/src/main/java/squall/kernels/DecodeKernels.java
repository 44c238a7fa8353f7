package squall.kernels;

import squall.api.Kernel;
import squall.api.KernelContext;
import squall.api.KernelMath;
import squall.api.Parallel;
import squall.api.Specialize;

/**
 * Decode attention over a paged KV cache: one new query token per sequence attends to the
 * sequence's cached keys.
 *
 * <p>Layout of one layer's cache: {@code kCache, vCache [numBlocks, Hkv, BS, D]}: a physical block
 * holds {@code BS} consecutive tokens of every KV head, and each head's tokens in a block are
 * contiguous ({@code BS x D} floats), so a kernel streaming one head reads whole rows. Sequence
 * {@code b}'s token {@code j} lives in physical block {@code blockTable[b * maxBlocks + j / BS]}
 * at row {@code j % BS}; {@code seqLens[b]} tokens are valid. A contiguous tensor
 * {@code [B, Hkv, S, D]} is the special case {@code BS = S}, {@code blockTable[b] = b}.
 *
 * <p>Queries and outputs: {@code q, out [B, Hkv * G, D]}; query head {@code h} reads KV head {@code h / G}.
 */
public final class DecodeKernels {

    private DecodeKernels() {
    }

    /**
     * The GQA work-group kernel. One work-group serves one (sequence, KV head, slice of the
     * sequence): it stages each tile of {@code TILE} keys and values in local memory once, and all
     * {@code G} query heads of the group use it, with an online softmax.
     *
     * <p>Launch: {@code B * Hkv * slices} work-groups of {@code L} work-items; {@code PER_ITEM = ceil(G * D / L)}.
     * With one slice the result goes to {@code out}; with several, each slice writes its unnormalised
     * accumulator, maximum and sum to {@code partials [B, Hkv * G, slices, D + 2]} for {@link #combineSlices}.
     *
     * <p>{@code COALESCED = 1} spreads every loop across the work-group element by element, so adjacent
     * work-items touch adjacent addresses (what GPUs want); {@code COALESCED = 0} gives each work-item
     * a contiguous run of rows and outputs (what CPUs want).
     */
    @Kernel
    public static void decodeWorkGroup(KernelContext ctx, float[] q, float[] kCache, float[] vCache,
                                       int[] blockTable, int[] seqLens, float[] out, float[] partials,
                                       int Hkv, @Specialize int G, @Specialize int D, @Specialize int BS,
                                       int maxBlocks, float scale, int slices,
                                       @Specialize int TILE, @Specialize int PER_ITEM, @Specialize int COALESCED) {
        float[] kTile = ctx.allocateFloatLocalArray(TILE * (D + 1)); // rows padded by one: no bank conflicts
        float[] vTile = ctx.allocateFloatLocalArray(TILE * D);
        float[] weights = ctx.allocateFloatLocalArray(G * TILE);   // scores, then exp(score - max)
        float[] rowMax = ctx.allocateFloatLocalArray(G);
        float[] rowSum = ctx.allocateFloatLocalArray(G);
        float[] rescale = ctx.allocateFloatLocalArray(G);
        float[] acc = new float[PER_ITEM];

        int items = ctx.localGroupSizeX;
        int item = ctx.localIdx;
        int slice = ctx.groupIdx % slices;
        int b = ctx.groupIdx / slices / Hkv;
        int kvHead = ctx.groupIdx / slices % Hkv;
        int length = seqLens[b];
        int perSlice = (length + slices - 1) / slices;
        int start = Math.min(length, slice * perSlice);
        int end = Math.min(length, start + perSlice);
        int qBase = (b * Hkv + kvHead) * G * D; // q[b, kvHead * G + r, d] = q[qBase + r * D + d]

        for (int r = item; r < G; r += items) {
            rowMax[r] = Float.NEGATIVE_INFINITY;
            rowSum[r] = 0.0f;
        }
        ctx.localBarrier();
        for (int tileStart = start; tileStart < end; tileStart += TILE) {
            int n = Math.min(TILE, end - tileStart);
            // 1. Stage the tile's K and V rows: each is read from the cache once for the whole group.
            if (COALESCED == 1) {
                for (int e = item; e < n * D; e += items) {
                    int j = e / D;
                    int d = e % D;
                    int row = cacheRow(blockTable, maxBlocks, b, tileStart + j, Hkv, kvHead, BS, D);
                    kTile[j * (D + 1) + d] = kCache[row + d];
                    vTile[j * D + d] = vCache[row + d];
                }
            } else {
                for (int j = item * n / items; j < (item + 1) * n / items; j++) {
                    int row = cacheRow(blockTable, maxBlocks, b, tileStart + j, Hkv, kvHead, BS, D);
                    for (int d = 0; d < D; d++) {
                        kTile[j * (D + 1) + d] = kCache[row + d];
                        vTile[j * D + d] = vCache[row + d];
                    }
                }
            }
            ctx.localBarrier();
            // 2. Scores of every (query head, key) pair of the tile.
            int pairFirst = COALESCED == 1 ? item : item * (G * n) / items;
            int pairEnd = COALESCED == 1 ? G * n : (item + 1) * (G * n) / items;
            int pairStep = COALESCED == 1 ? items : 1;
            for (int pair = pairFirst; pair < pairEnd; pair += pairStep) {
                int r = pair / n;
                int j = pair % n;
                weights[r * TILE + j] = scale * tileDot(q, qBase + r * D, kTile, j * (D + 1), D);
            }
            ctx.localBarrier();
            // 3. Online softmax: a larger maximum shrinks what was accumulated so far.
            for (int r = item; r < G; r += items) {
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
            ctx.localBarrier();
            // 4. Each work-item updates the outputs it owns: acc = acc * rescale + sum_j w_j v_j.
            for (int i = 0; i < PER_ITEM; i++) {
                int o = COALESCED == 1 ? item + i * items : item * PER_ITEM + i;
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
            int o = COALESCED == 1 ? item + i * items : item * PER_ITEM + i;
            if (o < G * D) {
                int r = o / D;
                int d = o % D;
                if (slices == 1) {
                    out[qBase + o] = acc[i] / rowSum[r];
                } else {
                    int partial = ((qBase / D + r) * slices + slice) * (D + 2);
                    partials[partial + d] = acc[i];
                    if (d == 0) {
                        partials[partial + D] = rowMax[r];
                        partials[partial + D + 1] = rowSum[r];
                    }
                }
            }
        }
    }

    /**
     * Merges the slices of a split-KV decode: for each query head, with {@code m_s, l_s, acc_s} the
     * maximum, sum and accumulator of slice {@code s} and {@code m = max m_s},
     * {@code out = sum_s exp(m_s - m) acc_s / sum_s exp(m_s - m) l_s} (a log-sum-exp merge).
     * Empty slices have {@code m_s = -inf} and weigh nothing.
     */
    @Kernel
    public static void combineSlices(float[] partials, float[] out, int heads, int slices, @Specialize int D) {
        for (@Parallel int h = 0; h < heads; h++) {
            for (@Parallel int d = 0; d < D; d++) {
                int first = h * slices * (D + 2);
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
                out[h * D + d] = value / sum;
            }
        }
    }

    /** Offset in the cache of the row of sequence {@code b}'s token {@code position}, KV head {@code kvHead}. */
    static int cacheRow(int[] blockTable, int maxBlocks, int b, int position, int Hkv, int kvHead, int BS, int D) {
        int block = blockTable[b * maxBlocks + position / BS];
        return ((block * Hkv + kvHead) * BS + position % BS) * D;
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
