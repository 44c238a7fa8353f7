package squall.tasks;

import squall.runtime.Device;
import squall.runtime.DeviceSession;
import squall.runtime.ForwardingDevice;
import squall.runtime.KernelLaunchException;
import squall.runtime.Launch;

/**
 * A real device whose launches of one task fail while {@link #failing} is set, as a driver error
 * would: fault injection for the transactional guarantees, everything else done by the real device.
 */
final class FailingDevice extends ForwardingDevice {

    private final String task;
    volatile boolean failing;

    FailingDevice(Device device, String task) {
        super(device);
        this.task = task;
    }

    @Override
    protected DeviceSession wrap(DeviceSession session) {
        return new Session(this, session) {
            @Override
            public void launch(Launch launch) {
                if (failing && launch.task().equals(task)) {
                    finish(); // what was queued before the failure did run
                    throw new KernelLaunchException("injected failure of task '" + task + "' on " + id());
                }
                super.launch(launch);
            }
        };
    }
}
