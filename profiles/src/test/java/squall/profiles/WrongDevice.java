package squall.profiles;

import squall.runtime.Device;
import squall.runtime.DeviceBuffer;
import squall.runtime.DeviceEvent;
import squall.runtime.DeviceKernel;
import squall.runtime.DeviceSession;
import squall.runtime.DeviceType;
import squall.runtime.KernelDescriptor;
import squall.runtime.KernelParam;
import squall.runtime.Launch;

import java.util.List;
import java.util.Map;

/**
 * The jvm device with a fault: after each attention launch it nudges the first value of the task's
 * output by 0.1, as a device with a subtle bug would. Everything else is done by the real device.
 */
final class WrongDevice implements Device {

    private final Device jvm;

    WrongDevice(Device jvm) {
        if (!jvm.backend().equals("jvm")) {
            throw new IllegalArgumentException("wraps the jvm device, whose buffers are the host arrays");
        }
        this.jvm = jvm;
    }

    @Override
    public String id() {
        return "wrong-jvm";
    }

    @Override
    public String name() {
        return "jvm with a fault in attention";
    }

    @Override
    public DeviceType type() {
        return jvm.type();
    }

    @Override
    public String backend() {
        return jvm.backend();
    }

    @Override
    public Map<String, String> properties() {
        return jvm.properties();
    }

    @Override
    public DeviceSession openSession(boolean profiling) {
        DeviceSession session = jvm.openSession(profiling);
        return new DeviceSession() {
            public Device device() {
                return WrongDevice.this;
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

            public DeviceKernel prepare(KernelDescriptor kernel, Map<String, Integer> specialization, String task) {
                return session.prepare(kernel, specialization, task);
            }

            public void launch(Launch launch) {
                session.launch(launch);
                if (launch.task().startsWith("attend")) {
                    List<KernelParam> params = launch.kernel().descriptor().params();
                    for (int i = 0; i < params.size(); i++) {
                        if (params.get(i).name().equals("out") && launch.hostArgs()[i] instanceof float[] out) {
                            out[0] += 0.1f;
                        }
                    }
                }
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
