package squall.runtime;

import java.util.List;
import java.util.Map;

/**
 * A device that hands everything to another one; subclass it to change one thing (log launches,
 * inject a fault) and keep the rest. Its sessions are {@link Session}s: override
 * {@link #wrap(DeviceSession)} to give them behaviour of their own.
 *
 * <pre>{@code
 * Device logged = new ForwardingDevice(Devices.get("opencl:0")) {
 *     protected DeviceSession wrap(DeviceSession session) {
 *         return new Session(this, session) {
 *             public void launch(Launch launch) {
 *                 System.err.println("launching " + launch.task());
 *                 super.launch(launch);
 *             }
 *         };
 *     }
 * };
 * }</pre>
 */
public class ForwardingDevice implements Device {

    private final Device device;

    public ForwardingDevice(Device device) {
        this.device = device;
    }

    /** The device underneath. */
    protected final Device delegate() {
        return device;
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
    public long localMemoryBytes() {
        return device.localMemoryBytes();
    }

    @Override
    public int computeUnits() {
        return device.computeUnits();
    }

    @Override
    public int maxWorkGroupSize() {
        return device.maxWorkGroupSize();
    }

    @Override
    public long maxAllocationBytes() {
        return device.maxAllocationBytes();
    }

    @Override
    public long globalMemoryBytes() {
        return device.globalMemoryBytes();
    }

    @Override
    public long privateMemoryBytes() {
        return device.privateMemoryBytes();
    }

    @Override
    public long groupPrivateMemoryBytes() {
        return device.groupPrivateMemoryBytes();
    }

    @Override
    public final DeviceSession openSession(boolean profiling) {
        return wrap(device.openSession(profiling));
    }

    @Override
    public final DeviceSession openSession(boolean profiling, boolean boundsChecks) {
        return wrap(device.openSession(profiling, boundsChecks));
    }

    /** The session this device hands out for one of the device underneath; by default a plain {@link Session}. */
    protected DeviceSession wrap(DeviceSession session) {
        return new Session(this, session);
    }

    /** A session that hands everything to another one. */
    public static class Session implements DeviceSession {

        private final Device device;
        private final DeviceSession session;

        public Session(Device device, DeviceSession session) {
            this.device = device;
            this.session = session;
        }

        @Override
        public Device device() {
            return device;
        }

        @Override
        public DeviceBuffer allocate(Object hostArray) {
            return session.allocate(hostArray);
        }

        @Override
        public void copyIn(DeviceBuffer buffer, Object hostArray, String label) {
            session.copyIn(buffer, hostArray, label);
        }

        @Override
        public void copyOut(DeviceBuffer buffer, Object hostArray, String label) {
            session.copyOut(buffer, hostArray, label);
        }

        @Override
        public DeviceKernel prepare(KernelDescriptor kernel, Map<String, Integer> specialization, String task) {
            return session.prepare(kernel, specialization, task);
        }

        @Override
        public void launch(Launch launch) {
            session.launch(launch);
        }

        @Override
        public void finish() {
            session.finish();
        }

        @Override
        public List<DeviceEvent> drainEvents() {
            return session.drainEvents();
        }

        @Override
        public void close() {
            session.close();
        }
    }
}
