package squall.tasks;

/**
 * A {@link KvCache}'s pool has fewer free blocks than a step or an admission needs. Nothing changed: the lengths,
 * the block table and the pool are as before the call, so a server can release or preempt a sequence and retry.
 *
 * <pre>{@code
 * try {
 *     decode.step(counts);
 * } catch (OutOfBlocksException e) {
 *     cache.release(victim);          // e.needed() - e.free() more blocks are wanted
 * }
 * }</pre>
 */
public final class OutOfBlocksException extends IllegalStateException {

    private final long needed;
    private final long free;

    OutOfBlocksException(String what, long needed, long free, int blockSize) {
        super("out of blocks: " + what + " needs " + needed + " more block" + (needed == 1 ? "" : "s") + " of "
                + blockSize + " tokens, and the pool has " + free + " free; release a sequence, or make the cache with"
                + " more blocks");
        this.needed = needed;
        this.free = free;
    }

    /** Blocks the call needed from the pool. */
    public long needed() {
        return needed;
    }

    /** Blocks the pool had. */
    public long free() {
        return free;
    }
}
