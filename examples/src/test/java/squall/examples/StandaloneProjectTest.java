package squall.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A user's own Maven project (examples/standalone-project) that depends on squall-host and nothing of squall's
 * build: Maven compiles it, squall's kernel compiler runs on it, and squall's command line finds its kernels and
 * runs it. squall-host and its parent come from a local repository of this test's own (never the shared one);
 * everything else from this build's, offline.
 */
class StandaloneProjectTest {

    private static final String VERSION = "0.1.0-SNAPSHOT";

    @TempDir
    Path tmp;

    @Test
    void buildsWithMavenAndItsKernelsRunThroughSquall() throws IOException {
        Path root = Checkout.root();
        Path hostJar = root.resolve("host/target/squall-host-" + VERSION + ".jar");
        assumeTrue(Files.isRegularFile(hostJar), hostJar + " is not built (run the whole build, not this module alone)");
        String shared = System.getProperty("squall.maven.repository");
        assumeTrue(shared != null && Files.isDirectory(Path.of(shared)),
                "the build's local Maven repository is unknown (squall.maven.repository is set by examples/pom.xml)");

        Path repository = tmp.resolve("repository");
        install(root.resolve("pom.xml"), repository, "squall-parent", "pom");
        install(root.resolve("host/pom.xml"), repository, "squall-host", "pom");
        install(hostJar, repository, "squall-host", "jar");
        Path project = tmp.resolve("project");
        copy(root.resolve("examples/standalone-project"), project);

        Launched build = Launched.run(project, Map.of("MAVEN_OPTS", "--sun-misc-unsafe-memory-access=allow"),
                List.of(root.resolve("mvnw").toString(), "-B", "-q", "-o", "-Dmaven.repo.local=" + repository,
                        "-Dmaven.repo.local.tail=" + shared, "package"));
        assertEquals(0, build.status(), build::toString);
        assertTrue(Files.isRegularFile(project.resolve("target/classes/META-INF/squall/org.example.RowSums/rowSums.opencl.cl")),
                "the kernel compiler ran on the project");

        Launched listed = Launched.squall(project, List.of("print-kernel", "--list", "--class-path", "target/classes")).succeeded();
        assertTrue(listed.out().lines().anyMatch("RowSums.rowSums"::equals), listed::toString);
        Launched cuda = Launched.squall(project, List.of("print-kernel", "RowSums.rowSums", "-cp", "target/row-sums-1.0.jar",
                "--target", "cuda")).succeeded();
        assertTrue(cuda.out().contains("extern \"C\" __global__ void rowSums("), cuda::toString);

        for (String device : ExamplesTest.devices()) {
            Launched run = Launched.squall(project, List.of("run", "--class-path", "target/classes", "org.example.RowSums", device))
                    .succeeded();
            assertEquals("row sums on " + device + ": [1000.0, 2000.0, 3000.0, 4000.0], as in plain Java", run.out().strip(),
                    run::toString);
        }
    }

    /** Puts {@code file} where Maven looks for {@code dev.squall:artifact:VERSION} of this type. */
    private static void install(Path file, Path repository, String artifact, String type) throws IOException {
        Path folder = Files.createDirectories(repository.resolve("dev/squall/" + artifact + "/" + VERSION));
        Files.copy(file, folder.resolve(artifact + "-" + VERSION + "." + type), StandardCopyOption.REPLACE_EXISTING);
    }

    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> files = Files.walk(from)) {
            for (Path f : files.filter(f -> !from.relativize(f).startsWith("target")).toList()) {
                Path target = to.resolve(from.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target);
                }
            }
        }
    }
}
