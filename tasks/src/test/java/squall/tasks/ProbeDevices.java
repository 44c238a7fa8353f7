package squall.tasks;

import squall.runtime.Device;
import squall.runtime.DeviceSession;
import squall.runtime.ForwardingDevice;
import squall.runtime.Launch;

import java.util.concurrent.atomic.AtomicInteger;

/** Real devices with one thing changed, for the probes' tests. */
final class ProbeDevices {

    private ProbeDevices() {
    }

    /** {@code device}, except that no kernel ever runs: outputs keep what they held. */
    static Device idle(Device device) {
        return new ForwardingDevice(device) {
            @Override
            protected DeviceSession wrap(DeviceSession session) {
                return new Session(this, session) {
                    @Override
                    public void launch(Launch launch) {
                        // the kernel is skipped
                    }
                };
            }
        };
    }

    /** {@code device}, counting the sessions opened on it in {@code sessions}: a measurement opens one. */
    static Device counting(Device device, AtomicInteger sessions) {
        return new ForwardingDevice(device) {
            @Override
            protected DeviceSession wrap(DeviceSession session) {
                sessions.incrementAndGet();
                return session;
            }
        };
    }
}
