package squall.device.jvm;

import squall.runtime.Device;
import squall.runtime.DeviceBuffer;
import squall.runtime.DeviceEvent;
import squall.runtime.DeviceKernel;
import squall.runtime.DeviceSession;
import squall.runtime.KernelBuild;
import squall.runtime.KernelDescriptor;
import squall.runtime.KernelLaunchException;
import squall.runtime.Launch;
import squall.runtime.ParamType;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A plan's state on the {@link JvmDevice}. Kernels run synchronously when launched; a launch's
 * time is the JVM's clock around it.
 */
final class JvmSession implements DeviceSession {

    /** On the JVM a buffer is the host array itself. */
    record HostArray(Object array) implements DeviceBuffer {
        @Override
        public long bytes() {
            return (long) ParamType.length(array) * ParamType.of(array).elementBytes();
        }
    }

    record JvmKernel(KernelDescriptor descriptor) implements DeviceKernel {
        @Override
        public KernelBuild build() {
            return new KernelBuild("javac (the JVM variant in " + descriptor.owner().getSimpleName()
                    + "Compiled, compiled with the kernel's class)", "", "nothing to build at run time: specialised values"
                    + " are arguments, and the JIT compiles the variant like any Java method", "");
        }
    }

    private final JvmDevice device;
    private final boolean profiling;
    private final List<DeviceEvent> events = new ArrayList<>();
    private boolean closed;

    JvmSession(JvmDevice device, boolean profiling) {
        this.device = device;
        this.profiling = profiling;
    }

    @Override
    public Device device() {
        return device;
    }

    @Override
    public DeviceBuffer allocate(Object hostArray) {
        return new HostArray(hostArray);
    }

    @Override
    public void copyIn(DeviceBuffer buffer, Object hostArray, String label) {
        requireSame(buffer, hostArray);
    }

    @Override
    public void copyOut(DeviceBuffer buffer, Object hostArray, String label) {
        requireSame(buffer, hostArray);
    }

    private static void requireSame(DeviceBuffer buffer, Object hostArray) {
        if (((HostArray) buffer).array() != hostArray) {
            throw new IllegalArgumentException("a jvm buffer is its host array; got another array");
        }
    }

    @Override
    public DeviceKernel prepare(KernelDescriptor kernel, Map<String, Integer> specialization, String task) {
        return new JvmKernel(kernel);
    }

    @Override
    public void launch(Launch launch) {
        if (closed) {
            throw new IllegalStateException("session closed");
        }
        KernelDescriptor kernel = launch.kernel().descriptor();
        Object[] args = new Object[launch.deviceArgs().length];
        for (int i = 0; i < args.length; i++) {
            Object a = launch.deviceArgs()[i];
            args[i] = a instanceof HostArray h ? h.array() : a;
        }
        long start = System.nanoTime();
        try {
            if (kernel.usesContext()) {
                new WorkGroupRunner(kernel, args, launch.grid(), device.pool(), device.threads()).run();
            } else if (kernel.parallelDimensions() > 0) {
                new RangeRunner(kernel, args, launch.bounds()[0], launch.bounds()[1], device.pool(), device.threads()).run();
            } else {
                kernel.runRange(args, 0, 0);
            }
        } catch (KernelLaunchException e) {
            throw e;
        } catch (ArrayIndexOutOfBoundsException e) {
            throw new KernelLaunchException("kernel " + kernel.qualifiedName() + " (task '" + launch.task()
                    + "') failed on jvm: an array index out of bounds (" + e.getMessage() + ")" + where(e, kernel), e);
        } catch (RuntimeException | Error e) {
            throw new KernelLaunchException("kernel " + kernel.qualifiedName() + " (task '" + launch.task()
                    + "') failed on jvm: " + e, e);
        }
        if (profiling) {
            events.add(new DeviceEvent(DeviceEvent.Kind.KERNEL, launch.task(), 0, System.nanoTime() - start));
        }
    }

    /** {@code , at AttentionKernels.java:123}: the kernel source line of the failure, if the stack shows it. */
    private static String where(Throwable e, KernelDescriptor kernel) {
        // The kernel's own class (its helpers, its context kernels) before the generated one (@Parallel bodies).
        String owner = kernel.owner().getName();
        for (String name : new String[] {owner, owner + "Compiled"}) {
            for (StackTraceElement frame : e.getStackTrace()) {
                if (frame.getClassName().equals(name)) {
                    return ", at " + frame.getFileName() + ":" + frame.getLineNumber();
                }
            }
        }
        return "";
    }

    @Override
    public void finish() {
    }

    @Override
    public List<DeviceEvent> drainEvents() {
        List<DeviceEvent> result = List.copyOf(events);
        events.clear();
        return result;
    }

    @Override
    public void close() {
        closed = true;
    }
}
