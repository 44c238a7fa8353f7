package squall.tasks;

import squall.kernels.KvStorage;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * A paged KV cache for every layer of a model: fixed-size token blocks, a block table per sequence
 * and a free-block allocator ({@link BlockPool}).
 *
 * <p>Layout, per layer: {@code keys(l), values(l) [numBlocks, Hkv, blockSize, D]}, stored as
 * {@link KvStorage} describes (fp32 bits, two 16-bit values per int, or four int8 values per int with each block's
 * row scales after its rows). A physical block holds
 * {@code blockSize} consecutive tokens of every KV head, each head's rows contiguous: attention
 * streams one head's {@code blockSize x D} values at a time and reads every row exactly once per
 * group of query heads, and an append writes one row per head. Sequence {@code s}'s token {@code j}
 * is in physical block {@code blockTable()[s * maxBlocksPerSequence() + j / blockSize]}.
 *
 * <p>A sequence {@link #admit admitted} with its capacity reserves all its blocks at once, so the block table
 * stays put on the device while it decodes; one {@link #admitOnDemand admitted on demand} takes blocks from the
 * pool as its tokens arrive, before the step that needs them, and a step the pool cannot serve fails with an
 * {@link OutOfBlocksException} before anything changes. {@link #release Releasing} returns a sequence's blocks to
 * the pool. {@link #tableVersion()} counts the changes to the table, so that a graph sends it to its device only
 * when it changed. Slots may be admitted and released between the steps of an open graph: a step advances the
 * sequences it is given, and an empty slot sits it out (continuous batching). Lengths change only through a
 * successful step of a {@link DecodeGraph} or {@link PrefillGraph}.
 *
 * <p>Threads and graphs: a cache belongs to at most one open {@link DecodeGraph} or {@link PrefillGraph} at a
 * time, which keeps its own copy on its device: building a second graph over it while the first is open is an
 * {@link IllegalStateException} (two device copies would diverge silently), and so is {@link #fillRandom} while
 * a graph holds it. Close one graph (after {@code downloadCache()} if its rows are wanted on the host) before
 * building the next. The cache itself is not thread-safe: admit, release and read it from the thread that steps
 * its graph, between steps.
 *
 * <pre>{@code
 * KvCache cache = KvCache.forBatch(ModelPreset.byId("llama3-8b"), 32, KvDtype.FP16, 16, 1, 4096 + 64);
 * cache.fillRandom(0, 4096, 42);        // a context of 4096 tokens
 * }</pre>
 */
public final class KvCache {

    private final KvCacheShape shape;
    private final ModelPreset model;
    private final int layers;
    private final KvDtype dtype;
    /**
     * Tokens per block when a command is not told: 256. A CPU streams a head's block as one contiguous
     * run of {@code blockSize x D} values, and at 16 tokens (4 KiB of fp16 rows at D 128) the hardware
     * prefetcher restarts every block, which halved decode bandwidth on the CPU devices; 256 tokens
     * (64 KiB) stream at the memory's rate and still waste at most 255 tokens per sequence.
     */
    public static final int DEFAULT_BLOCK_SIZE = 256;

    private final int blockSize;
    private final int numBlocks;
    private final int maxBlocksPerSequence;
    private final int[][] keys;
    private final int[][] values;
    /** The free list and the block table. */
    private final BlockPool pool;
    private final int[] blockTable;
    private final int[] lengths;
    private final int[] capacities;
    /** The open graph that holds this cache on its device, and what it is, or {@code null}. */
    private Object graph;
    private String graphName;

    /**
     * An empty cache.
     *
     * @param layers               layers to hold (at most the model's)
     * @param blockSize            tokens per block, any value >= 1
     * @param numBlocks            physical blocks per layer
     * @param maxSequences         sequence slots (the batch)
     * @param maxBlocksPerSequence block-table entries per sequence
     */
    public KvCache(ModelPreset model, int layers, KvDtype dtype, int blockSize, int numBlocks, int maxSequences,
                   int maxBlocksPerSequence) {
        this(new KvCacheShape(model, layers, dtype, blockSize, numBlocks, maxSequences, maxBlocksPerSequence));
    }

    /** An empty cache of this shape. */
    public KvCache(KvCacheShape shape) {
        if (shape.cacheElements() > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("one layer's cache of " + shape.cacheElements() + " elements exceeds what"
                    + " a Java array and the kernels' int offsets hold; use fewer blocks");
        }
        if (shape.blockTableInts() > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException("a block table of " + shape.blockTableInts() + " entries exceeds a Java"
                    + " array; use fewer sequences or blocks per sequence");
        }
        this.shape = shape;
        this.model = shape.model();
        this.layers = shape.layers();
        this.dtype = shape.dtype();
        this.blockSize = shape.blockSize();
        this.numBlocks = (int) shape.numBlocks();
        this.maxBlocksPerSequence = (int) shape.blocksPerSequence();
        int ints = (int) shape.cacheInts();
        this.keys = new int[layers][ints];
        this.values = new int[layers][ints];
        this.pool = new BlockPool(numBlocks, shape.sequences(), maxBlocksPerSequence, blockSize);
        this.blockTable = pool.table();
        this.lengths = new int[shape.sequences()];
        this.capacities = new int[shape.sequences()];
    }

    /** A cache with {@code batch} sequences admitted, each with room for {@code tokens}. */
    public static KvCache forBatch(ModelPreset model, int layers, KvDtype dtype, int blockSize, int batch, int tokens) {
        KvCache cache = new KvCache(KvCacheShape.forBatch(model, layers, dtype, blockSize, batch, tokens));
        for (int s = 0; s < batch; s++) {
            cache.admit(tokens);
        }
        return cache;
    }

    /**
     * Admits a sequence with room for {@code capacity} tokens, reserving its blocks now; returns its slot (the lowest
     * empty one).
     *
     * @throws OutOfBlocksException when the pool has fewer free blocks than the capacity needs (nothing changes)
     */
    public int admit(int capacity) {
        int slot = emptySlot(capacity);
        pool.take(slot, (int) KvCacheShape.blocksFor(capacity, blockSize), "admitting " + capacity + " tokens");
        capacities[slot] = capacity;
        lengths[slot] = 0;
        return slot;
    }

    /**
     * Admits a sequence that may grow to {@code capacity} tokens, reserving no blocks: each step takes the blocks its
     * new tokens need from the pool, and fails with an {@link OutOfBlocksException} when the pool is empty. Returns
     * its slot (the lowest empty one).
     *
     * <pre>{@code
     * int slot = cache.admitOnDemand(8192);   // holds no block yet
     * decode.step(counts);                    // counts[slot] = 1 takes its first block
     * cache.release(slot);                    // its blocks go back to the pool
     * }</pre>
     */
    public int admitOnDemand(int capacity) {
        int slot = emptySlot(capacity);
        capacities[slot] = capacity;
        lengths[slot] = 0;
        return slot;
    }

    /** The lowest empty slot, after checking that a sequence of {@code capacity} tokens fits one. */
    private int emptySlot(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1 token, got " + capacity);
        }
        long blocks = KvCacheShape.blocksFor(capacity, blockSize);
        if (blocks > maxBlocksPerSequence) {
            throw new IllegalArgumentException("capacity of " + capacity + " tokens needs " + blocks + " blocks of "
                    + blockSize + "; a sequence may have " + maxBlocksPerSequence);
        }
        for (int slot = 0; slot < capacities.length; slot++) {
            if (capacities[slot] == 0) {
                return slot;
            }
        }
        throw new IllegalStateException("all " + capacities.length + " sequence slots are in use");
    }

    /** Ends the sequence in {@code slot}: its blocks go back to the pool and the slot is empty. */
    public void release(int slot) {
        requireSequence(slot);
        pool.release(slot);
        capacities[slot] = 0;
        lengths[slot] = 0;
    }

    /**
     * Takes from the pool the blocks a step of {@code newTokens} tokens per slot needs, all or none: when the pool
     * cannot serve every sequence, fails naming how many blocks are missing and changes nothing.
     */
    void reserve(int[] newTokens) {
        pool.reserve(lengths, newTokens);
    }

    /**
     * Sets the first {@code tokens} tokens of a sequence, in every layer, to seeded uniform values in
     * [-1, 1): a context to decode against without running a prefill. Host side, before the cache
     * goes to a device.
     */
    public void fillRandom(int slot, int tokens, long seed) {
        fillRandom(slot, tokens, seed, () -> { });
    }

    /**
     * {@link #fillRandom(int, int, long)}, calling {@code layerFilled} after each layer (from the thread
     * that filled it, layers run in parallel): a progress bar's step for a fill that takes seconds.
     */
    public void fillRandom(int slot, int tokens, long seed, Runnable layerFilled) {
        requireSequence(slot);
        synchronized (this) {
            if (graph != null) {
                throw new IllegalStateException("fillRandom fills a cache on the host before a graph takes it to a device;"
                        + " this one belongs to an open " + graphName + " graph, whose device copy would not see it");
            }
        }
        if (tokens < 0 || tokens > capacities[slot]) {
            throw new IllegalArgumentException("tokens must be in [0, " + capacities[slot] + "], got " + tokens);
        }
        pool.take(slot, (int) KvCacheShape.blocksFor(tokens, blockSize), "filling " + tokens + " tokens");
        int storage = dtype.storage();
        int D = model.headDim();
        IntStream.range(0, layers).parallel().forEach(layer -> {
            SplittableRandom random = new SplittableRandom(seed * 1_000_003L + layer * 7919L + slot);
            float[] k = new float[D], v = new float[D];
            for (int j = 0; j < tokens; j++) {
                for (int h = 0; h < model.kvHeads(); h++) {
                    for (int d = 0; d < D; d++) {
                        k[d] = (float) (random.nextDouble() * 2 - 1);
                        v[d] = (float) (random.nextDouble() * 2 - 1);
                    }
                    KvStorage.writeRow(k, 0, keys[layer], blockTable, slot * maxBlocksPerSequence, j, model.kvHeads(), h,
                            blockSize, D, storage);
                    KvStorage.writeRow(v, 0, values[layer], blockTable, slot * maxBlocksPerSequence, j, model.kvHeads(),
                            h, blockSize, D, storage);
                }
            }
            layerFilled.run();
        });
        lengths[slot] = tokens;
    }

    /**
     * Forgets sequence {@code slot}'s tokens past {@code tokens}: its next step appends there. Only the length
     * changes (the rows stay, on the host and on a device), so this is allowed while a graph holds the cache: a
     * measurement goes back to its context between steps this way.
     */
    public void truncate(int slot, int tokens) {
        requireSequence(slot);
        if (tokens < 0 || tokens > lengths[slot]) {
            throw new IllegalArgumentException("tokens must be in [0, " + lengths[slot] + "] (sequence " + slot
                    + "'s length), got " + tokens);
        }
        lengths[slot] = tokens;
    }

    /** Value {@code d} of the K ({@code key = true}) or V row of a token, from the host copy, as the cache holds it. */
    public float read(boolean key, int layer, int slot, int position, int head, int d) {
        return KvStorage.readValue(key ? keys[layer] : values[layer], blockTable, slot * maxBlocksPerSequence, position,
                model.kvHeads(), head, blockSize, model.headDim(), dtype.storage(), d);
    }

    private void requireSequence(int slot) {
        if (slot < 0 || slot >= capacities.length || capacities[slot] == 0) {
            throw new IllegalArgumentException("unknown sequence " + slot + "; admitted: "
                    + Arrays.toString(IntStream.range(0, capacities.length).filter(s -> capacities[s] > 0).toArray()));
        }
    }

    /** Commits a successful step: sequence {@code s} grew by {@code newTokens[s]}. */
    void grow(int[] newTokens) {
        for (int s = 0; s < lengths.length; s++) {
            lengths[s] += newTokens[s];
        }
    }

    /** The cache's geometry. */
    public KvCacheShape shape() {
        return shape;
    }

    /** The shortest capacity of an admitted sequence, or 0 when none is admitted. */
    public int shortestCapacity() {
        return Arrays.stream(capacities).filter(c -> c > 0).min().orElse(0);
    }

    public ModelPreset model() {
        return model;
    }

    public int layers() {
        return layers;
    }

    public KvDtype dtype() {
        return dtype;
    }

    public int blockSize() {
        return blockSize;
    }

    public int numBlocks() {
        return numBlocks;
    }

    public int maxBlocksPerSequence() {
        return maxBlocksPerSequence;
    }

    /** Sequence slots, admitted or empty: the batch a graph over this cache steps. */
    public int batch() {
        return lengths.length;
    }

    public boolean isAdmitted(int slot) {
        return capacities[slot] > 0;
    }

    public int length(int slot) {
        return lengths[slot];
    }

    public int capacity(int slot) {
        return capacities[slot];
    }

    /** Blocks sequence {@code slot} holds now: all its capacity's when admitted so, else as many as its tokens fill. */
    public int heldBlocks(int slot) {
        return pool.held(slot);
    }

    public int freeBlocks() {
        return pool.free();
    }

    /** Changes each time the block table does: a sequence admitted, released, or given blocks as it grows. */
    public long tableVersion() {
        return pool.version();
    }

    /** Layer {@code layer}'s keys, as the device holds them (the host copy may be stale; see the graphs). */
    public int[] keys(int layer) {
        return keys[layer];
    }

    public int[] values(int layer) {
        return values[layer];
    }

    /**
     * A copy of the block table, {@code [maxSequences, maxBlocksPerSequence]}: kernels index the cache with it, so
     * only admitting and releasing change it, never a caller.
     */
    public int[] blockTable() {
        return blockTable.clone();
    }

    /** The table itself, which a graph keeps on its device. */
    int[] tableArray() {
        return blockTable;
    }

    /**
     * Fails if an admitted sequence's entry names a block outside {@code [0, numBlocks)}: the kernels trust the
     * table, and on a device an entry past the cache reads or writes outside it. Checked before each upload.
     */
    void requireValidTable() {
        pool.requireValid();
    }

    /**
     * Called by a graph when it takes this cache to a device: a second graph over the same cache would keep its own
     * device copy of it, and the two would diverge without a word.
     */
    synchronized void attach(Object owner, String what) {
        if (graph != null && graph != owner) {
            throw new IllegalStateException("this KvCache already belongs to an open " + graphName + " graph, which keeps"
                    + " its own copy of the cache on its device: a " + what + " graph over it would diverge from it."
                    + " Close that graph first (after downloadCache() if its appended rows are wanted)");
        }
        graph = owner;
        graphName = what;
    }

    /** The graph {@code owner} is closed. */
    synchronized void detach(Object owner) {
        if (graph == owner) {
            graph = null;
            graphName = null;
        }
    }

    /** Bytes of one layer's K and V for the tokens the sequences hold (int8: with their rows' scales). */
    public long bytesPerLayer() {
        return dtype.kvBytes(Arrays.stream(lengths).asLongStream().sum(), model.kvHeads(), model.headDim());
    }
}
