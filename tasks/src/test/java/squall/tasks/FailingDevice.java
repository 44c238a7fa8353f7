package squall.tasks;

import squall.runtime.Device;
import squall.runtime.DeviceBuffer;
import squall.runtime.DeviceEvent;
import squall.runtime.DeviceKernel;
import squall.runtime.DeviceSession;
import squall.runtime.DeviceType;
import squall.runtime.KernelDescriptor;
import squall.runtime.KernelLaunchException;
import squall.runtime.Launch;

import java.util.List;
import java.util.Map;

/**
 * A real device whose launches of one task fail while {@link #failing} is set, as a driver error
 * would: fault injection for the transactional guarantees, everything else done by the real device.
 */
final class FailingDevice implements Device {

    private final Device device;
    private final String task;
    volatile boolean failing;

    FailingDevice(Device device, String task) {
        this.device = device;
        this.task = task;
    }

    @Override
    public String id() {
        return device.id();
    }

    @Override
    public String name() {
        return device.name();
    }

    @Override
    public DeviceType type() {
        return device.type();
    }

    @Override
    public String backend() {
        return device.backend();
    }

    @Override
    public Map<String, String> properties() {
        return device.properties();
    }

    @Override
    public DeviceSession openSession(boolean profiling) {
        DeviceSession session = device.openSession(profiling);
        return new DeviceSession() {
            public Device device() {
                return FailingDevice.this;
            }

            public DeviceBuffer allocate(Object hostArray) {
                return session.allocate(hostArray);
            }

            public void copyIn(DeviceBuffer buffer, Object hostArray, String label) {
                session.copyIn(buffer, hostArray, label);
            }

            public void copyOut(DeviceBuffer buffer, Object hostArray, String label) {
                session.copyOut(buffer, hostArray, label);
            }

            public DeviceKernel prepare(KernelDescriptor kernel, Map<String, Integer> specialization, String name) {
                return session.prepare(kernel, specialization, name);
            }

            public void launch(Launch launch) {
                if (failing && launch.task().equals(task)) {
                    session.finish(); // what was queued before the failure did run
                    throw new KernelLaunchException("injected failure of task '" + task + "' on " + id());
                }
                session.launch(launch);
            }

            public void finish() {
                session.finish();
            }

            public List<DeviceEvent> drainEvents() {
                return session.drainEvents();
            }

            public void close() {
                session.close();
            }
        };
    }
}
