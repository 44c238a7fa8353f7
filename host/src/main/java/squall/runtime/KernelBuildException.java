package squall.runtime;

/** A device's compiler rejected a kernel; the message names the kernel and device and holds the build log. */
public final class KernelBuildException extends SquallException {

    private final String buildLog;

    public KernelBuildException(String kernel, String device, String driverMessage, String buildLog) {
        super("building kernel " + kernel + " for " + device + " failed: " + driverMessage
                + (buildLog == null || buildLog.isBlank() ? "" : "\n--- build log ---\n" + buildLog.strip()));
        this.buildLog = buildLog == null ? "" : buildLog;
    }

    public String buildLog() {
        return buildLog;
    }
}
