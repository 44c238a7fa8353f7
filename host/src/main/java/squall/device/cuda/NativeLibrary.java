package squall.device.cuda;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** A shared library opened with {@code dlopen} for the process's lifetime, and its functions as method handles. */
final class NativeLibrary {

    private static final Linker LINKER = Linker.nativeLinker();

    private final String path;
    private final SymbolLookup symbols;

    private NativeLibrary(String path, SymbolLookup symbols) {
        this.path = path;
        this.symbols = symbols;
    }

    /**
     * Opens the first of {@code candidates} that loads: a bare name goes through the system's search
     * ({@code LD_LIBRARY_PATH}, the {@code ldconfig} cache), a path is opened as is.
     */
    static Optional<NativeLibrary> open(List<String> candidates) {
        for (String candidate : candidates) {
            Optional<NativeLibrary> lib = open(candidate);
            if (lib.isPresent()) {
                return lib;
            }
        }
        return Optional.empty();
    }

    static Optional<NativeLibrary> open(String nameOrPath) {
        if (nameOrPath.contains("/") && !Files.isRegularFile(Path.of(nameOrPath))) {
            return Optional.empty();
        }
        try {
            return Optional.of(new NativeLibrary(nameOrPath, SymbolLookup.libraryLookup(nameOrPath, Arena.global())));
        } catch (IllegalArgumentException notLoadable) {
            return Optional.empty();
        }
    }

    /** What was opened: the name or path given. */
    String path() {
        return path;
    }

    /** The function {@code name}; fails naming the library when it does not export it. */
    MethodHandle function(String name, FunctionDescriptor signature) {
        return optionalFunction(name, signature).orElseThrow(() -> new IllegalStateException(
                path + " does not export " + name + ": the library is older than squall needs"));
    }

    /** The first of {@code names} the library exports (newest entry point first), or empty. */
    Optional<MethodHandle> optionalFunction(String name, FunctionDescriptor signature) {
        return symbols.find(name).map(address -> LINKER.downcallHandle(address, signature));
    }

    /** Like {@link #function}, trying {@code names} in order: newer versioned entry points first. */
    MethodHandle firstFunction(FunctionDescriptor signature, String... names) {
        for (String name : names) {
            Optional<MethodHandle> handle = optionalFunction(name, signature);
            if (handle.isPresent()) {
                return handle.get();
            }
        }
        throw new IllegalStateException(path + " exports none of " + String.join(", ", names));
    }

    /** A NUL-terminated C string at {@code address}, or {@code null} for a null pointer. */
    static String cString(MemorySegment address) {
        if (address == null || address.equals(MemorySegment.NULL)) {
            return null;
        }
        return address.reinterpret(Long.MAX_VALUE).getString(0);
    }

    /** Rethrows what a native call's method handle threw; {@code invokeExact} declares {@link Throwable}. */
    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }
}
