package squall.profiles;

import squall.runtime.ProfilerResult;
import squall.runtime.TaskProfile;
import squall.tasks.StepTask;

import java.util.List;
import java.util.Map;

/**
 * One timed step as {@code profile.json} keeps it: the profiler's metrics under TornadoVM's names and
 * every task's share.
 *
 * @param execution the plan's execution number (0 is the first, which compiles)
 * @param wallNanos host time of the step, around {@code execute()}
 * @param metrics   {@link ProfilerResult#metrics()}
 * @param tasks     {@link ProfilerResult#tasks()}, in the graph's order
 */
public record StepRecord(long execution, long wallNanos, Map<String, Long> metrics, List<Task> tasks) {

    /**
     * One task of a step.
     *
     * @param bytesRead    bytes the task must read ({@code null} when the graph declares no cost)
     * @param bytesWritten bytes it must write
     * @param flops        floating-point operations
     */
    public record Task(String task, String graph, long kernelNanos, long compileNanos, Long bytesRead, Long bytesWritten,
                       Long flops, double gigabytesPerSecond, double gigaflopsPerSecond) {

        static Task of(TaskProfile t) {
            return new Task(t.task(), t.graph(), t.kernelNanos(), t.compileNanos(),
                    t.cost() == null ? null : t.cost().bytesRead(), t.cost() == null ? null : t.cost().bytesWritten(),
                    t.cost() == null ? null : t.cost().flops(), t.gigabytesPerSecond(), t.gigaflopsPerSecond());
        }

        /** Bytes read and written, 0 without a declared cost. */
        public long bytes() {
            return (bytesRead == null ? 0 : bytesRead) + (bytesWritten == null ? 0 : bytesWritten);
        }
    }

    public static StepRecord of(ProfilerResult profile, long wallNanos) {
        return new StepRecord(profile.execution(), wallNanos, profile.metrics(),
                profile.tasks().stream().map(Task::of).toList());
    }

    public long totalNanos() {
        return metric("TOTAL_TIME");
    }

    public long kernelNanos() {
        return metric("TOTAL_KERNEL_TIME");
    }

    public long copyNanos() {
        return metric("COPY_IN_TIME") + metric("COPY_OUT_TIME");
    }

    public long dispatchNanos() {
        return metric("TOTAL_DISPATCH_TIME");
    }

    public long compileNanos() {
        return metric("TOTAL_DRIVER_COMPILE_TIME");
    }

    /**
     * Bytes an ideal step must move: what every task declares, except the {@code repeat} tasks of the
     * repeat_kv baseline, whose copy of the cache is the waste the baseline shows, not work the step needs.
     */
    public long usefulBytes() {
        return tasks.stream().filter(t -> StepTask.of(t.task()) != StepTask.REPEAT).mapToLong(Task::bytes).sum();
    }

    /** Floating-point operations the tasks declare. */
    public long flops() {
        return tasks.stream().mapToLong(t -> t.flops() == null ? 0 : t.flops()).sum();
    }

    private long metric(String name) {
        Long value = metrics.get(name);
        return value == null ? 0 : value;
    }
}
