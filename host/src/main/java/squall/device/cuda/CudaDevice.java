package squall.device.cuda;

import squall.runtime.Device;
import squall.runtime.DeviceSession;
import squall.runtime.DeviceType;

import java.lang.foreign.MemorySegment;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

import static squall.device.cuda.CudaDriver.*;

/**
 * One NVIDIA GPU, {@code cuda:N}, driven through the CUDA driver API with kernels compiled to PTX
 * by NVRTC (or nvcc). Sessions share the device's primary context, retained on the first session
 * and kept for the process's lifetime (creating a context costs a few hundred milliseconds);
 * everything a session makes in it, it frees when it closes.
 *
 * <pre>{@code
 * Device gpu = Devices.get("cuda:0");
 * float[] out = Attention.call(shape, q, k, v).run(gpu);
 * }</pre>
 *
 * <p>The compiler is chosen on first use: NVRTC (the newest found that the driver accepts), else
 * {@code nvcc}; the system property {@code squall.cuda.compiler} ({@code nvrtc} or {@code nvcc})
 * forces one.
 */
public final class CudaDevice implements Device {

    private final CudaDriver driver;
    private final int ordinal;
    private final int handle;
    private final String name;
    private final int capabilityMajor;
    private final int capabilityMinor;
    private final int multiprocessors;
    private final long globalMemory;
    private final int l2Bytes;
    private final int sharedPerBlock;
    private final int sharedPerBlockOptIn;
    private final int maxThreadsPerBlock;
    private final int[] maxBlock;
    private final int[] maxGrid;

    private final Object lock = new Object();
    private MemorySegment context;
    private CudaCompiler compiler;
    private CudaCompileException compilerMissing;

