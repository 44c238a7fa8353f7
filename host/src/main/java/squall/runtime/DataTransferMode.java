package squall.runtime;

/** When a {@link TaskGraph} moves an array between the host and the device, as in TornadoVM. */
public enum DataTransferMode {
    /** Copied on the first execution only; afterwards the array stays resident on the device. */
    FIRST_EXECUTION,
    /** Copied on every execution. */
    EVERY_EXECUTION,
    /** Device to host only when asked, through {@link ExecutionResult#transferToHost(Object...)}. */
    UNDER_DEMAND
}
