package squall.device.opencl;

import org.lwjgl.opencl.CL10;
import org.lwjgl.opencl.CL11;
import squall.runtime.CacheFolder;
import squall.runtime.Device;
import squall.runtime.DeviceKernel;
import squall.runtime.DeviceType;
import squall.runtime.KernelDescriptor;
import squall.runtime.KernelParam;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * One OpenCL device ({@code opencl:N}): a CPU through PoCL, a GPU, or an accelerator such as an
 * FPGA board. Each {@link squall.runtime.ExecutionPlan} on it opens an {@link OpenClSession} with
 * its own context and in-order queue.
 *
 * <p>Kernels are built from their generated OpenCL C with {@code -D SQUALL_<name>=<value>} for each
 * {@code @Specialize} value. Built programs are cached on disk under {@code $SQUALL_CACHE_DIR/opencl}
 * (default {@code ~/.cache/squall/opencl}), keyed by the source, the options, and the device's
 * name, version and driver version, so a later process loads the binary instead of compiling.
 *
 * <p>A device that cannot compile source (an FPGA board) runs prebuilt binaries instead: register
 * one per kernel and specialisation before the plan runs.
 *
 * <pre>{@code
 * OpenClDevice cpu = (OpenClDevice) Devices.get("opencl:0");
 * Map<String, Integer> spec = Map.of("G", 4, "D", 128, "TILE", 64);
 * KernelDescriptor attend = KernelLibraries.find(AttentionKernels.class, "attendBroadcast");
 * byte[] binary = cpu.exportBinary(attend, spec);          // build once (or take the one a plan built)
 * Files.write(Path.of("attendBroadcast.bin"), binary);
 * // later, perhaps in another process:
 * cpu.registerBinary(attend, spec, Files.readAllBytes(Path.of("attendBroadcast.bin")));
 * try (ExecutionPlan plan = new ExecutionPlan(graph).withDevice(cpu)) {
 *     plan.execute();                                      // loads the binary, compiles nothing
 * }
 * }</pre>
 */
public final class OpenClDevice implements Device {

    private final String id;
    private final long platform;
    private final long device;
    private final String name;
    private final String vendor;
    private final DeviceType type;
    private final String platformName;
    private final String deviceVersion;
    private final String driverVersion;
    private final String openClCVersion;
    private final int computeUnits;
    private final long globalMemory;
    private final long localMemory;
    private final long maxAllocation;
    private final long maxWorkGroupSize;

    private volatile Path cacheRoot;
    private final Map<String, byte[]> registered = new ConcurrentHashMap<>();
    private final Map<String, byte[]> built = new ConcurrentHashMap<>();

    OpenClDevice(int index, long platform, long device) {
        this.id = "opencl:" + index;
        this.platform = platform;
        this.device = device;
        this.name = ClInfo.deviceString(device, CL10.CL_DEVICE_NAME);
        this.vendor = ClInfo.deviceString(device, CL10.CL_DEVICE_VENDOR);
        this.type = typeOf(ClInfo.deviceLong(device, CL10.CL_DEVICE_TYPE));
        this.platformName = ClInfo.platformString(platform, CL10.CL_PLATFORM_NAME);
        this.deviceVersion = ClInfo.deviceString(device, CL10.CL_DEVICE_VERSION);
        this.driverVersion = ClInfo.deviceString(device, CL10.CL_DRIVER_VERSION);
        this.openClCVersion = ClInfo.deviceString(device, CL11.CL_DEVICE_OPENCL_C_VERSION);
        this.computeUnits = ClInfo.deviceInt(device, CL10.CL_DEVICE_MAX_COMPUTE_UNITS);
        this.globalMemory = ClInfo.deviceLong(device, CL10.CL_DEVICE_GLOBAL_MEM_SIZE);
        this.localMemory = ClInfo.deviceLong(device, CL10.CL_DEVICE_LOCAL_MEM_SIZE);
        this.maxAllocation = ClInfo.deviceLong(device, CL10.CL_DEVICE_MAX_MEM_ALLOC_SIZE);
        this.maxWorkGroupSize = ClInfo.deviceSize(device, CL10.CL_DEVICE_MAX_WORK_GROUP_SIZE);
        this.cacheRoot = CacheFolder.root();
    }

    private static DeviceType typeOf(long bits) {
        if ((bits & CL10.CL_DEVICE_TYPE_GPU) != 0) {
            return DeviceType.GPU;
        }
        if ((bits & CL10.CL_DEVICE_TYPE_CPU) != 0) {
            return DeviceType.CPU;
        }
        return DeviceType.ACCELERATOR; // CL_DEVICE_TYPE_ACCELERATOR, CL_DEVICE_TYPE_CUSTOM
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public DeviceType type() {
        return type;
    }

    @Override
    public String backend() {
        return "opencl";
    }

    @Override
    public Map<String, String> properties() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("name", name);
        p.put("vendor", vendor);
        p.put("type", type.name());
        p.put("platform", platformName);
        p.put("compute units", Integer.toString(computeUnits));
        p.put("global memory", (globalMemory >> 20) + " MiB");
        p.put("largest buffer", (maxAllocation >> 20) + " MiB");
        p.put("local memory", (localMemory >> 10) + " KiB");
        p.put("max work-group size", Long.toString(maxWorkGroupSize));
        p.put("OpenCL C", openClCVersion);
        p.put("device version", deviceVersion);
        p.put("driver version", driverVersion);
        return p;
    }

    @Override
    public OpenClSession openSession(boolean profiling) {
        return openSession(profiling, false);
    }

