package squall.device.cuda;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * NVIDIA's runtime compiler ({@code libnvrtc.so.*}) through {@code java.lang.foreign}: CUDA C to PTX
 * in-process, with no toolkit installed. Found in {@code $CUDA_HOME/lib64}, {@code /usr/local/cuda*},
 * {@code LD_LIBRARY_PATH}, the system's library search, and Python environments' {@code nvidia/…/lib}
 * folders (PyTorch installs {@code nvidia-cuda-nvrtc} there).
 */
final class Nvrtc {

    private static final int NVRTC_SUCCESS = 0;

    private final String library;
    private final int major;
    private final int minor;
    private final List<Integer> supportedArchs;
    private final MethodHandle getErrorString;
    private final MethodHandle createProgram;
    private final MethodHandle compileProgram;
    private final MethodHandle getPtxSize;
    private final MethodHandle getPtx;
    private final MethodHandle getLogSize;
    private final MethodHandle getLog;
    private final MethodHandle destroyProgram;

    private Nvrtc(NativeLibrary lib) {
        this.library = lib.path();
        FunctionDescriptor intAddrAddr = FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS);
        MethodHandle version = lib.function("nvrtcVersion", intAddrAddr);
        getErrorString = lib.function("nvrtcGetErrorString", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        createProgram = lib.function("nvrtcCreateProgram",
                FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS));
        compileProgram = lib.function("nvrtcCompileProgram", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS));
        getPtxSize = lib.function("nvrtcGetPTXSize", intAddrAddr);
        getPtx = lib.function("nvrtcGetPTX", intAddrAddr);
        getLogSize = lib.function("nvrtcGetProgramLogSize", intAddrAddr);
        getLog = lib.function("nvrtcGetProgramLog", intAddrAddr);
        destroyProgram = lib.function("nvrtcDestroyProgram", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment ma = arena.allocate(JAVA_INT);
            MemorySegment mi = arena.allocate(JAVA_INT);
            check((int) version.invokeExact(ma, mi), "nvrtcVersion");
            this.major = ma.get(JAVA_INT, 0);
            this.minor = mi.get(JAVA_INT, 0);
            this.supportedArchs = readSupportedArchs(lib, arena);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    private static List<Integer> readSupportedArchs(NativeLibrary lib, Arena arena) throws Throwable {
        Optional<MethodHandle> count = lib.optionalFunction("nvrtcGetNumSupportedArchs", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        Optional<MethodHandle> list = lib.optionalFunction("nvrtcGetSupportedArchs", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        if (count.isEmpty() || list.isEmpty()) {
            return List.of();
        }
        MemorySegment n = arena.allocate(JAVA_INT);
        if ((int) count.get().invokeExact(n) != NVRTC_SUCCESS || n.get(JAVA_INT, 0) <= 0) {
            return List.of();
        }
        MemorySegment archs = arena.allocate(JAVA_INT, n.get(JAVA_INT, 0));
        if ((int) list.get().invokeExact(archs) != NVRTC_SUCCESS) {
            return List.of();
        }
        List<Integer> result = new ArrayList<>();
        for (int i = 0; i < n.get(JAVA_INT, 0); i++) {
            result.add(archs.getAtIndex(JAVA_INT, i));
        }
        return List.copyOf(result);
    }

    /**
     * The NVRTC to use: of those found, the newest whose CUDA version the driver supports
     * ({@code maxCudaVersion}, as {@code 1000 * major + 10 * minor}; 0 for no limit), because the PTX a
     * newer NVRTC writes is refused by an older driver. When every one found is newer, the oldest.
     */
    static Optional<Nvrtc> find(int maxCudaVersion) {
        List<Nvrtc> loaded = new ArrayList<>();
        Set<String> versions = new LinkedHashSet<>();
        for (String candidate : candidates()) {
            NativeLibrary.open(candidate).ifPresent(lib -> {
                try {
                    Nvrtc n = new Nvrtc(lib);
                    if (versions.add(n.major + "." + n.minor)) {
                        loaded.add(n);
                    }
                } catch (RuntimeException notNvrtc) {
                    // a library by that name that is not a usable NVRTC: keep looking
                }
            });
        }
        Comparator<Nvrtc> byVersion = Comparator.comparingInt(Nvrtc::cudaVersion);
        Optional<Nvrtc> fitting = loaded.stream().filter(n -> maxCudaVersion <= 0 || n.cudaVersion() <= maxCudaVersion)
                .max(byVersion);
        return fitting.isPresent() ? fitting : loaded.stream().min(byVersion);
    }

    /** Where NVRTC is looked for, in order: paths first, then names for the system's search. */
    static List<String> candidates() {
        Set<Path> folders = new LinkedHashSet<>();
        for (String variable : List.of("CUDA_HOME", "CUDA_PATH", "CUDA_ROOT")) {
            String home = System.getenv(variable);
            if (home != null && !home.isBlank()) {
                folders.add(Path.of(home, "lib64"));
                folders.add(Path.of(home, "lib"));
            }
        }
        folders.add(Path.of("/usr/local/cuda/lib64"));
        versionedCudaFolders().forEach(folders::add);
        String ldPath = System.getenv("LD_LIBRARY_PATH");
        if (ldPath != null) {
            for (String dir : ldPath.split(":")) {
                if (!dir.isBlank()) {
                    folders.add(Path.of(dir));
                }
            }
        }
        folders.addAll(pythonNvidiaFolders());

        Set<String> result = new LinkedHashSet<>();
        for (Path folder : folders) {
            result.addAll(nvrtcIn(folder));
        }
        // The system's search (ldconfig cache), newest soname first.
        result.addAll(List.of("libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so"));
        return List.copyOf(result);
    }

    /** {@code /usr/local/cuda-13.0/lib64} and the like, newest first. */
    private static List<Path> versionedCudaFolders() {
        List<Path> result = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(Path.of("/usr/local"), "cuda-*")) {
            dirs.forEach(d -> result.add(d.resolve("lib64")));
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
        result.sort(Comparator.comparing(Path::toString).reversed());
        return result;
    }

    /**
     * {@code site-packages/nvidia/<package>/lib} of the Python environments on {@code PATH} (a venv's
     * {@code bin} holds {@code python3}), {@code $VIRTUAL_ENV}, {@code $CONDA_PREFIX}, the user's and the system's.
     */
    static List<Path> pythonNvidiaFolders() {
        Set<Path> prefixes = new LinkedHashSet<>();
        for (String variable : List.of("VIRTUAL_ENV", "CONDA_PREFIX")) {
            String v = System.getenv(variable);
            if (v != null && !v.isBlank()) {
                prefixes.add(Path.of(v));
            }
        }
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(":")) {
                if (!dir.isBlank() && Files.isExecutable(Path.of(dir, "python3"))) {
                    Path parent = Path.of(dir).toAbsolutePath().getParent();
                    if (parent != null) {
                        prefixes.add(parent);
                    }
                }
            }
        }
        prefixes.add(Path.of(System.getProperty("user.home"), ".local"));
        prefixes.add(Path.of("/usr/local"));
        prefixes.add(Path.of("/usr"));
        List<Path> result = new ArrayList<>();
        for (Path prefix : prefixes) {
            for (Path lib : List.of(prefix.resolve("lib"), prefix.resolve("lib64"))) {
                for (Path python : children(lib, "python3*")) {
                    for (String packages : List.of("site-packages", "dist-packages")) {
                        Path nvidia = python.resolve(packages).resolve("nvidia");
                        for (Path pkg : children(nvidia, "*")) {
                            result.add(pkg.resolve("lib"));
                        }
                    }
                }
            }
        }
        return result;
    }

    private static List<Path> children(Path dir, String glob) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<Path> result = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir, glob)) {
            entries.forEach(result::add);
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
        result.sort(Comparator.comparing(Path::toString).reversed());
        return result;
    }

    /** {@code libnvrtc.so.N} files in {@code folder} (not the builtins, not the {@code .alt} variant), newest first. */
    private static List<String> nvrtcIn(Path folder) {
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.matches("libnvrtc\\.so(\\.\\d+)*"))
                    // The soname (libnvrtc.so.13) first: it names the version, where the bare .so link does not.
                    .sorted(Comparator.comparingInt((String n) -> n.matches("libnvrtc\\.so\\.\\d+") ? 0 : n.equals("libnvrtc.so") ? 2 : 1)
                            .thenComparing(Comparator.reverseOrder()))
                    .map(n -> folder.resolve(n).toString())
                    .toList();
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    String library() {
        return library;
    }

    /** {@code 1000 * major + 10 * minor}, as the driver reports its own. */
    int cudaVersion() {
        return major * 1000 + minor * 10;
    }

    String version() {
        return major + "." + minor;
    }

    /** The {@code XY} of every {@code compute_XY} this NVRTC compiles for; empty if it cannot say. */
    List<Integer> supportedArchs() {
        return supportedArchs;
    }

    /** Thrown when NVRTC rejects a program; carries its log. */
    static final class CompileError extends RuntimeException {
        final String log;

        CompileError(String message, String log) {
            super(message);
            this.log = log;
        }
    }

    /** Compiles {@code source} to PTX with {@code options}. */
    String compile(String source, String name, List<String> options) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment programOut = arena.allocate(ADDRESS);
            check((int) createProgram.invokeExact(programOut, arena.allocateFrom(source), arena.allocateFrom(name),
                    0, MemorySegment.NULL, MemorySegment.NULL), "nvrtcCreateProgram");
            MemorySegment program = programOut.get(ADDRESS, 0);
            try {
                MemorySegment optionArray = arena.allocate(ADDRESS, Math.max(1, options.size()));
                for (int i = 0; i < options.size(); i++) {
                    optionArray.setAtIndex(ADDRESS, i, arena.allocateFrom(options.get(i)));
                }
                int result = (int) compileProgram.invokeExact(program, options.size(), optionArray);
                String log = text(program, getLogSize, getLog, arena);
                if (result != NVRTC_SUCCESS) {
                    throw new CompileError("nvrtcCompileProgram: " + errorString(result), log);
                }
                return text(program, getPtxSize, getPtx, arena);
            } finally {
                int ignored = (int) destroyProgram.invokeExact(programOut);
            }
        } catch (CompileError e) {
            throw e;
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    private String text(MemorySegment program, MethodHandle size, MethodHandle get, Arena arena) throws Throwable {
        MemorySegment n = arena.allocate(JAVA_LONG);
        check((int) size.invokeExact(program, n), "nvrtc size query");
        long bytes = n.get(JAVA_LONG, 0);
        if (bytes <= 1) {
            return "";
        }
        MemorySegment buffer = arena.allocate(bytes);
        check((int) get.invokeExact(program, buffer), "nvrtc text query");
        return buffer.getString(0, StandardCharsets.UTF_8);
    }

    private void check(int result, String call) {
        if (result != NVRTC_SUCCESS) {
            throw new IllegalStateException(call + " failed: " + errorString(result) + " (" + library + ")");
        }
    }

    private String errorString(int result) {
        try {
            String s = NativeLibrary.cString((MemorySegment) getErrorString.invokeExact(result));
            return s == null ? "NVRTC error " + result : s;
        } catch (Throwable t) {
            return "NVRTC error " + result;
        }
    }

    @Override
    public String toString() {
        return "NVRTC " + version() + " (" + library + ")";
    }
}
