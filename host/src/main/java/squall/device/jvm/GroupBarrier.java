package squall.device.jvm;

import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * {@code localBarrier()} for the work-items of one group, each on its own virtual thread. It also
 * catches barrier divergence, which deadlocks or corrupts a GPU: a work-item that returns while
 * others wait at a barrier, or that reaches a barrier after another has returned.
 */
final class GroupBarrier {

    /** Thrown in waiting work-items when another one failed. */
    static final class Cancelled extends RuntimeException {
        Cancelled() {
            super("work-group cancelled", null, false, false);
        }
    }

    private final int parties;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition advanced = lock.newCondition();
    private int waiting;
    private int finished;
    private long generation;
    private boolean cancelled;
    private String divergence;

    GroupBarrier(int parties) {
        this.parties = parties;
    }

    void await() {
        lock.lock();
        try {
            if (cancelled) {
                throw new Cancelled();
            }
            if (finished > 0) {
                divergence = "a work-item returned while others wait at localBarrier()";
                cancelled = true;
                advanced.signalAll();
                throw new IllegalStateException("barrier divergence: " + divergence);
            }
            long g = generation;
            if (++waiting == parties) {
                waiting = 0;
                generation++;
                advanced.signalAll();
                return;
            }
            while (g == generation && !cancelled) {
                advanced.awaitUninterruptibly();
            }
            if (cancelled) {
                throw divergence == null ? new Cancelled() : new IllegalStateException("barrier divergence: " + divergence);
            }
        } finally {
            lock.unlock();
        }
    }

    /** Work-item {@code item} has returned from the kernel. */
    void leave(int item) {
        lock.lock();
        try {
            finished++;
            if (waiting > 0) {
                divergence = "work-item " + item + " returned while " + waiting + " others wait at localBarrier()";
                cancelled = true;
                advanced.signalAll();
            }
        } finally {
            lock.unlock();
        }
    }

    void cancel() {
        lock.lock();
        try {
            cancelled = true;
            advanced.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** After the group: fails if a work-item skipped a barrier the others waited at. */
    void checkNoDivergence(String kernel, int gx, int gy, int gz) {
        if (divergence != null) {
            throw new IllegalStateException("barrier divergence in " + kernel + ", group (" + gx + ", " + gy + ", " + gz
                    + "): " + divergence);
        }
    }
}
