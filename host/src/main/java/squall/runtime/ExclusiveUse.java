package squall.runtime;

import java.util.concurrent.atomic.AtomicReference;

/**
 * One thread at a time: what a plan or a decode graph uses to fail at once, naming both threads, when a second
 * thread calls it while a first one is inside, instead of mixing their data silently (or failing somewhere deep in a
 * device's bookkeeping). The same thread may enter again while inside.
 *
 * <pre>{@code
 * private final ExclusiveUse use = new ExclusiveUse("the execution plan of graph 'decode'");
 * try (ExclusiveUse.Scope s = use.enter("execute()")) {
 *     ...
 * }
 * }</pre>
 */
public final class ExclusiveUse {

    /** Held while inside; closing it lets another thread in. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    private final String what;
    private final AtomicReference<Thread> user = new AtomicReference<>();
    private volatile String action;

    /** @param what the thing guarded, as messages name it ("the execution plan of graph 'decode'") */
    public ExclusiveUse(String what) {
        this.what = what;
    }

    /** Enters for {@code action} ("step()"); throws {@link IllegalStateException} if another thread is inside. */
    public Scope enter(String action) {
        Thread me = Thread.currentThread();
        Thread other = user.compareAndExchange(null, me);
        if (other == me) {
            return () -> { };
        }
        if (other != null) {
            throw new IllegalStateException(action + " on thread '" + me.getName() + "' while thread '" + other.getName()
                    + "' is inside " + this.action + " of " + what + ": it is for one thread at a time; give each"
                    + " thread its own, or make the threads take turns");
        }
        this.action = action;
        return () -> user.set(null);
    }
}
