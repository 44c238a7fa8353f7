package squall.device.jvm;

import squall.runtime.Device;
import squall.runtime.DeviceSession;
import squall.runtime.DeviceType;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The JVM's own threads as a device. {@code @Parallel} kernels run their JVM variant with the
 * outermost loop split across a pool; context kernels run one work-group at a time per pool
 * thread, with one virtual thread per work-item when the kernel uses barriers. Buffers are the
 * host arrays themselves: transfers cost nothing.
 *
 * <p>Threads default to the number of processors, or the system property {@code squall.jvm.threads}.
 */
public final class JvmDevice implements Device {

    private final int threads;
    private volatile ExecutorService pool;

    public JvmDevice() {
        this(Integer.getInteger("squall.jvm.threads", Runtime.getRuntime().availableProcessors()));
    }

    public JvmDevice(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        this.threads = threads;
    }

    public int threads() {
        return threads;
    }

    @Override
    public String id() {
        return "jvm";
    }

    @Override
    public String name() {
        return Runtime.version().feature() + " " + System.getProperty("java.vm.name") + ", " + threads + " threads";
    }

    @Override
    public DeviceType type() {
        return DeviceType.JVM;
    }

    @Override
    public String backend() {
        return "jvm";
    }

    @Override
    public Map<String, String> properties() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("threads", Integer.toString(threads));
        p.put("java", System.getProperty("java.version"));
        p.put("vm", System.getProperty("java.vm.name"));
        p.put("max heap", (Runtime.getRuntime().maxMemory() >> 20) + " MiB");
        p.put("arch", System.getProperty("os.arch"));
        return p;
    }

    /** The pool the device's sessions share; its threads are daemons, started on first use. */
    ExecutorService pool() {
        ExecutorService p = pool;
        if (p == null) {
            synchronized (this) {
                p = pool;
                if (p == null) {
                    p = Executors.newFixedThreadPool(threads, Thread.ofPlatform().daemon().name("squall-jvm-", 0).factory());
                    pool = p;
                }
            }
        }
        return p;
    }

    @Override
    public int computeUnits() {
        return threads;
    }

    /**
     * A work-item's private arrays are heap arrays, one set per pool thread at a time: a quarter of the heap shared
     * by the threads, so a kernel whose arrays would exhaust the heap is refused instead of failing half-way.
     */
    @Override
    public long privateMemoryBytes() {
        return Runtime.getRuntime().maxMemory() / 4 / threads;
    }

    @Override
    public DeviceSession openSession(boolean profiling) {
        return new JvmSession(this, profiling);
    }

    @Override
    public String toString() {
        return id();
    }
}