    CudaDevice(CudaDriver driver, int ordinal) {
        this.driver = driver;
        this.ordinal = ordinal;
        this.handle = driver.device(ordinal);
        this.name = driver.deviceName(handle);
        this.capabilityMajor = driver.attribute(handle, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
        this.capabilityMinor = driver.attribute(handle, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
        this.multiprocessors = driver.attribute(handle, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
        this.globalMemory = driver.totalMemory(handle);
        this.l2Bytes = driver.attribute(handle, CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE);
        this.sharedPerBlock = driver.attribute(handle, CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK);
        this.sharedPerBlockOptIn = driver.attribute(handle, CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN);
        this.maxThreadsPerBlock = driver.attribute(handle, CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK);
        this.maxBlock = new int[] {
                driver.attribute(handle, CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X),
                driver.attribute(handle, CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y),
                driver.attribute(handle, CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Z)};
        this.maxGrid = new int[] {
                driver.attribute(handle, CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X),
                driver.attribute(handle, CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y),
                driver.attribute(handle, CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z)};
    }

    @Override
    public String id() {
        return "cuda:" + ordinal;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public DeviceType type() {
        return DeviceType.GPU;
    }

    @Override
    public String backend() {
        return "cuda";
    }

    /** Compute capability as {@code 10 * major + minor}: 90 for an H100. */
    public int computeCapability() {
        return capabilityMajor * 10 + capabilityMinor;
    }

    /** The CUDA version the driver supports, as {@code 1000 * major + 10 * minor}. */
    public int driverVersion() {
        return driver.version();
    }

    @Override
    public long globalMemoryBytes() {
        return globalMemory;
    }

    /** {@code cuMemAlloc} takes any size the memory holds. */
    @Override
    public long maxAllocationBytes() {
        return globalMemory;
    }

    /** CUDA's local memory per thread, where private arrays that do not fit in registers live: 512 KiB. */
    @Override
    public long privateMemoryBytes() {
        return 512L << 10;
    }

    @Override
    public Map<String, String> properties() {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("compute capability", capabilityMajor + "." + capabilityMinor);
        p.put("SMs", Integer.toString(multiprocessors));
        p.put("global memory", gib(globalMemory));
        p.put("L2 cache", mib(l2Bytes));
        p.put("shared memory per block", kib(sharedPerBlock) + " (" + kib(sharedPerBlockOptIn) + " opt-in)");
        p.put("max threads per block", Integer.toString(maxThreadsPerBlock));
        p.put("driver", "CUDA " + CudaDriver.versionString(driver.version()) + " (" + driver.libraryPath() + ")");
        String compilerText;
        try {
            compilerText = compiler().description();
        } catch (CudaCompileException e) {
            compilerText = "none found";
        }
        p.put("compiler", compilerText);
        return p;
    }

    private static String gib(long bytes) {
        return String.format(Locale.ROOT, "%.1f GiB", bytes / (double) (1L << 30));
    }

    private static String mib(long bytes) {
        return String.format(Locale.ROOT, "%.0f MiB", bytes / (double) (1L << 20));
    }

    private static String kib(long bytes) {
        return bytes / 1024 + " KiB";
    }

    /** Streaming multiprocessors: what launches size their grids by. */
    @Override
    public int computeUnits() {
        return multiprocessors;
    }

    @Override
    public long localMemoryBytes() {
        return sharedPerBlock;
    }

    @Override
    public int maxWorkGroupSize() {
        return maxThreadsPerBlock;
    }

    @Override
    public DeviceSession openSession(boolean profiling) {
        return new CudaSession(this, profiling);
    }

    @Override
    public DeviceSession openSession(boolean profiling, boolean boundsChecks) {
        return new CudaSession(this, profiling, PtxCache.shared(), boundsChecks);
    }

    // ---------------------------------------------------------------- for sessions

    CudaDriver driver() {
        return driver;
    }

    /** The primary context, retained on first use; current on the calling thread afterwards. */
    MemorySegment enter() {
        MemorySegment c;
        synchronized (lock) {
            if (context == null) {
                context = driver.retainPrimaryContext(handle);
            }
            c = context;
        }
        driver.setCurrent(c);
        return c;
    }

    /**
     * The compiler kernels for this device go through, found on first use.
     *
     * @throws CudaCompileException when none is found
     */
    CudaCompiler compiler() {
        synchronized (lock) {
            if (compiler == null && compilerMissing == null) {
                try {
                    compiler = chooseCompiler();
                } catch (CudaCompileException e) {
                    compilerMissing = e;
                }
            }
            if (compiler == null) {
                throw compilerMissing;
            }
            return compiler;
        }
    }

    private CudaCompiler chooseCompiler() {
        String forced = System.getProperty("squall.cuda.compiler", "").trim().toLowerCase(Locale.ROOT);
        return switch (forced) {
            case "" -> CudaCompiler.find(driver.version());
            case "nvrtc" -> CudaCompiler.nvrtc(driver.version()).orElseThrow(() -> new CudaCompileException(
                    "squall.cuda.compiler=nvrtc, but no NVRTC library was found in " + String.join(", ", Nvrtc.candidates()), ""));
            case "nvcc" -> CudaCompiler.nvcc().orElseThrow(() -> new CudaCompileException(
                    "squall.cuda.compiler=nvcc, but nvcc is not on the PATH nor in $CUDA_HOME/bin or /usr/local/cuda/bin", ""));
            default -> throw new CudaCompileException("squall.cuda.compiler must be nvrtc or nvcc, got '" + forced + "'", "");
        };
    }

    /** Launch limits for a kernel that allows {@code kernelMaxThreads} threads per block. */
    LaunchGeometry.Limits limits(int kernelMaxThreads) {
        return new LaunchGeometry.Limits(Math.min(maxThreadsPerBlock, kernelMaxThreads), maxBlock.clone(), maxGrid.clone());
    }

    int sharedPerBlock() {
        return sharedPerBlock;
    }

    int sharedPerBlockOptIn() {
        return sharedPerBlockOptIn;
    }

    /** {@code {free, total}} device memory in bytes, as the driver sees it now (all processes). */
    public long[] memoryInfo() {
        enter();
        return driver.memoryInfo();
    }

    @Override
    public String toString() {
        return id();
    }
}
