package squall.runtime;

/** Device memory holding one host array's contents. */
public interface DeviceBuffer {

    /** Size in bytes. */
    long bytes();
}
