package squall.tasks;

/**
 * The kinds of task a decode or prefill step runs in every layer, and their names in the graph, its profiles and
 * the recorded profiles: {@code append0}, {@code repeat0}, {@code attend0}, {@code attend0Combine}. Attention time
 * is the time of the tasks whose kind {@link #isAttention()}: everything but the appends.
 *
 * <pre>{@code
 * StepTask.ATTEND.taskName(3);        // "attend3"
 * StepTask.of("attend3Combine");      // COMBINE
 * }</pre>
 */
public enum StepTask {
    /** Writes the step's new K/V rows into the cache ({@code PagedAttentionKernels.appendKv}). */
    APPEND("append", ""),
    /** Copies the cache to one head per query head, the repeat_kv baseline ({@code PagedAttentionKernels.repeatKv}). */
    REPEAT("repeat", ""),
    /** Attends the step's queries to the cache. */
    ATTEND("attend", ""),
    /** Merges the split-KV slices of the attention ({@code SplitKv.combineSlices}). */
    COMBINE("attend", "Combine");

    private final String prefix;
    private final String suffix;

    StepTask(String prefix, String suffix) {
        this.prefix = prefix;
        this.suffix = suffix;
    }

    /** The task's name in layer {@code layer}. */
    public String taskName(int layer) {
        return prefix + layer + suffix;
    }

    /** Whether its time is attention time (everything but appending). */
    public boolean isAttention() {
        return this != APPEND;
    }

    /** Whether the task declares what it moves and computes ({@link StepPlan#cost}): all but the merge of slices. */
    public boolean hasCost() {
        return this != COMBINE;
    }

    /** The kind of the task named {@code taskName} (as {@link #taskName} makes it), or {@code null} for another task. */
    public static StepTask of(String taskName) {
        for (StepTask kind : values()) {
            if (taskName.startsWith(kind.prefix) && taskName.endsWith(kind.suffix)) {
                String layer = taskName.substring(kind.prefix.length(), taskName.length() - kind.suffix.length());
                if (!layer.isEmpty() && layer.chars().allMatch(Character::isDigit)) {
                    return kind;
                }
            }
        }
        return null;
    }
}
