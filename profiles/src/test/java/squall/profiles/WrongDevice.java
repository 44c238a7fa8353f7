package squall.profiles;

import squall.runtime.Device;
import squall.runtime.DeviceSession;
import squall.runtime.ForwardingDevice;
import squall.runtime.KernelParam;
import squall.runtime.Launch;

import java.util.List;

/**
 * The jvm device with a fault: after each attention launch it nudges the first value of the task's
 * output by 0.1, as a device with a subtle bug would. Everything else is done by the real device.
 */
final class WrongDevice extends ForwardingDevice {

    WrongDevice(Device jvm) {
        super(jvm);
        if (!jvm.backend().equals("jvm")) {
            throw new IllegalArgumentException("wraps the jvm device, whose buffers are the host arrays");
        }
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
    protected DeviceSession wrap(DeviceSession session) {
        return new Session(this, session) {
            @Override
            public void launch(Launch launch) {
                super.launch(launch);
                if (launch.task().startsWith("attend")) {
                    List<KernelParam> params = launch.kernel().descriptor().params();
                    for (int i = 0; i < params.size(); i++) {
                        if (params.get(i).name().equals("out") && launch.hostArgs()[i] instanceof float[] out) {
                            out[0] += 0.1f;
                        }
                    }
                }
            }
        };
    }
}
