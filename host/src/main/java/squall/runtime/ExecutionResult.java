package squall.runtime;

/** What {@link ExecutionPlan#execute()} returns: the profile, and on-demand copies back to the host. */
public final class ExecutionResult {

    private final ExecutionPlan plan;
    private final ProfilerResult profile;

    ExecutionResult(ExecutionPlan plan, ProfilerResult profile) {
        this.plan = plan;
        this.profile = profile;
    }

    /** Copies these arrays' device contents to the host now (for {@link DataTransferMode#UNDER_DEMAND} outputs). */
    public ExecutionResult transferToHost(Object... arrays) {
        plan.copyToHost(arrays);
        return this;
    }

    /** The execution's profile; the plan must have been made with {@link ExecutionPlan#withProfiler()}. */
    public ProfilerResult profilerResult() {
        if (profile == null) {
            throw new IllegalStateException("profiling is off for this plan; build it with withProfiler()");
        }
        return profile;
    }

    public boolean isProfiled() {
        return profile != null;
    }
}
