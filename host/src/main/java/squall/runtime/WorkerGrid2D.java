package squall.runtime;

/** A 2-D launch grid. */
public final class WorkerGrid2D extends WorkerGrid {

    public WorkerGrid2D(long x, long y) {
        super(x, y);
    }
}
