package squall.device.cuda;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import squall.runtime.KernelBuild;
import squall.runtime.KernelBuildException;
import squall.runtime.KernelDescriptor;
import squall.runtime.KernelTarget;

import java.lang.foreign.MemorySegment;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A session's loaded modules and the kernels found in them. A kernel's PTX comes from the session's
 * {@link PtxCache} (this process, then the disk) or from the compiler; the driver loads (JIT-compiles)
 * each module once per session, and a cached file the driver rejects is compiled afresh once.
 */
final class CudaPrograms {

    private static final Logger LOG = LoggerFactory.getLogger(CudaPrograms.class);

    private final CudaSession owner;
    private final CudaDevice device;
    private final CudaDriver driver;
    private final PtxCache cache;
    private final CudaEvents events;
    private final boolean boundsChecks;

    private final Map<String, MemorySegment> modules = new LinkedHashMap<>();
    /** Where each loaded module's PTX came from, for {@link CudaKernel#build()}. */
    private final Map<String, PtxCache.Origin> moduleOrigins = new HashMap<>();

    /** With {@code boundsChecks}, kernels are loaded from their bounds-checked builds where they have one. */
    CudaPrograms(CudaSession owner, CudaDevice device, PtxCache cache, CudaEvents events, boolean boundsChecks) {
        this.owner = owner;
        this.device = device;
        this.driver = device.driver();
        this.cache = cache;
        this.events = events;
        this.boundsChecks = boundsChecks;
    }

    CudaKernel prepare(KernelDescriptor kernel, Map<String, Integer> specialization, String task) {
        long started = System.nanoTime();
        String label = kernel.qualifiedName() + " (task '" + task + "')";
        String checkedSource = boundsChecks ? kernel.checkedSource(KernelTarget.CUDA) : null;
        if (boundsChecks && checkedSource == null) {
            LOG.info("{} has no bounds-checked build (a hand-written kernel): it runs unchecked on {}", label, device.id());
        }
        boolean checked = checkedSource != null;
        String source = checked ? checkedSource : kernel.source(KernelTarget.CUDA);
        String function = kernel.entryPoint();
        Map<String, Integer> defines;
        try {
            defines = kernel.defines(specialization);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(label + ": " + e.getMessage(), e);
        }

        CudaCompiler compiler;
        int arch;
        try {
            compiler = device.compiler();
            arch = compiler.targetArch(device.computeCapability());
        } catch (CudaCompileException e) {
            throw new KernelBuildException(label, device.id(), e.getMessage(), e.log());
        }
        List<String> options = compiler.options(defines, arch);
        String key = PtxCache.key(source, options, compiler.description(), driver.version());
        MemorySegment module = modules.get(key);
        if (module == null) {
            module = load(label, key, () -> compiler.compile(source, kernel.qualifiedName(), defines, arch), compiler);
            modules.put(key, module);
        }
        MemorySegment handle;
        int maxThreads;
        int staticShared;
        try {
            handle = driver.function(module, function);
            maxThreads = driver.functionAttribute(handle, CudaDriver.CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK);
            staticShared = driver.functionAttribute(handle, CudaDriver.CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES);
        } catch (CudaException e) {
            throw new KernelBuildException(label, device.id(), e.getMessage(), "");
        }
        if (LOG.isDebugEnabled()) {
            LOG.debug("{} on {}: compute_{}, {} registers, {} local bytes per thread, up to {} threads per block",
                    label, device.id(), arch, driver.functionAttribute(handle, CudaDriver.CU_FUNC_ATTRIBUTE_NUM_REGS),
                    driver.functionAttribute(handle, CudaDriver.CU_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES), maxThreads);
        }
        events.compiled(task, System.nanoTime() - started);
        PtxCache.Origin origin = moduleOrigins.getOrDefault(key, PtxCache.Origin.MEMORY);
        KernelBuild build = new KernelBuild(compiler.description(), String.join(" ", options),
                switch (origin) {
                    case COMPILED -> "compiled to PTX now, loaded by the driver";
                    case DISK -> "PTX from the disk cache, loaded by the driver";
                    case MEMORY -> "PTX compiled earlier in this process";
                }, "");
        return new CudaKernel(kernel, owner, handle, label, maxThreads, staticShared, build, checked);
    }

    /** The module for {@code key}: PTX from the cache or the compiler, loaded (JIT-compiled) by the driver. */
    private MemorySegment load(String label, String key, Supplier<String> compile, CudaCompiler compiler) {
        PtxCache.Entry ptx;
        try {
            ptx = cache.get(key, compile);
            moduleOrigins.put(key, ptx.origin());
        } catch (CudaCompileException e) {
            throw new KernelBuildException(label, device.id(), firstLine(e.getMessage()), e.log());
        }
        try {
            return driver.loadModule(ptx.ptx()).module();
        } catch (CudaDriver.ModuleLoadException e) {
            if (ptx.origin() != PtxCache.Origin.COMPILED) {
                // A cached file that no longer loads (a damaged file, a driver change the key missed): compile afresh once.
                LOG.warn("cached PTX for {} did not load ({}); compiling it again", label, e.cause.errorName());
                cache.evict(key);
                return load(label, key, compile, compiler);
            }
            String hint = e.cause.code() == CudaDriver.CUDA_ERROR_UNSUPPORTED_PTX_VERSION
                    ? "; the PTX from " + compiler.description() + " is newer than this driver (CUDA "
                    + CudaDriver.versionString(driver.version()) + ") accepts: update the driver, or put an NVRTC no newer"
                    + " than the driver first on LD_LIBRARY_PATH" : "";
            throw new KernelBuildException(label, device.id(), e.getMessage() + hint, e.log);
        } catch (CudaException e) {
            throw new KernelBuildException(label, device.id(), e.getMessage(), "");
        }
    }

    private static String firstLine(String text) {
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }

    int loadedModules() {
        return modules.size();
    }

    /** Unloads every module, each through {@code attempt} so that one failure does not stop the rest. */
    void unload(Consumer<Runnable> attempt) {
        for (MemorySegment module : modules.values()) {
            attempt.accept(() -> driver.unloadModule(module));
        }
        modules.clear();
    }
}
