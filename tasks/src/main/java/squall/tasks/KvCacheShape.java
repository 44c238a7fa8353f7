package squall.tasks;

import squall.kernels.KvStorage;

/**
 * The geometry of a paged {@link KvCache}, known before the cache is allocated: what a {@link StepPlan} and the
 * memory check of {@code squall decode} and {@code prefill} read. Sizes are counted in long arithmetic that
 * saturates at {@link Long#MAX_VALUE}, so that a shape too large for any array says so instead of wrapping;
 * {@link KvCache} refuses one whose layer does not fit a Java array.
 *
 * <pre>{@code
 * KvCacheShape shape = KvCacheShape.forBatch(ModelPreset.byId("llama3-8b"), 32, KvDtype.FP16, 16, 1, 4096 + 64);
 * shape.cacheInts();   // ints of one layer's K (and of its V): 260 blocks x 8 KV heads x 16 tokens x 128 / 2
 * }</pre>
 *
 * @param model             the model whose heads the cache holds
 * @param layers            layers held (at most the model's)
 * @param dtype             the element type
 * @param blockSize         tokens per block ({@code BS}): a block holds that many consecutive tokens of every KV head
 * @param numBlocks         physical blocks per layer
 * @param sequences         sequence slots (the batch)
 * @param blocksPerSequence block-table entries per sequence
 */
public record KvCacheShape(ModelPreset model, int layers, KvDtype dtype, int blockSize, long numBlocks, int sequences,
                           long blocksPerSequence) {

    public KvCacheShape {
        if (blockSize < 1) {
            throw new IllegalArgumentException("blockSize must be >= 1, got " + blockSize);
        }
        if (layers < 1 || layers > model.layers()) {
            throw new IllegalArgumentException("layers must be in [1, " + model.layers() + "] for " + model.id()
                    + ", got " + layers);
        }
        if (numBlocks < 1 || sequences < 1 || blocksPerSequence < 1) {
            throw new IllegalArgumentException("numBlocks, maxSequences and maxBlocksPerSequence must be >= 1");
        }
        String dim = KvStorage.headDimProblem(model.headDim(), dtype.storage());
        if (!dim.isEmpty()) {
            throw new IllegalArgumentException(dim);
        }
    }

    /** The shape of a cache of {@code batch} sequences with room for {@code tokens} each, in whole blocks. */
    public static KvCacheShape forBatch(ModelPreset model, int layers, KvDtype dtype, int blockSize, int batch,
                                        long tokens) {
        long blocksEach = blocksFor(tokens, blockSize);
        return new KvCacheShape(model, layers, dtype, blockSize, Saturating.product(batch, blocksEach), batch, blocksEach);
    }

    /** Blocks of {@code blockSize} tokens that hold {@code tokens}. */
    static long blocksFor(long tokens, int blockSize) {
        return (tokens + blockSize - 1) / blockSize;
    }

    /**
     * Elements of one layer's K (or of its V), {@code [numBlocks, Hkv, blockSize, D]}; int8 blocks also hold their
     * rows' fp32 scales, counted as the four int8 elements each takes.
     */
    public long cacheElements() {
        return Saturating.product(numBlocks, model.kvHeads(), blockSize,
                model.headDim() + KvStorage.scaleBytes(dtype.storage()));
    }

    /** The ints that store them: one per fp32 value, one per two 16-bit values, one per four int8 values. */
    public long cacheInts() {
        long elements = cacheElements();
        int perInt = KvStorage.perWord(dtype.storage());
        return elements == Long.MAX_VALUE ? elements : (elements + perInt - 1) / perInt;
    }

    /** Entries of the block table, {@code [sequences, blocksPerSequence]}. */
    public long blockTableInts() {
        return Saturating.product(sequences, blocksPerSequence);
    }
}
