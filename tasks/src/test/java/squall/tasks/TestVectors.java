package squall.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The NumPy test vectors in {@code testdata/attention/} at the repository root, found without relying
 * on the current directory: walk up from it to the folder holding {@code mvnw}. Outside a checkout (the
 * GPU bundle of {@code scripts/gpu-bundle}), the system property {@code squall.testdata} names the folder.
 */
public final class TestVectors {

    private static final ObjectMapper JSON = new ObjectMapper();

    private TestVectors() {
    }

    /** The repository root: the nearest folder at or above the working directory that holds {@code mvnw}. */
    public static Path repositoryRoot() {
        return findRepositoryRoot().orElseThrow(
                () -> new IllegalStateException("no folder holding mvnw at or above " + Path.of("").toAbsolutePath()));
    }

    /** {@link #repositoryRoot()}, or empty where the tests run outside a checkout. */
    public static Optional<Path> findRepositoryRoot() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("mvnw"))) {
                return Optional.of(dir);
            }
        }
        return Optional.empty();
    }

    /** {@code <squall.testdata>/attention}, or {@code <root>/testdata/attention}. */
    public static Path attentionDir() {
        return folder("attention");
    }

    /** {@code <squall.testdata>/attention-variants}: sliding window, soft-cap, ALiBi and sinks. */
    public static Path variantsDir() {
        return folder("attention-variants");
    }

    private static Path folder(String name) {
        String given = System.getProperty("squall.testdata");
        Path dir = given != null ? Path.of(given, name) : repositoryRoot().resolve("testdata").resolve(name);
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("missing test vectors: " + dir);
        }
        return dir;
    }

    /** One case folder with its {@code meta.json}. */
    public record Case(String name, Path dir, JsonNode meta) {

        public Path file(String name) {
            return dir.resolve(name);
        }

        public boolean hasKvMap() {
            return Files.isRegularFile(dir.resolve("kv_map.npy"));
        }

        public boolean causal() {
            return meta.get("causal").asBoolean();
        }

        public double scale() {
            return meta.get("scale").asDouble();
        }

        public int meta(String key) {
            return meta.get(key).asInt();
        }

        /** Whether {@code meta.json} gives {@code key} a value ({@code "window": null} does not). */
        public boolean has(String key) {
            return meta.hasNonNull(key) && !(meta.get(key).isBoolean() && !meta.get(key).asBoolean());
        }

        @Override
        public String toString() {
            return name;
        }
    }

    /** Every case, sorted by name; there are twelve. */
    public static List<Case> cases() {
        return cases(attentionDir(), 12);
    }

    /** Every case of the variants, sorted by name; there are thirteen. */
    public static List<Case> variantCases() {
        return cases(variantsDir(), 13);
    }

    private static List<Case> cases(Path folder, int expected) {
        try (Stream<Path> dirs = Files.list(folder)) {
            List<Case> cases = dirs.filter(Files::isDirectory).sorted().map(TestVectors::load).toList();
            if (cases.size() != expected) {
                throw new IllegalStateException("expected " + expected + " cases in " + folder + ", found " + cases.size());
            }
            return cases;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Case load(Path dir) {
        try {
            return new Case(dir.getFileName().toString(), dir, JSON.readTree(dir.resolve("meta.json").toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
