package squall.device.cuda;

import squall.runtime.SquallException;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The CUDA driver API ({@code libcuda.so.1}) through {@code java.lang.foreign}: the few functions
 * squall needs. Handles ({@code CUcontext}, {@code CUmodule}, {@code CUfunction}, {@code CUstream},
 * {@code CUevent}) are {@link MemorySegment} addresses; device pointers ({@code CUdeviceptr}) are
 * {@code long}s; a {@code CUdevice} is an {@code int}. Every failing call throws a
 * {@link CudaException} with the driver's error name.
 *
 * <p>Entry points are bound by their exported names, which the header's macros hide:
 * {@code cuMemAlloc} is {@code cuMemAlloc_v2}, {@code cuEventElapsedTime} is
 * {@code cuEventElapsedTime_v2} from CUDA 12.8 on (the plain name is kept for older drivers).
 */
final class CudaDriver {

    /** Where {@code libcuda.so.1} is looked for: the system's search first, then where drivers put it. */
    private static final List<String> LIBRARY_CANDIDATES = List.of(
            "libcuda.so.1",
            "/usr/lib/x86_64-linux-gnu/libcuda.so.1",
            "/usr/lib64/libcuda.so.1",
            "/usr/lib/aarch64-linux-gnu/libcuda.so.1",
            "/usr/local/nvidia/lib64/libcuda.so.1",
            "/usr/lib/wsl/lib/libcuda.so.1");

    static final int CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK = 1;
    static final int CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X = 2;
    static final int CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Y = 3;
    static final int CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_Z = 4;
    static final int CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X = 5;
    static final int CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Y = 6;
    static final int CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_Z = 7;
    static final int CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK = 8;
    static final int CU_DEVICE_ATTRIBUTE_CLOCK_RATE = 13;
    static final int CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16;
    static final int CU_DEVICE_ATTRIBUTE_PCI_BUS_ID = 33;
    static final int CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE = 36;
    static final int CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH = 37;
    static final int CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE = 38;
    static final int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
    static final int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
    static final int CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN = 97;

    static final int CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK = 0;
    static final int CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES = 1;
    static final int CU_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES = 3;
    static final int CU_FUNC_ATTRIBUTE_NUM_REGS = 4;
    static final int CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES = 8;

    private static final int CU_JIT_INFO_LOG_BUFFER = 3;
    private static final int CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES = 4;
    private static final int CU_JIT_ERROR_LOG_BUFFER = 5;
    private static final int CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6;
    private static final int JIT_LOG_BYTES = 16 * 1024;

    static final int CU_STREAM_NON_BLOCKING = 0x1;
    static final int CU_EVENT_DEFAULT = 0x0;

    static final int CUDA_SUCCESS = 0;
    static final int CUDA_ERROR_UNSUPPORTED_PTX_VERSION = 222;

    private static final Object LOCK = new Object();
    private static volatile CudaDriver instance;
    private static volatile SquallException failure;

    private final String libraryPath;
    private final int version;

    private final MethodHandle cuGetErrorName;
    private final MethodHandle cuGetErrorString;
    private final MethodHandle cuDriverGetVersion;
    private final MethodHandle cuDeviceGetCount;
    private final MethodHandle cuDeviceGet;
    private final MethodHandle cuDeviceGetName;
    private final MethodHandle cuDeviceGetAttribute;
    private final MethodHandle cuDeviceTotalMem;
    private final MethodHandle cuDevicePrimaryCtxRetain;
    private final MethodHandle cuDevicePrimaryCtxRelease;
    private final MethodHandle cuCtxSetCurrent;
    private final MethodHandle cuMemGetInfo;
    private final MethodHandle cuModuleLoadDataEx;
    private final MethodHandle cuModuleGetFunction;
    private final MethodHandle cuModuleUnload;
    private final MethodHandle cuFuncGetAttribute;
    private final MethodHandle cuFuncSetAttribute;
    private final MethodHandle cuMemAlloc;
    private final MethodHandle cuMemFree;
    private final MethodHandle cuMemcpyHtoDAsync;
    private final MethodHandle cuMemcpyDtoHAsync;
    private final MethodHandle cuMemHostAlloc;
    private final MethodHandle cuMemFreeHost;
    private final MethodHandle cuLaunchKernel;
    private final MethodHandle cuStreamCreate;
    private final MethodHandle cuStreamSynchronize;
    private final MethodHandle cuStreamDestroy;
    private final MethodHandle cuEventCreate;
    private final MethodHandle cuEventRecord;
    private final MethodHandle cuEventSynchronize;
    private final MethodHandle cuEventElapsedTime;
    private final MethodHandle cuEventDestroy;

