package squall.device.cuda;

import squall.runtime.BoundsChecks;
import squall.runtime.DeviceEvent;
import squall.runtime.HostArrays;
import squall.runtime.KernelDescriptor;
import squall.runtime.KernelLaunchException;
import squall.runtime.Launch;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A session's launches: each kernel's grid, block and shared memory ({@link LaunchGeometry}) and
 * arguments ({@link CudaArguments}), queued on the stream; synchronising the stream, naming the kernels
 * queued since the last time if it fails; and, for bounds-checked builds, the error record read after
 * each launch.
 */
final class CudaLaunches {

    private final CudaSession owner;
    private final CudaDevice device;
    private final CudaDriver driver;
    private final MemorySegment stream;
    private final CudaEvents events;
    private final CudaTransfers transfers;

    private final Map<Long, Integer> dynamicSharedLimit = new HashMap<>();
    private final Set<String> queuedKernels = new LinkedHashSet<>();
    /** The error record of the bounds-checked builds, made at the first checked launch. */
    private CudaBuffer errorRecord;

    CudaLaunches(CudaSession owner, CudaDevice device, MemorySegment stream, CudaEvents events, CudaTransfers transfers) {
        this.owner = owner;
        this.device = device;
        this.driver = device.driver();
        this.stream = stream;
        this.events = events;
        this.transfers = transfers;
    }

    void launch(Launch launch) {
        if (!(launch.kernel() instanceof CudaKernel kernel) || kernel.session() != owner) {
            throw new IllegalArgumentException("task '" + launch.task() + "': the kernel was not prepared by this CUDA session");
        }
        KernelDescriptor descriptor = kernel.descriptor();
        String where = "kernel " + descriptor.qualifiedName() + " (task '" + launch.task() + "') on " + device.id();
        LaunchGeometry geometry;
        List<CudaArguments.Argument> arguments;
        try {
            geometry = LaunchGeometry.of(descriptor, launch, device.limits(kernel.maxThreadsPerBlock()));
            arguments = CudaArguments.of(descriptor, launch.deviceArgs(), b -> transfers.own(b, "launch"),
                    geometry.sharedOffsets());
            if (kernel.checked()) {
                arguments = CudaArguments.withBoundsChecks(arguments, errorRecord().pointer(),
                        BoundsChecks.lengths(descriptor, launch.hostArgs(), geometry.localLengths()));
            }
        } catch (IllegalArgumentException | IllegalStateException | ArithmeticException e) {
            throw new KernelLaunchException("cannot launch " + where + ": " + e.getMessage(), e);
        }
        allowDynamicShared(kernel, geometry.sharedBytes(), where);
        MemorySegment start = events.start();
        try (Arena arena = Arena.ofConfined()) {
            driver.launch(kernel.function(), geometry.grid(), geometry.block(), geometry.sharedBytes(), stream,
                    CudaArguments.pack(arguments, arena));
        } catch (CudaException e) {
            throw new KernelLaunchException("launching " + where + " with " + geometry + " failed: " + e.getMessage(), e);
        }
        events.end(DeviceEvent.Kind.KERNEL, launch.task(), 0, start);
        queuedKernels.add(kernel.label());
        if (kernel.checked()) {
            int[] found = record(false, new int[BoundsChecks.RECORD_INTS]);
            KernelLaunchException failure = BoundsChecks.failure(descriptor, launch.hostArgs(), launch.task(), device.id(), found);
            if (failure != null) {
                record(true, new int[BoundsChecks.RECORD_INTS]);
                throw failure;
            }
        }
    }

    /** The session's error record for checked builds: made, and cleared, once. */
    private CudaBuffer errorRecord() {
        if (errorRecord == null) {
            errorRecord = transfers.allocate(new int[BoundsChecks.RECORD_INTS]);
            record(true, new int[BoundsChecks.RECORD_INTS]);
        }
        return errorRecord;
    }

    /** Writes ({@code write}) or reads the error record, waiting for the stream: outside the profile. */
    private int[] record(boolean write, int[] values) {
        long bytes = 4L * BoundsChecks.RECORD_INTS;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment host = arena.allocate(bytes, 4);
            if (write) {
                HostArrays.toNative(values, 0, host, bytes);
                driver.copyHostToDeviceAsync(errorRecord.pointer(), host, bytes, stream);
            } else {
                driver.copyDeviceToHostAsync(host, errorRecord.pointer(), bytes, stream);
            }
            driver.synchronize(stream);
            int[] result = new int[BoundsChecks.RECORD_INTS];
            HostArrays.fromNative(host, result, 0, bytes);
            return result;
        } catch (CudaException e) {
            throw new KernelLaunchException("copying the bounds-check record on " + device.id() + " failed (the kernels"
                    + " queued before it: " + String.join(", ", queuedKernels) + "): " + e.getMessage(), e);
        }
    }

    /** Lifts the kernel's dynamic shared memory limit when a launch needs more than the default 48 KiB. */
    private void allowDynamicShared(CudaKernel kernel, int bytes, String where) {
        if (bytes + kernel.staticSharedBytes() <= device.sharedPerBlock()) {
            return;
        }
        int most = device.sharedPerBlockOptIn() - kernel.staticSharedBytes();
        if (bytes > most) {
            throw new KernelLaunchException("cannot launch " + where + ": its local arrays need " + bytes
                    + " bytes of shared memory per block, the device allows " + most);
        }
        long function = kernel.function().address();
        if (dynamicSharedLimit.getOrDefault(function, 0) < bytes) {
            driver.setFunctionAttribute(kernel.function(), CudaDriver.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes);
            dynamicSharedLimit.put(function, bytes);
        }
    }

    /** Waits for everything queued on the stream; a failure names the kernels queued since the last wait. */
    void synchronize() {
        try {
            driver.synchronize(stream);
        } catch (CudaException e) {
            String kernels = queuedKernels.isEmpty() ? "copies" : "kernels " + String.join(", ", queuedKernels);
            throw new KernelLaunchException("work queued on " + device.id() + " failed (" + kernels + " since the last"
                    + " finish): " + e.getMessage() + ". After such an error the GPU context of this process may be"
                    + " unusable", e);
        }
    }

    /** After a synchronisation, clean or not: what was queued is over. */
    void forget() {
        queuedKernels.clear();
    }
}