    @Override
    public OpenClSession openSession(boolean profiling, boolean boundsChecks) {
        return new OpenClSession(this, profiling, OpenClTransfers.DEFAULT_STAGING_CHUNK, boundsChecks);
    }

    long platformHandle() {
        return platform;
    }

    long deviceHandle() {
        return device;
    }

    /** What goes into the disk-cache key besides source and options: whatever changes the binary. */
    String cacheIdentity() {
        return platformName + "\n" + name + "\n" + deviceVersion + "\n" + driverVersion;
    }

    /** {@code CL_DEVICE_MAX_MEM_ALLOC_SIZE}: the largest single buffer, in bytes. */
    @Override
    public long maxAllocationBytes() {
        return maxAllocation;
    }

    /** {@code CL_DEVICE_GLOBAL_MEM_SIZE}. */
    @Override
    public long globalMemoryBytes() {
        return globalMemory;
    }

    /**
     * A CPU device: what a whole work-group may take ({@link #groupPrivateMemoryBytes()}), since one work-item may be
     * a group of its own. Other devices: 512 KiB, what NVIDIA GPUs give a thread (OpenCL reports no such limit).
     */
    @Override
    public long privateMemoryBytes() {
        return type == DeviceType.CPU ? groupPrivateMemoryBytes() : 512L << 10;
    }

    /**
     * A CPU device runs a work-group's work-items on one worker thread whose stack holds all their private arrays
     * ({@link WorkerStack}): half that stack, the rest left to the driver's own frames. Unlimited elsewhere.
     */
    @Override
    public long groupPrivateMemoryBytes() {
        return type == DeviceType.CPU ? WorkerStack.bytes() / 2 : Long.MAX_VALUE;
    }

    /** {@code CL_DEVICE_MAX_COMPUTE_UNITS}: cores of a CPU, multiprocessors of a GPU. */
    @Override
    public int computeUnits() {
        return computeUnits;
    }

    /** {@code CL_DEVICE_MAX_WORK_GROUP_SIZE}; a kernel's own limit may be lower (see {@code CL_KERNEL_WORK_GROUP_SIZE}). */
    @Override
    public int maxWorkGroupSize() {
        return (int) Math.min(maxWorkGroupSize, Integer.MAX_VALUE);
    }

    /** {@code CL_DEVICE_LOCAL_MEM_SIZE}. */
    @Override
    public long localMemoryBytes() {
        return localMemory;
    }

    // ---------------------------------------------------------------- program cache on disk

    /** Where built programs are cached ({@code <cache root>/opencl}), or {@code null} when disk caching is off. */
    public Path programCacheDirectory() {
        Path root = cacheRoot;
        return root == null ? null : root.resolve("opencl");
    }

    /**
     * Uses {@code root} (as {@code $SQUALL_CACHE_DIR} would) for the sessions opened from now on;
     * {@code null} turns the disk cache off.
     */
    public void setCacheRoot(Path root) {
        this.cacheRoot = root;
    }

    // ---------------------------------------------------------------- prebuilt binaries

    /**
     * Runs {@code kernel} with this specialisation from {@code binary} (as {@code clGetProgramInfo}
     * returns it, or an FPGA vendor's offline compiler writes it) instead of compiling its source, in
     * every session opened from now on. A binary the driver rejects is a
     * {@link squall.runtime.KernelBuildException}: there is no fallback to the source.
     *
     * @param specialization a value for each {@code @Specialize} parameter of the kernel, by name
     */
    public void registerBinary(KernelDescriptor kernel, Map<String, Integer> specialization, byte[] binary) {
        if (binary == null || binary.length == 0) {
            throw new IllegalArgumentException("binary for " + kernel.qualifiedName() + " is empty");
        }
        registered.put(binaryKey(kernel, specialization), binary.clone());
    }

    /** Forgets a binary given to {@link #registerBinary}; the kernel is built from source again. */
    public void unregisterBinary(KernelDescriptor kernel, Map<String, Integer> specialization) {
        registered.remove(binaryKey(kernel, specialization));
    }

    /**
     * The program binary of {@code kernel} with this specialisation for this device: the one a
     * session built or loaded last, or, if none did yet, one built now.
     */
    public byte[] exportBinary(KernelDescriptor kernel, Map<String, Integer> specialization) {
        String key = binaryKey(kernel, specialization);
        byte[] binary = built.get(key);
        if (binary == null) {
            try (OpenClSession session = openSession(false)) {
                DeviceKernel ignored = session.prepare(kernel, specialization, kernel.name());
            }
            binary = built.get(key);
        }
        return binary.clone();
    }

    byte[] registeredBinary(KernelDescriptor kernel, Map<String, Integer> specialization) {
        return registered.get(binaryKey(kernel, specialization));
    }

    void recordBuilt(KernelDescriptor kernel, Map<String, Integer> specialization, byte[] binary) {
        built.put(binaryKey(kernel, specialization), binary);
    }

    /** {@code owner#kernel{D=128, G=4}}, after checking the specialisation names the kernel's {@code @Specialize} parameters. */
    private static String binaryKey(KernelDescriptor kernel, Map<String, Integer> specialization) {
        Set<String> expected = kernel.params().stream().filter(KernelParam::specialized).map(KernelParam::name)
                .collect(Collectors.toCollection(TreeSet::new));
        if (!expected.equals(new TreeSet<>(specialization.keySet()))) {
            throw new IllegalArgumentException("specialization of " + kernel.qualifiedName() + " must give exactly its"
                    + " @Specialize parameters " + expected + ", got " + new TreeSet<>(specialization.keySet()));
        }
        return kernel.owner().getName() + "#" + kernel.name() + new TreeMap<>(specialization);
    }

    @Override
    public String toString() {
        return id;
    }
}
