package squall.runtime;

/** What kind of processor a device is. */
public enum DeviceType {
    /** The JVM's own threads. */
    JVM,
    CPU,
    GPU,
    /** FPGAs and other accelerators. */
    ACCELERATOR
}
