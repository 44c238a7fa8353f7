package squall.runtime;

import java.lang.invoke.MethodHandleInfo;
import java.lang.invoke.SerializedLambda;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;

/** Finds the compiled form of kernels: from a method reference, a class and name, or everything on the class path. */
public final class KernelLibraries {

    private static final Map<Class<?>, KernelDescriptor> BY_FUNCTION_CLASS = new ConcurrentHashMap<>();
    private static final Map<Class<?>, KernelLibrary> BY_OWNER = new ConcurrentHashMap<>();

    private KernelLibraries() {
    }

    /** The kernel a method reference such as {@code AttentionKernels::decode} names. */
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
                    + " AttentionKernels::decode, not " + function.getClass().getName(), e);
        }
        if (lambda.getImplMethodKind() != MethodHandleInfo.REF_invokeStatic || lambda.getImplMethodName().startsWith("lambda$")) {
            throw new IllegalArgumentException("a task must name a static @Kernel method with a method reference such as"
                    + " AttentionKernels::decode; a lambda cannot be compiled for a device");
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

    /** Every compiled kernel on the class path, sorted by qualified name. */
    public static List<KernelDescriptor> all() {
        List<KernelDescriptor> result = new ArrayList<>();
        for (KernelLibrary library : ServiceLoader.load(KernelLibrary.class)) {
            result.addAll(library.kernels());
        }
        result.sort(Comparator.comparing(KernelDescriptor::qualifiedName));
        return result;
    }

    /**
     * The kernel named {@code qualifiedOrSimple}: {@code AttentionKernels.decode}, or {@code decode} when
     * only one class has a kernel of that name.
     */
    public static KernelDescriptor byName(String qualifiedOrSimple) {
        List<KernelDescriptor> matches = new ArrayList<>();
        for (KernelDescriptor k : all()) {
            if (k.qualifiedName().equals(qualifiedOrSimple) || k.name().equals(qualifiedOrSimple)) {
                matches.add(k);
            }
        }
        if (matches.size() == 1) {
            return matches.getFirst();
        }
        throw new IllegalArgumentException(matches.isEmpty()
                ? "no kernel named '" + qualifiedOrSimple + "'; 'squall print-kernel --list' lists them"
                : "'" + qualifiedOrSimple + "' is ambiguous: " + matches);
    }
}
