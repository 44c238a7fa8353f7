package squall.tasks;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The blocks of a {@link KvCache} and who holds them: the free list, and the block table that gives each sequence
 * slot its blocks in order. Blocks are taken all or none (a request the pool cannot serve changes nothing) and go
 * back when a slot is released; {@link #version()} moves with every change to the table, so that a graph sends the
 * table to its device only when it changed. The cache owns one and keeps the lengths and capacities; the pool knows
 * only blocks. Not thread-safe, as the cache is not.
 *
 * <pre>{@code
 * BlockPool pool = new BlockPool(8, 2, 4, 16);   // 8 blocks of 16 tokens, 2 slots of up to 4 blocks
 * pool.take(0, 3, "admitting 40 tokens");        // slot 0 holds table entries [0, 3)
 * pool.release(0);                               // and gives them back
 * }</pre>
 */
final class BlockPool {

    private final int numBlocks;
    private final int maxBlocksPerSequence;
    private final int blockSize;
    private final int[] blockTable;
    /** Blocks each slot holds: its table entries {@code [0, held)} are its own. */
    private final int[] held;
    private final Deque<Integer> freeBlocks = new ArrayDeque<>();
    private long version;

    /** All {@code numBlocks} blocks free, for {@code slots} sequences of up to {@code maxBlocksPerSequence} each. */
    BlockPool(int numBlocks, int slots, int maxBlocksPerSequence, int blockSize) {
        this.numBlocks = numBlocks;
        this.maxBlocksPerSequence = maxBlocksPerSequence;
        this.blockSize = blockSize;
        this.blockTable = new int[Math.multiplyExact(slots, maxBlocksPerSequence)];
        this.held = new int[slots];
        for (int b = 0; b < numBlocks; b++) {
            freeBlocks.add(b);
        }
    }

    /** Gives {@code slot} blocks from the pool until it holds {@code blocks}, or fails changing nothing. */
    void take(int slot, int blocks, String forWhat) {
        int more = blocks - held[slot];
        if (more <= 0) {
            return;
        }
        if (more > freeBlocks.size()) {
            throw new OutOfBlocksException(forWhat + " in sequence " + slot, more, freeBlocks.size(), blockSize);
        }
        for (int i = held[slot]; i < blocks; i++) {
            blockTable[slot * maxBlocksPerSequence + i] = freeBlocks.poll();
        }
        held[slot] = blocks;
        version++;
    }

    /**
     * Gives every slot with new tokens the blocks its length after the step needs, all or none: when the pool cannot
     * serve every sequence, fails naming how many blocks are missing and changes nothing.
     */
    void reserve(int[] lengths, int[] newTokens) {
        long more = 0;
        for (int slot = 0; slot < newTokens.length; slot++) {
            if (newTokens[slot] > 0) {
                more += Math.max(0, KvCacheShape.blocksFor(lengths[slot] + newTokens[slot], blockSize) - held[slot]);
            }
        }
        if (more > freeBlocks.size()) {
            throw new OutOfBlocksException("this step", more, freeBlocks.size(), blockSize);
        }
        for (int slot = 0; slot < newTokens.length; slot++) {
            if (newTokens[slot] > 0) {
                take(slot, (int) KvCacheShape.blocksFor(lengths[slot] + newTokens[slot], blockSize), "this step");
            }
        }
    }

    /** Returns {@code slot}'s blocks to the pool and clears its table entries. */
    void release(int slot) {
        for (int i = 0; i < held[slot]; i++) {
            freeBlocks.add(blockTable[slot * maxBlocksPerSequence + i]);
            blockTable[slot * maxBlocksPerSequence + i] = 0;
        }
        held[slot] = 0;
        version++;
    }

    /** Blocks {@code slot} holds now. */
    int held(int slot) {
        return held[slot];
    }

    /** Blocks no slot holds. */
    int free() {
        return freeBlocks.size();
    }

    /** Changes each time the table does. */
    long version() {
        return version;
    }

    /** The table itself, {@code [slots, maxBlocksPerSequence]}. */
    int[] table() {
        return blockTable;
    }

    /**
     * Fails if a slot's entry names a block outside {@code [0, numBlocks)}: the kernels trust the table, and on a
     * device an entry past the cache reads or writes outside it.
     */
    void requireValid() {
        for (int slot = 0; slot < held.length; slot++) {
            for (int i = 0; i < held[slot]; i++) {
                int block = blockTable[slot * maxBlocksPerSequence + i];
                if (block < 0 || block >= numBlocks) {
                    throw new IllegalStateException("block table entry [" + slot + ", " + i + "] = " + block
                            + " is outside the cache's " + numBlocks + " blocks");
                }
            }
        }
    }
}
