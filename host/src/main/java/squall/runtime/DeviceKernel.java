package squall.runtime;

/** A kernel compiled for one device with one set of specialisation values; owned by its session. */
public interface DeviceKernel {

    KernelDescriptor descriptor();

    /** How the device built it: compiler, options, origin and log. */
    KernelBuild build();
}
