package squall.runtime;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What one execution of a plan cost, from the device's own timestamps where it has them (OpenCL and
 * CUDA events; the JVM's clock around the work on {@code jvm}). The metric names follow TornadoVM's
 * profiler where they mean the same thing.
 */
public final class ProfilerResult {

    private final String device;
    private final long execution;
    private final long totalNanos;
    private final List<DeviceEvent> events;
    private final List<TaskProfile> tasks;

    public ProfilerResult(String device, long execution, long totalNanos, List<DeviceEvent> events,
                          List<TaskProfile> tasks) {
        this.device = device;
        this.execution = execution;
        this.totalNanos = totalNanos;
        this.events = List.copyOf(events);
        this.tasks = List.copyOf(tasks);
    }

    /** Per task, in the order the graphs declare them. */
    public List<TaskProfile> tasks() {
        return tasks;
    }

    /** The device id. */
    public String device() {
        return device;
    }

    /** 0 for the plan's first execution. */
    public long execution() {
        return execution;
    }

    public List<DeviceEvent> events() {
        return events;
    }

    /** Wall time of {@link ExecutionPlan#execute()}, host side. */
    public long totalNanos() {
        return totalNanos;
    }

    public long compileNanos() {
        return sum(DeviceEvent.Kind.COMPILE, false);
    }

    public long kernelNanos() {
        return sum(DeviceEvent.Kind.KERNEL, false);
    }

    public long copyInNanos() {
        return sum(DeviceEvent.Kind.COPY_IN, false);
    }

    public long copyOutNanos() {
        return sum(DeviceEvent.Kind.COPY_OUT, false);
    }

    public long copyInBytes() {
        return sum(DeviceEvent.Kind.COPY_IN, true);
    }

    public long copyOutBytes() {
        return sum(DeviceEvent.Kind.COPY_OUT, true);
    }

    /** Kernel time of the task named {@code task}, summed over its launches in this execution. */
    public long kernelNanos(String task) {
        return events.stream().filter(e -> e.kind() == DeviceEvent.Kind.KERNEL && e.label().equals(task))
                .mapToLong(DeviceEvent::nanos).sum();
    }

    /** Host time not spent in device work: total minus compile, kernel and copy time (0 if negative). */
    public long dispatchNanos() {
        return Math.max(0, totalNanos - compileNanos() - kernelNanos() - copyInNanos() - copyOutNanos());
    }

    private long sum(DeviceEvent.Kind kind, boolean bytes) {
        return events.stream().filter(e -> e.kind() == kind).mapToLong(e -> bytes ? e.bytes() : e.nanos()).sum();
    }

    /**
     * One line for people: {@code opencl:0, execution 1: 9.44 ms in all = compile 0 + copy in 0.41 ms (4,196,352 bytes)
     * + kernels 1.31 ms + copy out 0.56 ms (4,194,304 bytes) + host 7.15 ms}, then each task's kernel time (and its
     * GB/s where it declares a {@link TaskCost}). {@link #metrics()} has the same numbers under TornadoVM's names.
     */
    public String summary() {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT,
                "%s, execution %d: %s in all = compile %s + copy in %s (%,d bytes) + kernels %s + copy out %s (%,d bytes)"
                        + " + host %s", device, execution, ms(totalNanos), ms(compileNanos()), ms(copyInNanos()), copyInBytes(),
                ms(kernelNanos()), ms(copyOutNanos()), copyOutBytes(), ms(dispatchNanos())));
        for (TaskProfile t : tasks) {
            line.append("; ").append(t.graph()).append('.').append(t.task()).append(' ').append(ms(t.kernelNanos()));
            if (t.cost() != null && t.kernelNanos() > 0) {
                line.append(String.format(Locale.ROOT, " (%.2f GB/s)", t.gigabytesPerSecond()));
            }
        }
        return line.toString();
    }

    private static String ms(long nanos) {
        return nanos == 0 ? "0" : String.format(Locale.ROOT, "%.2f ms", nanos / 1e6);
    }

    /** Metrics under TornadoVM's names (times in nanoseconds, sizes in bytes). */
    public Map<String, Long> metrics() {
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("TOTAL_TIME", totalNanos);
        m.put("TOTAL_DRIVER_COMPILE_TIME", compileNanos());
        m.put("TOTAL_KERNEL_TIME", kernelNanos());
        m.put("COPY_IN_TIME", copyInNanos());
        m.put("COPY_OUT_TIME", copyOutNanos());
        m.put("TOTAL_COPY_IN_SIZE_BYTES", copyInBytes());
        m.put("TOTAL_COPY_OUT_SIZE_BYTES", copyOutBytes());
        m.put("TOTAL_DISPATCH_TIME", dispatchNanos());
        for (TaskProfile t : tasks) {
            String key = t.graph() + "." + t.task();
            m.put(key + ".TASK_KERNEL_TIME", t.kernelNanos());
            if (t.compileNanos() > 0) {
                m.put(key + ".TASK_COMPILE_DRIVER_TIME", t.compileNanos());
            }
            if (t.cost() != null) {
                m.put(key + ".TASK_BYTES", t.cost().bytes());
                m.put(key + ".TASK_FLOPS", t.cost().flops());
            }
        }
        return Collections.unmodifiableMap(m);
    }

    @Override
    public String toString() {
        return "ProfilerResult" + metrics();
    }
}
