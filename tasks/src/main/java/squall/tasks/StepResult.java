package squall.tasks;

import squall.runtime.DeviceEvent;
import squall.runtime.ProfilerResult;

/**
 * What one decode or prefill step cost.
 *
 * @param profile     the device's events, or {@code null} when the graph was built without profiling
 * @param wallNanos   host time of the step
 * @param kvBytesRead K/V bytes the attention had to read: every layer's cache in use
 */
public record StepResult(ProfilerResult profile, long wallNanos, long kvBytesRead) {

    /** Device time of the attention tasks (attend, combine, repeat), without the appends. */
    public long attentionNanos() {
        if (profile == null) {
            return wallNanos;
        }
        return profile.events().stream()
                .filter(e -> e.kind() == DeviceEvent.Kind.KERNEL && !e.label().startsWith("append"))
                .mapToLong(DeviceEvent::nanos).sum();
    }

    /** K/V bytes read per second of attention time, in GB/s (10^9 bytes). */
    public double gigabytesPerSecond() {
        long nanos = attentionNanos();
        return nanos == 0 ? 0 : (double) kvBytesRead / nanos;
    }
}
