package squall.tasks;

import squall.runtime.KernelDescriptor;
import squall.runtime.TaskGraph;
import squall.runtime.WorkerGrid;

import java.util.SortedMap;

/**
 * One kernel launch a graph builder adds: the task's name, its kernel, its arguments and, for a context kernel, its
 * grid. Made with {@code null} arrays where only sizes matter, it still tells the kernel's specialisation and its
 * private arrays ({@link squall.runtime.DeviceLimits#privateBytes}).
 *
 * @param name   the task's name
 * @param kernel the kernel
 * @param args   its arguments, in the kernel's parameter order
 * @param grid   the work-items of a context kernel, {@code null} for a {@code @Parallel} one
 */
public record TaskLaunch(String name, KernelDescriptor kernel, Object[] args, WorkerGrid grid) {

    /** A launch of a {@code @Parallel} kernel. */
    public static TaskLaunch of(String name, KernelDescriptor kernel, Object... args) {
        return new TaskLaunch(name, kernel, args, null);
    }

    /** Adds the task to {@code graph}. */
    public void addTo(TaskGraph graph) {
        graph.task(name, grid, kernel, args);
    }

    /** The values of its {@code @Specialize} parameters. */
    public SortedMap<String, Integer> specialization() {
        return kernel.specialization(args);
    }
}
