package squall.tasks;

import squall.runtime.DeviceEvent;
import squall.runtime.ProfilerResult;

import java.util.Set;

/**
 * What one decode or prefill step cost.
 *
 * @param profile        the device's events, or {@code null} when the graph was built without profiling
 * @param wallNanos      host time of the step
 * @param attentionNanos device time of the attention tasks (attend, combine, repeat), without the appends; the wall
 *                       time without a profile
 * @param kvBytesRead    K/V bytes the attention had to read: every layer's cache in use
 * @param attentionFlops floating-point operations of the attention ({@link StepPlan#attentionFlops})
 */
public record StepResult(ProfilerResult profile, long wallNanos, long attentionNanos, long kvBytesRead,
                         long attentionFlops) {

    /** The result of a step whose attention ran as the tasks named {@code attentionTasks}. */
    static StepResult of(ProfilerResult profile, long wallNanos, Set<String> attentionTasks, long kvBytesRead,
                         long attentionFlops) {
        long attention = profile == null ? wallNanos : profile.events().stream()
                .filter(e -> e.kind() == DeviceEvent.Kind.KERNEL && attentionTasks.contains(e.task()))
                .mapToLong(DeviceEvent::nanos).sum();
        return new StepResult(profile, wallNanos, attention, kvBytesRead, attentionFlops);
    }

    /** K/V bytes read per second of attention time, in GB/s (10^9 bytes). */
    public double gigabytesPerSecond() {
        return attentionNanos == 0 ? 0 : (double) kvBytesRead / attentionNanos;
    }
}
