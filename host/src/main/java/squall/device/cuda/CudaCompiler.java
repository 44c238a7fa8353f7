package squall.device.cuda;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * CUDA C to PTX, without a GPU: through NVRTC when its library is found, else through {@code nvcc -ptx}.
 * Always with {@code --fmad=false}, so {@code a * b + c} rounds twice as in Java, and no fast math.
 *
 * <pre>{@code
 * CudaCompiler compiler = CudaCompiler.find(0);                  // 0: no driver to match
 * String ptx = compiler.compile(source, "attendBroadcast", Map.of("SQUALL_D", 128), 90);  // compute_90
 * }</pre>
 *
 * Instances are immutable and safe to share between threads.
 */
public final class CudaCompiler {

    /** How the compiler runs. */
    public enum Tool {
        /** {@code libnvrtc} in this process. */
        NVRTC,
        /** The {@code nvcc} program, {@code -ptx}. */
        NVCC
    }

    private static final long NVCC_TIMEOUT_SECONDS = 300;

    private final Tool tool;
    private final Nvrtc nvrtc;
    private final Path nvcc;
    private final int cudaVersion;
    private final List<Integer> archs;

    private CudaCompiler(Tool tool, Nvrtc nvrtc, Path nvcc, int cudaVersion, List<Integer> archs) {
        this.tool = tool;
        this.nvrtc = nvrtc;
        this.nvcc = nvcc;
        this.cudaVersion = cudaVersion;
        this.archs = archs;
    }

    /**
     * The compiler for a driver that supports CUDA {@code driverCudaVersion} ({@code 1000 * major + 10 *
     * minor}; 0 when there is no driver): NVRTC if found (the newest the driver accepts), else nvcc.
     *
     * @throws CudaCompileException when neither is found; the message lists where it looked
     */
    public static CudaCompiler find(int driverCudaVersion) {
        Optional<CudaCompiler> found = nvrtc(driverCudaVersion).or(CudaCompiler::nvcc);
        return found.orElseThrow(() -> new CudaCompileException("no CUDA compiler: NVRTC (libnvrtc.so) is not in "
                + String.join(", ", Nvrtc.candidates()) + ", and nvcc is not on the PATH nor in $CUDA_HOME/bin or"
                + " /usr/local/cuda/bin. Install the CUDA toolkit, or NVRTC alone (pip install nvidia-cuda-nvrtc)"
                + " and put its lib folder on LD_LIBRARY_PATH", ""));
    }

    /** NVRTC, the newest found that a driver supporting {@code driverCudaVersion} accepts (0: any). */
    public static Optional<CudaCompiler> nvrtc(int driverCudaVersion) {
        return Nvrtc.find(driverCudaVersion)
                .map(n -> new CudaCompiler(Tool.NVRTC, n, null, n.cudaVersion(), n.supportedArchs()));
    }

    /** {@code nvcc}: from {@code PATH}, {@code $CUDA_HOME/bin} or {@code /usr/local/cuda/bin}. */
    public static Optional<CudaCompiler> nvcc() {
        for (Path candidate : nvccCandidates()) {
            if (Files.isExecutable(candidate)) {
                try {
                    String version = run(List.of(candidate.toString(), "--version"), null).output();
                    Matcher m = Pattern.compile("release (\\d+)\\.(\\d+)").matcher(version);
                    int cuda = m.find() ? Integer.parseInt(m.group(1)) * 1000 + Integer.parseInt(m.group(2)) * 10 : 0;
                    List<Integer> archs = new ArrayList<>();
                    Matcher a = Pattern.compile("compute_(\\d+)").matcher(
                            run(List.of(candidate.toString(), "--list-gpu-arch"), null).output());
                    while (a.find()) {
                        archs.add(Integer.parseInt(a.group(1)));
                    }
                    return Optional.of(new CudaCompiler(Tool.NVCC, null, candidate, cuda, List.copyOf(archs)));
                } catch (IOException e) {
                    // not runnable here: try the next one
                }
            }
        }
        return Optional.empty();
    }

    private static List<Path> nvccCandidates() {
        Set<Path> result = new LinkedHashSet<>();
        String path = System.getenv("PATH");
        if (path != null) {
            for (String dir : path.split(":")) {
                if (!dir.isBlank()) {
                    result.add(Path.of(dir, "nvcc"));
                }
            }
        }
        for (String variable : List.of("CUDA_HOME", "CUDA_PATH")) {
            String home = System.getenv(variable);
            if (home != null && !home.isBlank()) {
                result.add(Path.of(home, "bin", "nvcc"));
            }
        }
        result.add(Path.of("/usr/local/cuda/bin/nvcc"));
        return List.copyOf(result);
    }

