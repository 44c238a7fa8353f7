package squall.device.opencl;

import org.lwjgl.PointerBuffer;
import org.lwjgl.opencl.CL10;
import org.lwjgl.system.MemoryStack;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import squall.runtime.DeviceEvent;
import squall.runtime.KernelBuild;
import squall.runtime.KernelBuildException;
import squall.runtime.KernelDescriptor;
import squall.runtime.KernelTarget;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * A session's programs and the kernels made from them. A program is built once per source and
 * specialisation in the session, from the first origin that has it: a binary registered with the
 * device, the disk cache ({@link ProgramCache}), or the source ({@link ProgramBuilds}), whose binary
 * then goes to the disk cache.
 */
final class OpenClPrograms {

    private static final Logger LOG = LoggerFactory.getLogger(OpenClPrograms.class);

    private record Program(long handle, ProgramOrigin origin, String options, String log) {
    }

    private final OpenClSession owner;
    private final OpenClDevice device;
    private final ProgramBuilds builds;
    private final ProgramCache cache;
    private final OpenClEvents events;
    private final boolean boundsChecks;

    private final Map<String, Program> programs = new HashMap<>();
    private final List<OpenClKernel> kernels = new ArrayList<>();

    /** With {@code boundsChecks}, kernels are made from their bounds-checked builds where they have one. */
    OpenClPrograms(OpenClSession owner, OpenClDevice device, long context, OpenClEvents events, boolean boundsChecks) {
        this.owner = owner;
        this.device = device;
        this.builds = new ProgramBuilds(device, context);
        this.cache = new ProgramCache(device.programCacheDirectory());
        this.events = events;
        this.boundsChecks = boundsChecks;
    }

    OpenClKernel prepare(KernelDescriptor kernel, Map<String, Integer> specialization, String task) {
        String checkedSource = boundsChecks && device.registeredBinary(kernel, specialization) == null
                ? kernel.checkedSource(KernelTarget.OPENCL) : null;
        if (boundsChecks && checkedSource == null) {
            LOG.info("{} has no bounds-checked build (a hand-written kernel or a prebuilt binary): it runs unchecked on {}",
                    kernel.qualifiedName(), device.id());
        }
        boolean checked = checkedSource != null;
        String source = checked ? checkedSource : kernel.source(KernelTarget.OPENCL);
        String options = buildOptions(specialization);
        String memoryKey = kernel.owner().getName() + "#" + kernel.name() + "\n" + options + "\n" + source;
        Program program = programs.get(memoryKey);
        long kernelHandle;
        if (program == null) {
            long start = System.nanoTime();
            byte[] binary = null;
            String cacheKey = null;
            byte[] prebuilt = checked ? null : device.registeredBinary(kernel, specialization);
            long handle = 0;
            ProgramOrigin origin;
            if (prebuilt != null) {
                origin = ProgramOrigin.PREBUILT;
                handle = builds.fromBinary(prebuilt, options, kernel.qualifiedName(), origin);
                binary = prebuilt;
            } else {
                cacheKey = ProgramCache.key(source, options, device.cacheIdentity());
                byte[] cached = cache.load(cacheKey);
                origin = ProgramOrigin.DISK_CACHE;
                if (cached != null) {
                    try {
                        handle = builds.fromBinary(cached, options, kernel.qualifiedName(), origin);
                        binary = cached;
                    } catch (KernelBuildException e) {
                        LOG.warn("{} rejected the cached binary of {} ({}); rebuilding from source", device.id(),
                                kernel.qualifiedName(), cache.file(cacheKey));
                        cache.evict(cacheKey);
                    }
                }
                if (handle == 0) {
                    origin = ProgramOrigin.SOURCE;
                    handle = builds.fromSource(source, options, kernel.qualifiedName());
                }
            }
            program = new Program(handle, origin, options, builds.buildLog(handle));
            programs.put(memoryKey, program);
            kernelHandle = createKernel(program, kernel);
            long nanos = System.nanoTime() - start;
            if (events.profiling()) {
                events.record(DeviceEvent.Kind.COMPILE, origin.label(task), 0, nanos, null);
            }
            LOG.debug("{} on {}: {} in {} ms", kernel.qualifiedName(), device.id(), origin.tag(), nanos / 1_000_000);
            if (origin == ProgramOrigin.SOURCE) {
                binary = binaryOrNull(handle, kernel);
                if (binary != null) {
                    cache.store(cacheKey, binary);
                }
            }
            if (binary != null && !checked) {
                device.recordBuilt(kernel, specialization, binary);
            }
        } else {
            kernelHandle = createKernel(program, kernel);
        }
        KernelBuild build = new KernelBuild("clBuildProgram on " + device.id() + " (" + device.name() + ", "
                + device.properties().getOrDefault("driver version", "driver version unknown") + ")",
                program.options(), program.origin().tag(), program.log());
        OpenClKernel compiled = new OpenClKernel(kernel, kernelHandle, kernelGroupSize(kernelHandle), program.origin(),
                owner, build, checked);
        kernels.add(compiled);
        return compiled;
    }

    private long createKernel(Program program, KernelDescriptor kernel) {
        return ProgramBuilds.onlyKernel(program.handle(), kernel.qualifiedName());
    }

    private byte[] binaryOrNull(long program, KernelDescriptor kernel) {
        try {
            return ProgramBuilds.binary(program);
        } catch (OpenClException e) {
            LOG.debug("{} gives no binary for {}: not cached ({})", device.id(), kernel.qualifiedName(), e.getMessage());
            return null;
        }
    }

    private long kernelGroupSize(long kernel) {
        try (MemoryStack stack = MemoryStack.stackPush()) {
            PointerBuffer size = stack.mallocPointer(1);
            ClErrors.check(CL10.clGetKernelWorkGroupInfo(kernel, device.deviceHandle(), CL10.CL_KERNEL_WORK_GROUP_SIZE,
                    size, null), "clGetKernelWorkGroupInfo(CL_KERNEL_WORK_GROUP_SIZE)");
            return size.get(0);
        }
    }

    /** {@code -D SQUALL_D=128 -D SQUALL_TILE=64 ...}, sorted so equal specialisations give equal options. */
    private static String buildOptions(Map<String, Integer> specialization) {
        return new TreeMap<>(specialization).entrySet().stream()
                .map(e -> "-D " + KernelDescriptor.define(e.getKey()) + "=" + e.getValue())
                .collect(Collectors.joining(" "));
    }

    /** One release per kernel, then one per program, for the session's close to run each even if another fails. */
    List<Runnable> releases() {
        List<Runnable> releases = new ArrayList<>();
        for (OpenClKernel k : kernels) {
            releases.add(() -> OpenClObjects.release(OpenClObjects.Kind.KERNEL, k.handle()));
        }
        for (Program p : programs.values()) {
            releases.add(() -> OpenClObjects.release(OpenClObjects.Kind.PROGRAM, p.handle()));
        }
        return releases;
    }

    /** After close: forgets the released kernels and programs. */
    void clear() {
        kernels.clear();
        programs.clear();
    }
}
