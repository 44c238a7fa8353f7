package squall.device.jvm;

import squall.api.KernelContext;
import squall.runtime.KernelDescriptor;
import squall.runtime.KernelLaunchException;
import squall.runtime.WorkerGrid;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs a context kernel on the JVM: work-groups are handed out to the pool; inside a group,
 * work-items run one after another, or, when the kernel calls {@code localBarrier()}, each on its
 * own virtual thread meeting at a {@link GroupBarrier}. Local arrays belong to the group.
 */
final class WorkGroupRunner {

    private final KernelDescriptor kernel;
    private final Object[] args;
    private final ExecutorService pool;
    private final int threads;
    private final long[] global = new long[3];
    private final long[] local = new long[3];
    private final long[] groups = new long[3];
    private final int[] localLengths;

    WorkGroupRunner(KernelDescriptor kernel, Object[] args, WorkerGrid grid, ExecutorService pool, int threads) {
        this.kernel = kernel;
        this.args = args;
        this.pool = pool;
        this.threads = threads;
        long[] g = grid.globalWork();
        long[] l = grid.localWorkOrDefault(Long.MAX_VALUE);
        for (int d = 0; d < 3; d++) {
            global[d] = d < g.length ? g[d] : 1;
            local[d] = d < l.length ? l[d] : 1;
            groups[d] = global[d] / local[d];
        }
        KernelContext sizes = context(null);
        this.localLengths = kernel.localArrayLengths(args, sizes);
    }

    private KernelContext context(KernelContext.WorkGroup group) {
        KernelContext c = new KernelContext(group);
        c.globalGroupSizeX = (int) global[0];
        c.globalGroupSizeY = (int) global[1];
        c.globalGroupSizeZ = (int) global[2];
        c.localGroupSizeX = (int) local[0];
        c.localGroupSizeY = (int) local[1];
        c.localGroupSizeZ = (int) local[2];
        return c;
    }

    void run() {
        long total = groups[0] * groups[1] * groups[2];
        AtomicLong next = new AtomicLong();
        Runnable worker = () -> {
            GroupState state = new GroupState();
            for (long g = next.getAndIncrement(); g < total; g = next.getAndIncrement()) {
                runGroup(g, state);
            }
        };
        List<Future<?>> helpers = new ArrayList<>();
        for (int t = 1; t < Math.min(threads, total); t++) {
            helpers.add(pool.submit(worker));
        }
        RuntimeException failure = null;
        try {
            worker.run();
        } catch (RuntimeException e) {
            failure = e;
            next.set(total);
        }
        for (Future<?> f : helpers) {
            try {
                f.get();
            } catch (ExecutionException e) {
                if (failure == null) {
                    failure = e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = failure == null ? new IllegalStateException(e) : failure;
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Local memory of the group a pool thread is running; reused from group to group, as on a GPU. */
    private final class GroupState implements KernelContext.WorkGroup {
        final Object[] arrays = new Object[localLengths.length];
        GroupBarrier barrier;

        @Override
        public void barrier() {
            barrier.await();
        }

        @Override
        public float[] localFloats(int slot, int size) {
            return (float[]) slot(slot, size, true);
        }

        @Override
        public int[] localInts(int slot, int size) {
            return (int[]) slot(slot, size, false);
        }

        private synchronized Object slot(int slot, int size, boolean floats) {
            if (slot >= arrays.length) {
                throw new IllegalStateException("work-item allocated more local arrays than the kernel declares");
            }
            Object a = arrays[slot];
            int length = a == null ? -1 : java.lang.reflect.Array.getLength(a);
            if (length != size) {
                a = floats ? new float[size] : new int[size];
                arrays[slot] = a;
            }
            return a;
        }
    }

    private void runGroup(long g, GroupState state) {
        int gx = (int) (g % groups[0]);
        int gy = (int) (g / groups[0] % groups[1]);
        int gz = (int) (g / groups[0] / groups[1]);
        int items = (int) (local[0] * local[1] * local[2]);
        if (!kernel.usesBarrier()) {
            KernelContext c = context(state);
            for (int i = 0; i < items; i++) {
                place(c, gx, gy, gz, i);
                c.resetLocalArrays();
                kernel.runWorkItem(c, args);
            }
            return;
        }
        state.barrier = new GroupBarrier(items);
        List<Thread> workItems = new ArrayList<>(items);
        Throwable[] failure = new Throwable[1];
        for (int i = 0; i < items; i++) {
            KernelContext c = context(state);
            place(c, gx, gy, gz, i);
            int item = i;
            workItems.add(Thread.ofVirtual().unstarted(() -> {
                try {
                    kernel.runWorkItem(c, args);
                    state.barrier.leave(item);
                } catch (GroupBarrier.Cancelled e) {
                    // another work-item failed first
                } catch (Throwable t) {
                    synchronized (failure) {
                        if (failure[0] == null) {
                            failure[0] = t;
                        }
                    }
                    state.barrier.cancel();
                }
            }));
        }
        workItems.forEach(Thread::start);
        for (Thread t : workItems) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                state.barrier.cancel();
                throw new KernelLaunchException("interrupted while running " + kernel.qualifiedName(), e);
            }
        }
        if (failure[0] != null) {
            throw failure[0] instanceof RuntimeException r ? r : new IllegalStateException(failure[0]);
        }
        state.barrier.checkNoDivergence(kernel.qualifiedName(), gx, gy, gz);
    }

    /** Sets work-item {@code i} of group (gx, gy, gz)'s indices. */
    private void place(KernelContext c, int gx, int gy, int gz, int i) {
        int lx = (int) (i % local[0]);
        int ly = (int) (i / local[0] % local[1]);
        int lz = (int) (i / local[0] / local[1]);
        c.localIdx = lx;
        c.localIdy = ly;
        c.localIdz = lz;
        c.groupIdx = gx;
        c.groupIdy = gy;
        c.groupIdz = gz;
        c.globalIdx = (int) (gx * local[0] + lx);
        c.globalIdy = (int) (gy * local[1] + ly);
        c.globalIdz = (int) (gz * local[2] + lz);
    }
}
