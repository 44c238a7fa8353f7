package squall.compiler;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import squall.runtime.KernelTarget;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Java source in, OpenCL C, CUDA C and JVM variants out: {@code golden/Golden.java.txt} against the
 * reviewed outputs beside it. After an intended change to the back ends, regenerate with
 * {@code -Dsquall.golden.update=true}, then read the diff before committing it.
 */
class GoldenOutputTest {

    private static final List<String> KERNELS = List.of("saxpy", "softplus", "bits", "blockSum", "rowDots", "attentionTile");
    private static KernelCompilation.Result compiled;

    @BeforeAll
    static void compileGolden() throws IOException {
        compiled = KernelCompilation.compile("golden.Golden", resource("Golden.java.txt"));
        assertTrue(compiled.success(), compiled.errorText());
    }

    /** Kernels whose bounds-checked builds are reviewed too: helpers with arrays, private and local arrays. */
    private static final List<String> CHECKED_KERNELS = List.of("blockSum", "rowDots");

    static Stream<Arguments> outputs() {
        List<Arguments> cases = new ArrayList<>();
        for (String kernel : KERNELS) {
            for (KernelTarget target : KernelTarget.values()) {
                cases.add(Arguments.of(kernel, target, false));
                if (CHECKED_KERNELS.contains(kernel) && target != KernelTarget.JAVA) {
                    cases.add(Arguments.of(kernel, target, true));
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} -> {1}, bounds-checked: {2}")
    @MethodSource("outputs")
    void matchesTheReviewedOutput(String kernel, KernelTarget target, boolean checked) throws IOException {
        String actual = checked ? compiled.generatedChecked("golden.Golden", kernel, target)
                : compiled.generated("golden.Golden", kernel, target);
        String file = kernel + (checked ? ".checked." : ".") + target.extension();
        if (Boolean.getBoolean("squall.golden.update")) {
            Path source = Path.of("src/test/resources/golden", file);
            Files.writeString(source, actual);
            return;
        }
        assertEquals(resource(file), actual, "generated " + file + " differs from the reviewed golden file");
    }

    @Test
    void cudaGoldensCompileWithNvcc() throws Exception {
        Path nvcc = Stream.of(System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator))
                .map(dir -> Path.of(dir, "nvcc")).filter(Files::isExecutable).findFirst().orElse(null);
        Assumptions.assumeTrue(nvcc != null, "nvcc is not on the PATH: CUDA C is not compiled here");
        Path dir = Files.createTempDirectory("squall-golden-cuda");
        List<String> command = new ArrayList<>(List.of(nvcc.toString(), "-ptx", "-arch=sm_90", "--fmad=false",
                "-DSQUALL_D=64", "-DSQUALL_G=4", "-DSQUALL_TILE=16", "--output-directory", dir.toString()));
        for (String kernel : KERNELS) {
            Path source = dir.resolve(kernel + ".cu");
            Files.writeString(source, resource(kernel + "." + KernelTarget.CUDA.extension()));
            command.add(source.toString());
        }
        for (String kernel : CHECKED_KERNELS) {
            Path source = dir.resolve(kernel + ".checked.cu");
            Files.writeString(source, resource(kernel + ".checked." + KernelTarget.CUDA.extension()));
            command.add(source.toString());
        }
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String log = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.waitFor(), "nvcc rejected a golden CUDA file:\n" + log);
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = GoldenOutputTest.class.getResourceAsStream("/golden/" + name)) {
            if (in == null) {
                throw new IOException("missing golden file " + name + "; generate it with -Dsquall.golden.update=true");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