    private CudaDriver(NativeLibrary lib) {
        this.libraryPath = lib.path();
        FunctionDescriptor intInt = FunctionDescriptor.of(JAVA_INT, JAVA_INT);
        FunctionDescriptor intAddr = FunctionDescriptor.of(JAVA_INT, ADDRESS);
        FunctionDescriptor intAddrInt = FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT);
        FunctionDescriptor intLong = FunctionDescriptor.of(JAVA_INT, JAVA_LONG);
        FunctionDescriptor intAddrAddr = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS);

        cuGetErrorName = lib.function("cuGetErrorName", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
        cuGetErrorString = lib.function("cuGetErrorString", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS));
        MethodHandle cuInit = lib.function("cuInit", intInt);
        cuDriverGetVersion = lib.function("cuDriverGetVersion", intAddr);
        cuDeviceGetCount = lib.function("cuDeviceGetCount", intAddr);
        cuDeviceGet = lib.function("cuDeviceGet", intAddrInt);
        cuDeviceGetName = lib.function("cuDeviceGetName", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        cuDeviceGetAttribute = lib.function("cuDeviceGetAttribute", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        cuDeviceTotalMem = lib.function("cuDeviceTotalMem_v2", intAddrInt);
        cuDevicePrimaryCtxRetain = lib.function("cuDevicePrimaryCtxRetain", intAddrInt);
        cuDevicePrimaryCtxRelease = lib.firstFunction(intInt, "cuDevicePrimaryCtxRelease_v2", "cuDevicePrimaryCtxRelease");
        cuCtxSetCurrent = lib.function("cuCtxSetCurrent", intAddr);
        cuMemGetInfo = lib.function("cuMemGetInfo_v2", intAddrAddr);
        cuModuleLoadDataEx = lib.function("cuModuleLoadDataEx",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
        cuModuleGetFunction = lib.function("cuModuleGetFunction", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        cuModuleUnload = lib.function("cuModuleUnload", intAddr);
        cuFuncGetAttribute = lib.function("cuFuncGetAttribute", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
        cuFuncSetAttribute = lib.function("cuFuncSetAttribute", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        cuMemAlloc = lib.function("cuMemAlloc_v2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG));
        cuMemFree = lib.function("cuMemFree_v2", intLong);
        cuMemcpyHtoDAsync = lib.function("cuMemcpyHtoDAsync_v2",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS));
        cuMemcpyDtoHAsync = lib.function("cuMemcpyDtoHAsync_v2",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS));
        cuMemHostAlloc = lib.function("cuMemHostAlloc", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT));
        cuMemFreeHost = lib.function("cuMemFreeHost", intAddr);
        cuLaunchKernel = lib.function("cuLaunchKernel", FunctionDescriptor.of(JAVA_INT, ADDRESS,
                JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS));
        cuStreamCreate = lib.function("cuStreamCreate", intAddrInt);
        cuStreamSynchronize = lib.function("cuStreamSynchronize", intAddr);
        cuStreamDestroy = lib.firstFunction(intAddr, "cuStreamDestroy_v2", "cuStreamDestroy");
        cuEventCreate = lib.function("cuEventCreate", intAddrInt);
        cuEventRecord = lib.function("cuEventRecord", intAddrAddr);
        cuEventSynchronize = lib.function("cuEventSynchronize", intAddr);
        cuEventElapsedTime = lib.firstFunction(FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS),
                "cuEventElapsedTime_v2", "cuEventElapsedTime");
        cuEventDestroy = lib.firstFunction(intAddr, "cuEventDestroy_v2", "cuEventDestroy");

        try {
            check((int) cuInit.invokeExact(0), "cuInit");
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_INT);
            check(call(cuDriverGetVersion, out), "cuDriverGetVersion");
            this.version = out.get(JAVA_INT, 0);
        }
    }

    /**
     * The driver, loaded and initialised ({@code cuInit}) on first use.
     *
     * @throws SquallException "libcuda.so.1 not found", or the error {@code cuInit} returned (no GPU, driver too old)
     */
    static CudaDriver get() {
        CudaDriver d = instance;
        if (d != null) {
            return d;
        }
        synchronized (LOCK) {
            if (instance == null && failure == null) {
                try {
                    NativeLibrary lib = NativeLibrary.open(LIBRARY_CANDIDATES).orElseThrow(() -> new SquallException(
                            "libcuda.so.1 not found (no NVIDIA driver on this machine; looked in the system's library"
                                    + " search path and " + String.join(", ", LIBRARY_CANDIDATES.subList(1, LIBRARY_CANDIDATES.size())) + ")"));
                    instance = new CudaDriver(lib);
                } catch (SquallException e) {
                    failure = e;
                } catch (RuntimeException e) {
                    failure = new SquallException("cannot use the CUDA driver: " + e.getMessage(), e);
                }
            }
            if (instance == null) {
                throw failure;
            }
            return instance;
        }
    }

    /** The library that was loaded. */
    String libraryPath() {
        return libraryPath;
    }

    /** The CUDA version the driver supports, as {@code 1000 * major + 10 * minor} (13000 for 13.0). */
    int version() {
        return version;
    }

    /** {@code 13000} as {@code "13.0"}. */
    static String versionString(int cudaVersion) {
        return cudaVersion / 1000 + "." + cudaVersion % 1000 / 10;
    }

    // ---------------------------------------------------------------- errors

    void check(int result, String call) {
        if (result != CUDA_SUCCESS) {
            throw new CudaException(call, result, errorName(result), errorString(result));
        }
    }

    String errorName(int result) {
        return errorText(cuGetErrorName, result, "CUDA error " + result);
    }

    private String errorText(MethodHandle function, int result, String fallback) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            int r = (int) function.invokeExact(result, out);
            String text = r == CUDA_SUCCESS ? NativeLibrary.cString(out.get(ADDRESS, 0)) : null;
            return text == null ? fallback : text;
        } catch (Throwable t) {
            return fallback;
        }
    }

    String errorString(int result) {
        return errorText(cuGetErrorString, result, "");
    }

    private static int call(MethodHandle function, MemorySegment a) {
        try {
            return (int) function.invokeExact(a);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    // ---------------------------------------------------------------- devices

    int deviceCount() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_INT);
            check(call(cuDeviceGetCount, out), "cuDeviceGetCount");
            return out.get(JAVA_INT, 0);
        }
    }

    int device(int ordinal) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_INT);
            check((int) cuDeviceGet.invokeExact(out, ordinal), "cuDeviceGet(" + ordinal + ")");
            return out.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    String deviceName(int device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(256);
            check((int) cuDeviceGetName.invokeExact(out, 256, device), "cuDeviceGetName");
            return out.getString(0, StandardCharsets.UTF_8);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    int attribute(int device, int attribute) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_INT);
            check((int) cuDeviceGetAttribute.invokeExact(out, attribute, device), "cuDeviceGetAttribute(" + attribute + ")");
            return out.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    long totalMemory(int device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_LONG);
            check((int) cuDeviceTotalMem.invokeExact(out, device), "cuDeviceTotalMem_v2");
            return out.get(JAVA_LONG, 0);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    // ---------------------------------------------------------------- contexts

    MemorySegment retainPrimaryContext(int device) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            check((int) cuDevicePrimaryCtxRetain.invokeExact(out, device), "cuDevicePrimaryCtxRetain");
            return out.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    void releasePrimaryContext(int device) {
        try {
            check((int) cuDevicePrimaryCtxRelease.invokeExact(device), "cuDevicePrimaryCtxRelease");
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    void setCurrent(MemorySegment context) {
        check(call(cuCtxSetCurrent, context), "cuCtxSetCurrent");
    }

    /** {@code {free, total}} bytes of device memory, for the current context's device. */
    long[] memoryInfo() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment free = arena.allocate(JAVA_LONG);
            MemorySegment total = arena.allocate(JAVA_LONG);
            check((int) cuMemGetInfo.invokeExact(free, total), "cuMemGetInfo_v2");
            return new long[] {free.get(JAVA_LONG, 0), total.get(JAVA_LONG, 0)};
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    // ---------------------------------------------------------------- modules

    /** A module loaded (and, for PTX, JIT-compiled) from {@code image}; the failure carries the JIT's log. */
    record LoadedModule(MemorySegment module, String infoLog) {
    }

    /** Thrown by {@link #loadModule} with the JIT's error log. */
    static final class ModuleLoadException extends RuntimeException {
        final CudaException cause;
        final String log;

        ModuleLoadException(CudaException cause, String log) {
            super(cause.getMessage(), cause);
            this.cause = cause;
            this.log = log;
        }
    }

    LoadedModule loadModule(String ptx) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment image = arena.allocateFrom(ptx, StandardCharsets.US_ASCII);
            MemorySegment infoLog = arena.allocate(JIT_LOG_BYTES);
            MemorySegment errorLog = arena.allocate(JIT_LOG_BYTES);
            MemorySegment options = arena.allocateFrom(JAVA_INT, CU_JIT_INFO_LOG_BUFFER, CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES,
                    CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES);
            MemorySegment values = arena.allocate(ADDRESS, 4);
            values.setAtIndex(ADDRESS, 0, infoLog);
            values.setAtIndex(ADDRESS, 1, MemorySegment.ofAddress(JIT_LOG_BYTES));
            values.setAtIndex(ADDRESS, 2, errorLog);
            values.setAtIndex(ADDRESS, 3, MemorySegment.ofAddress(JIT_LOG_BYTES));
            MemorySegment out = arena.allocate(ADDRESS);
            int r = (int) cuModuleLoadDataEx.invokeExact(out, image, 4, options, values);
            if (r != CUDA_SUCCESS) {
                throw new ModuleLoadException(new CudaException("cuModuleLoadDataEx", r, errorName(r), errorString(r)),
                        errorLog.getString(0, StandardCharsets.UTF_8));
            }
            return new LoadedModule(out.get(ADDRESS, 0), infoLog.getString(0, StandardCharsets.UTF_8));
        } catch (ModuleLoadException e) {
            throw e;
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    MemorySegment function(MemorySegment module, String name) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            check((int) cuModuleGetFunction.invokeExact(out, module, arena.allocateFrom(name)),
                    "cuModuleGetFunction(" + name + ")");
            return out.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    int functionAttribute(MemorySegment function, int attribute) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_INT);
            check((int) cuFuncGetAttribute.invokeExact(out, attribute, function), "cuFuncGetAttribute(" + attribute + ")");
            return out.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    void setFunctionAttribute(MemorySegment function, int attribute, int value) {
        try {
            check((int) cuFuncSetAttribute.invokeExact(function, attribute, value),
                    "cuFuncSetAttribute(" + attribute + ", " + value + ")");
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    void unloadModule(MemorySegment module) {
        check(call(cuModuleUnload, module), "cuModuleUnload");
    }

    // ---------------------------------------------------------------- memory

    long allocate(long bytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_LONG);
            check((int) cuMemAlloc.invokeExact(out, bytes), "cuMemAlloc_v2(" + bytes + " bytes)");
            return out.get(JAVA_LONG, 0);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    void free(long devicePointer) {
        try {
            check((int) cuMemFree.invokeExact(devicePointer), "cuMemFree_v2");
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** Page-locked host memory, {@code bytes} long, which the GPU copies from and to asynchronously. */
    MemorySegment allocateHost(long bytes) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            check((int) cuMemHostAlloc.invokeExact(out, bytes, 0), "cuMemHostAlloc(" + bytes + " bytes)");
            return out.get(ADDRESS, 0).reinterpret(bytes);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    void freeHost(MemorySegment hostMemory) {
        check(call(cuMemFreeHost, hostMemory), "cuMemFreeHost");
    }

    void copyHostToDeviceAsync(long device, MemorySegment host, long bytes, MemorySegment stream) {
        try {
            check((int) cuMemcpyHtoDAsync.invokeExact(device, host, bytes, stream), "cuMemcpyHtoDAsync_v2");
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    void copyDeviceToHostAsync(MemorySegment host, long device, long bytes, MemorySegment stream) {
        try {
            check((int) cuMemcpyDtoHAsync.invokeExact(host, device, bytes, stream), "cuMemcpyDtoHAsync_v2");
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    // ---------------------------------------------------------------- launches, streams, events

    void launch(MemorySegment function, int[] grid, int[] block, int sharedBytes, MemorySegment stream,
                MemorySegment kernelParams) {
        try {
            check((int) cuLaunchKernel.invokeExact(function, grid[0], grid[1], grid[2], block[0], block[1], block[2],
                    sharedBytes, stream, kernelParams, MemorySegment.NULL), "cuLaunchKernel");
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    MemorySegment createStream(int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            check((int) cuStreamCreate.invokeExact(out, flags), "cuStreamCreate");
            return out.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    void synchronize(MemorySegment stream) {
        check(call(cuStreamSynchronize, stream), "cuStreamSynchronize");
    }

    void destroyStream(MemorySegment stream) {
        check(call(cuStreamDestroy, stream), "cuStreamDestroy_v2");
    }

    MemorySegment createEvent(int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            check((int) cuEventCreate.invokeExact(out, flags), "cuEventCreate");
            return out.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    void record(MemorySegment event, MemorySegment stream) {
        try {
            check((int) cuEventRecord.invokeExact(event, stream), "cuEventRecord");
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    void synchronizeEvent(MemorySegment event) {
        check(call(cuEventSynchronize, event), "cuEventSynchronize");
    }

    /** Milliseconds between two recorded, completed events (about half a microsecond resolution). */
    float elapsedMillis(MemorySegment start, MemorySegment end) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_FLOAT);
            check((int) cuEventElapsedTime.invokeExact(out, start, end), "cuEventElapsedTime");
            return out.get(JAVA_FLOAT, 0);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    void destroyEvent(MemorySegment event) {
        check(call(cuEventDestroy, event), "cuEventDestroy_v2");
    }
}