    public Tool tool() {
        return tool;
    }

    /** The CUDA version of the compiler, as {@code 1000 * major + 10 * minor}; 0 if unknown. */
    public int cudaVersion() {
        return cudaVersion;
    }

    /** {@code NVRTC 13.0 (/usr/local/cuda/lib64/libnvrtc.so.13)} or {@code nvcc 13.0 (/usr/local/bin/nvcc)}. */
    public String description() {
        return switch (tool) {
            case NVRTC -> "NVRTC " + nvrtc.version() + " (" + nvrtc.library() + ")";
            case NVCC -> "nvcc " + CudaDriver.versionString(cudaVersion) + " (" + nvcc + ")";
        };
    }

    /**
     * The virtual architecture to compile for on a GPU of compute capability {@code capability}
     * ({@code 10 * major + minor}): the capability itself, or the newest this compiler knows below it
     * (the driver JIT-compiles older PTX for newer GPUs).
     */
    public int targetArch(int capability) {
        if (archs.isEmpty() || archs.contains(capability)) {
            return capability;
        }
        return archs.stream().filter(a -> a <= capability).max(Comparator.naturalOrder())
                .orElseThrow(() -> new CudaCompileException(description() + " cannot compile for compute capability "
                        + capability / 10 + "." + capability % 10 + "; it knows compute_" + archs, ""));
    }

    /** The options {@link #compile} passes, in order; they key the PTX cache too. */
    public List<String> options(Map<String, Integer> defines, int arch) {
        List<String> options = new ArrayList<>();
        options.add("--gpu-architecture=compute_" + arch);
        options.add("--fmad=false");
        for (Map.Entry<String, Integer> d : new TreeMap<>(defines).entrySet()) {
            if (!d.getKey().matches("[A-Za-z_][A-Za-z0-9_]*")) {
                throw new IllegalArgumentException("not a C macro name: '" + d.getKey() + "'");
            }
            options.add("-D" + d.getKey() + "=" + d.getValue());
        }
        return options;
    }

    /**
     * Compiles {@code source} to PTX for {@code compute_<arch>}, with each of {@code defines} as a
     * preprocessor constant.
     *
     * @param name a name for the program in messages (the kernel's)
     * @throws CudaCompileException with the compiler's log when it rejects the source
     */
    public String compile(String source, String name, Map<String, Integer> defines, int arch) {
        List<String> options = options(defines, arch);
        return switch (tool) {
            case NVRTC -> {
                try {
                    yield nvrtc.compile(source, name + ".cu", options);
                } catch (Nvrtc.CompileError e) {
                    throw new CudaCompileException(description() + " rejected " + name + " " + options + ": "
                            + e.getMessage(), e.log);
                }
            }
            case NVCC -> compileWithNvcc(source, name, options);
        };
    }

    private String compileWithNvcc(String source, String name, List<String> options) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("squall-nvcc-");
            Path in = dir.resolve("kernel.cu");
            Path out = dir.resolve("kernel.ptx");
            Files.writeString(in, source, StandardCharsets.UTF_8);
            List<String> command = new ArrayList<>(List.of(nvcc.toString(), "-ptx"));
            command.addAll(options);
            command.addAll(List.of("-o", out.toString(), in.toString()));
            Result r = run(command, dir);
            if (r.exitCode() != 0 || !Files.isRegularFile(out)) {
                throw new CudaCompileException(description() + " rejected " + name + " (exit " + r.exitCode() + "): "
                        + String.join(" ", command), r.output());
            }
            return Files.readString(out, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new CudaCompileException("running " + description() + " on " + name + " failed: " + e.getMessage(), "");
        } finally {
            deleteQuietly(dir);
        }
    }

    private record Result(int exitCode, String output) {
    }

    private static Result run(List<String> command, Path dir) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        if (dir != null) {
            pb.directory(dir.toFile());
        }
        Process p = pb.start();
        try {
            byte[] output = p.getInputStream().readAllBytes();
            if (!p.waitFor(NVCC_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(command.getFirst() + " did not finish in " + NVCC_TIMEOUT_SECONDS + " s");
            }
            return new Result(p.exitValue(), new String(output, StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while running " + command.getFirst(), e);
        }
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (var files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | RuntimeException ignored) {
            // a temporary folder left behind is harmless
        }
    }

    @Override
    public String toString() {
        return description();
    }
}
