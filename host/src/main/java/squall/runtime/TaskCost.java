package squall.runtime;

/**
 * The work a task must do, from its shapes: bytes it must read and write, and floating-point
 * operations. With the task's kernel time it gives achieved GB/s and GFLOP/s. Declare it with
 * {@link TaskGraph#cost}.
 */
public record TaskCost(long bytesRead, long bytesWritten, long flops) {

    public TaskCost {
        if (bytesRead < 0 || bytesWritten < 0 || flops < 0) {
            throw new IllegalArgumentException("a task cost cannot be negative: " + this);
        }
    }

    public long bytes() {
        return bytesRead + bytesWritten;
    }
}
