package squall.runtime;

import java.util.List;

/** Finds the devices of one back end; listed in {@code META-INF/services/squall.runtime.DeviceProvider}. */
public interface DeviceProvider {

    /** {@code opencl}, {@code cuda}. */
    String backend();

    /**
     * The devices found, numbered from 0 in the order returned.
     *
     * @throws Exception when the back end is unavailable (no driver); the message says why
     */
    List<Device> discover() throws Exception;
}
