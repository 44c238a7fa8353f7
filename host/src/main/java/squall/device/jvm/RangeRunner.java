package squall.device.jvm;

import squall.runtime.KernelDescriptor;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs a {@code @Parallel} kernel's outermost loop, {@code [lo, hi)}, in chunks across the pool.
 * Chunks are handed out from a shared counter, so uneven iterations (causal prefill rows) balance
 * out; the calling thread works too.
 */
final class RangeRunner {

    /** Chunks per thread: enough to balance uneven work, few enough to keep overhead low. */
    private static final int CHUNKS_PER_THREAD = 4;

    private final KernelDescriptor kernel;
    private final Object[] args;
    private final int lo;
    private final int hi;
    private final ExecutorService pool;
    private final int threads;

    RangeRunner(KernelDescriptor kernel, Object[] args, long lo, long hi, ExecutorService pool, int threads) {
        this.kernel = kernel;
        this.args = args;
        this.lo = Math.toIntExact(lo);
        this.hi = Math.toIntExact(hi);
        this.pool = pool;
        this.threads = threads;
    }

    void run() {
        int n = hi - lo;
        int chunks = Math.min(n, threads * CHUNKS_PER_THREAD);
        if (threads == 1 || chunks <= 1) {
            kernel.runRange(args, lo, hi);
            return;
        }
        AtomicInteger next = new AtomicInteger();
        Runnable worker = () -> {
            for (int c = next.getAndIncrement(); c < chunks; c = next.getAndIncrement()) {
                int from = lo + (int) ((long) n * c / chunks);
                int to = lo + (int) ((long) n * (c + 1) / chunks);
                kernel.runRange(args, from, to);
            }
        };
        List<Future<?>> helpers = new ArrayList<>();
        for (int t = 1; t < Math.min(threads, chunks); t++) {
            helpers.add(pool.submit(worker));
        }
        Throwable failure = null;
        try {
            worker.run();
        } catch (RuntimeException | Error e) {
            failure = e;
            next.set(chunks);
        }
        for (Future<?> f : helpers) {
            try {
                f.get();
            } catch (ExecutionException e) {
                failure = failure == null ? e.getCause() : failure;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = failure == null ? e : failure;
            }
        }
        if (failure instanceof RuntimeException r) {
            throw r;
        } else if (failure instanceof Error err) {
            throw err;
        } else if (failure != null) {
            throw new IllegalStateException(failure);
        }
    }
}
