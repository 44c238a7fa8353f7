package squall.runtime;

import squall.api.KernelContext;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the kernel compiler knows about one kernel: its parameters, its launch shape, where its
 * generated sources are, and its JVM entry points. The compiler writes one subclass per kernel
 * into the generated {@code <Class>Compiled} class; devices use it to launch the kernel.
 */
public abstract class KernelDescriptor {

    private final Class<?> owner;
    private final String name;
    private final List<KernelParam> params;
    private final int parallelDimensions;
    private final boolean usesBarrier;
    private final List<LocalArray> localArrays;
    private final KernelAbi abi;
    private final Map<KernelTarget, String> sources = new ConcurrentHashMap<>();
    private final Map<KernelTarget, java.util.Optional<String>> checkedSources = new ConcurrentHashMap<>();

    protected KernelDescriptor(Class<?> owner, String name, List<KernelParam> params, int parallelDimensions,
                               boolean usesBarrier, List<LocalArray> localArrays) {
        this.owner = owner;
        this.name = name;
        this.params = List.copyOf(params);
        this.parallelDimensions = parallelDimensions;
        this.usesBarrier = usesBarrier;
        this.localArrays = List.copyOf(localArrays);
        this.abi = KernelAbi.of(this.params, this.localArrays);
    }

    public Class<?> owner() {
        return owner;
    }

    /** The method's name. */
    public String name() {
        return name;
    }

    /** {@code SimpleClassName.method}, the name {@code squall print-kernel} takes. */
    public String qualifiedName() {
        return owner.getSimpleName() + "." + name;
    }

    public List<KernelParam> params() {
        return params;
    }

    /** Number of nested {@code @Parallel} loops; 0 for context kernels. */
    public int parallelDimensions() {
        return parallelDimensions;
    }

    /** {@code true} if the first parameter is a {@link KernelContext}. */
    public boolean usesContext() {
        return !params.isEmpty() && params.getFirst().type() == ParamType.KERNEL_CONTEXT;
    }

    /** {@code true} if the kernel calls {@link KernelContext#localBarrier()}. */
    public boolean usesBarrier() {
        return usesBarrier;
    }

    /** Local arrays, in allocation order. */
    public List<LocalArray> localArrays() {
        return localArrays;
    }

    /** The arguments its generated C function takes, in order: what a device passes at a launch. */
    public KernelAbi abi() {
        return abi;
    }

    /**
     * The bounds of the {@code @Parallel} loops for these arguments, outermost loop first:
     * {@code {lo0, hi0, lo1, hi1, ...}}.
     */
    public long[] parallelBounds(Object[] args) {
        throw new UnsupportedOperationException(qualifiedName() + " has no @Parallel loops");
    }

    /** Runs the kernel with its outermost {@code @Parallel} loop restricted to {@code [from, to)}. */
    public void runRange(Object[] args, int from, int to) {
        throw new UnsupportedOperationException(qualifiedName() + " has no @Parallel loops");
    }

    /** Runs one work-item of a context kernel. */
    public void runWorkItem(KernelContext context, Object[] args) {
        throw new UnsupportedOperationException(qualifiedName() + " does not take a KernelContext");
    }

    /**
     * Lengths (in elements) of the local arrays for a launch whose work-group size is in
     * {@code launch.localGroupSizeX/Y/Z}.
     */
    public int[] localArrayLengths(Object[] args, KernelContext launch) {
        return new int[0];
    }

    /**
     * The private arrays a work-item of a launch with these arguments declares, in the kernel and the helpers it
     * calls, in the compiler's order (the bounds-checked sources number arrays by it). Their sizes are built from
     * constants and {@code @Specialize} arguments only, so a plan checks them against the device before building.
     */
    public List<PrivateArray> privateArrays(Object[] args) {
        return List.of();
    }

    /**
     * The preprocessor constant a {@code @Specialize} parameter becomes in generated source, and that a device
     * defines when it builds a specialisation: {@code SQUALL_D} for {@code D}. The compiler writes it, the devices
     * define it; this is the one place that spells it.
     */
    public static String define(String parameter) {
        return "SQUALL_" + parameter;
    }

    /**
     * The constants a device defines to build {@code specialization}: {@link #define} of every {@code @Specialize}
     * parameter with its value, sorted by name (equal specialisations give equal builds).
     *
     * <pre>{@code
     * kernel.defines(Map.of("D", 128, "G", 4));   // {SQUALL_D=128, SQUALL_G=4}
     * }</pre>
     *
     * @throws IllegalArgumentException naming the first {@code @Specialize} parameter that has no value
     */
    public SortedMap<String, Integer> defines(Map<String, Integer> specialization) {
        SortedMap<String, Integer> defines = new TreeMap<>();
        for (KernelParam p : params) {
            if (p.specialized()) {
                Integer value = specialization.get(p.name());
                if (value == null) {
                    throw new IllegalArgumentException("@Specialize parameter '" + p.name()
                            + "' has no value in the specialisation " + specialization);
                }
                defines.put(define(p.name()), value);
            }
        }
        return defines;
    }

    /**
     * The name of the kernel's entry point in its generated source: its Java name, or that name with the compiler's
     * trailing underscore where C reserves it (a kernel named {@code half}). A device looks the entry point up by it.
     */
    public String entryPoint() {
        return name;
    }

    /**
     * The values of the {@code @Specialize} parameters in a launch with these arguments, by name: what a device
     * compiles in as constants.
     */
    public SortedMap<String, Integer> specialization(Object[] args) {
        SortedMap<String, Integer> values = new TreeMap<>();
        for (int i = 0; i < params.size(); i++) {
            if (params.get(i).specialized()) {
                values.put(params.get(i).name(), (Integer) args[i]);
            }
        }
        return values;
    }

    /** The generated source for {@code target}. */
    public String source(KernelTarget target) {
        return sources.computeIfAbsent(target, this::readSource);
    }

    /**
     * The bounds-checked build for {@code target} ({@link BoundsChecks}), or {@code null} when the kernel has none: a
     * descriptor written by hand, or by a compiler older than the checks. Such a kernel runs unchecked.
     */
    public String checkedSource(KernelTarget target) {
        return checkedSources.computeIfAbsent(target, t -> {
            String path = t.checkedResourcePath(owner.getName(), name);
            try (InputStream in = owner.getClassLoader().getResourceAsStream(path)) {
                return in == null ? java.util.Optional.empty()
                        : java.util.Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new UncheckedIOException("reading " + path, e);
            }
        }).orElse(null);
    }

    private String readSource(KernelTarget target) {
        String path = target.resourcePath(owner.getName(), name);
        ClassLoader loader = owner.getClassLoader();
        try (InputStream in = loader.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("no generated " + target + " source for " + qualifiedName()
                        + " at " + path + ": was " + owner.getName() + " compiled with squall's kernel compiler?");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + path, e);
        }
    }

    @Override
    public String toString() {
        return qualifiedName();
    }
}
