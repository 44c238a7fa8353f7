package squall.runtime;

import java.lang.invoke.MethodHandleInfo;
import java.lang.invoke.SerializedLambda;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;

/** Finds the compiled form of kernels: from a method reference, a class and name, or everything on the class path. */
public final class KernelLibraries {

    private static final Map<Class<?>, KernelDescriptor> BY_FUNCTION_CLASS = new ConcurrentHashMap<>();
    private static final Map<Class<?>, KernelLibrary> BY_OWNER = new ConcurrentHashMap<>();

    private KernelLibraries() {
    }

    /** The kernel a method reference such as {@code PagedAttentionKernels::appendKv} names. */
    public static KernelDescriptor of(TaskFunctions.TaskFunction function) {
        return BY_FUNCTION_CLASS.computeIfAbsent(function.getClass(), c -> resolve(function));
    }

    private static KernelDescriptor resolve(TaskFunctions.TaskFunction function) {
        SerializedLambda lambda;
        try {
            Method writeReplace = function.getClass().getDeclaredMethod("writeReplace");
            writeReplace.setAccessible(true);
            lambda = (SerializedLambda) writeReplace.invoke(function);
        } catch (ReflectiveOperationException | ClassCastException e) {
            throw new IllegalArgumentException("a task must name a kernel with a method reference such as"
                    + " PagedAttentionKernels::appendKv, not " + function.getClass().getName(), e);
        }
        if (lambda.getImplMethodKind() != MethodHandleInfo.REF_invokeStatic || lambda.getImplMethodName().startsWith("lambda$")) {
            throw new IllegalArgumentException("a task must name a static @Kernel method with a method reference such as"
                    + " PagedAttentionKernels::appendKv; a lambda cannot be compiled for a device");
        }
        String ownerName = lambda.getImplClass().replace('/', '.');
        try {
            Class<?> owner = Class.forName(ownerName, true, function.getClass().getClassLoader());
            return find(owner, lambda.getImplMethodName());
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException("cannot load " + ownerName, e);
        }
    }

    /** The kernel {@code name} of {@code owner}. */
    public static KernelDescriptor find(Class<?> owner, String name) {
        for (KernelDescriptor k : library(owner).kernels()) {
            if (k.name().equals(name)) {
                return k;
            }
        }
        throw new IllegalArgumentException(owner.getSimpleName() + "." + name + " is not a compiled kernel: annotate it"
                + " with @Kernel (and fix any error squall's kernel compiler reported)");
    }

    /** The generated library of {@code owner}'s kernels. */
    public static KernelLibrary library(Class<?> owner) {
        return BY_OWNER.computeIfAbsent(owner, KernelLibraries::load);
    }

    private static KernelLibrary load(Class<?> owner) {
        String name = owner.getName() + "Compiled";
        try {
            return (KernelLibrary) Class.forName(name, true, owner.getClassLoader()).getDeclaredConstructor().newInstance();
        } catch (ClassNotFoundException e) {
            throw new IllegalArgumentException(owner.getName() + " has no compiled kernels (" + name + " is missing):"
                    + " compile it with squall's kernel compiler, the squall-host jar on javac's class path and -proc:full", e);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("cannot instantiate " + name, e);
        }
    }

    /** Every compiled kernel on the class path (the context class loader's), sorted by qualified name. */
    public static List<KernelDescriptor> all() {
        return all(Thread.currentThread().getContextClassLoader());
    }

    /** Every compiled kernel {@code loader} finds: the libraries every jar and folder on it lists. */
    public static List<KernelDescriptor> all(ClassLoader loader) {
        List<KernelDescriptor> result = new ArrayList<>();
        for (KernelLibrary library : ServiceLoader.load(KernelLibrary.class, loader)) {
            result.addAll(library.kernels());
        }
        result.sort(Comparator.comparing(KernelDescriptor::qualifiedName));
        return result;
    }

    /**
     * The kernel named {@code qualifiedOrSimple}: {@code AttentionKernels.attendBroadcast}, or {@code attendBroadcast} when
     * only one class has a kernel of that name.
     */
    public static KernelDescriptor byName(String qualifiedOrSimple) {
        return byName(qualifiedOrSimple, all());
    }

    /**
     * The kernel among {@code kernels} named {@code name}: its qualified name ({@code AttentionKernels.attendBroadcast}), its
     * owner's full class name and the method, or the method alone when only one class has a kernel of that name. A
     * name that matches nothing gets the kernels it matches regardless of case, or that contain it, as suggestions.
     */
    public static KernelDescriptor byName(String name, List<KernelDescriptor> kernels) {
        List<KernelDescriptor> matches = new ArrayList<>();
        for (KernelDescriptor k : kernels) {
            if (k.qualifiedName().equals(name) || k.name().equals(name)
                    || (k.owner().getName() + "." + k.name()).equals(name)) {
                matches.add(k);
            }
        }
        if (matches.size() == 1) {
            return matches.getFirst();
        }
        if (!matches.isEmpty()) {
            throw new IllegalArgumentException("'" + name + "' is ambiguous: " + matches);
        }
        String lower = name.toLowerCase(Locale.ROOT);
        String method = name.substring(name.lastIndexOf('.') + 1);
        List<String> similar = kernels.stream()
                .filter(k -> k.qualifiedName().equalsIgnoreCase(name) || k.name().equalsIgnoreCase(method))
                .map(KernelDescriptor::qualifiedName).toList();
        if (similar.isEmpty()) {
            similar = kernels.stream().map(KernelDescriptor::qualifiedName)
                    .filter(q -> q.toLowerCase(Locale.ROOT).contains(lower)).toList();
        }
        throw new IllegalArgumentException("no kernel named '" + name + "'"
                + (similar.isEmpty() ? "" : "; did you mean '" + String.join("' or '", similar) + "'?")
                + " ('squall print-kernel --list' lists them)");
    }
}
