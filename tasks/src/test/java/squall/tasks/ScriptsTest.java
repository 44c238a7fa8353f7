package squall.tasks;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The scripts, run with bash against made-up folders: the shared JDK search ({@code scripts/lib/common.sh}), their
 * answers to {@code --help}, that they act only on what they made, and where a crashing JVM leaves its report.
 */
class ScriptsTest {

    private static Path ROOT;
    private static final List<String> SCRIPTS = List.of("scripts/lib/common.sh", "scripts/squall", "scripts/test",
            "scripts/gpu-bundle", ".ci/run");

    @TempDir
    Path tmp;

    @BeforeAll
    static void needsBashAndTheScripts() {
        assumeTrue(Files.isExecutable(Path.of("/bin/bash")) || Files.isExecutable(Path.of("/usr/bin/bash")),
                "bash is not installed: the scripts cannot be tried here");
        ROOT = TestVectors.findRepositoryRoot().orElse(null);
        assumeTrue(ROOT != null, "no checkout at or above " + Path.of("").toAbsolutePath()
                + " (a GPU bundle carries no scripts): the scripts cannot be tried here");
    }

    record Run(int status, String out, String err) {
    }

    private Run bash(String script, Map<String, String> env) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", script).directory(tmp.toFile());
        pb.environment().remove("JAVA_HOME");
        pb.environment().remove("SQUALL_JDK_SEARCH_DIRS");
        pb.environment().putAll(env);
        Path out = tmp.resolve("stdout"), err = tmp.resolve("stderr");
        Process p = pb.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "bash finished");
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    private static String findJdk() {
        return "set -euo pipefail; source '" + ROOT.resolve("scripts/lib/common.sh") + "'; squall_find_jdk;"
                + " echo \"$JAVA_HOME\"; echo \"$SQUALL_JAVA\"";
    }

    /** The JDK running this test: at least 25, with javac (the build needs one). */
    private static Path thisJdk() {
        Path home = Path.of(System.getProperty("java.home"));
        assumeTrue(Files.isExecutable(home.resolve("bin/javac")), "the test JVM is not a full JDK: " + home);
        return home;
    }

    /** A PATH folder with the tools common.sh uses, but no java. */
    private Path toolsWithoutJava() throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("tools"));
        for (String tool : List.of("sed", "head", "basename", "dirname", "readlink")) {
            Run where = bash("command -v " + tool, Map.of());
            assumeTrue(where.status() == 0, tool + " is not installed");
            wrapper(bin.resolve(tool), where.out().strip());
        }
        return bin;
    }

    /** A script that runs {@code target}: stands in for a symbolic link, which JUnit warns about when cleaning up. */
    private static void wrapper(Path file, String target) throws IOException {
        Files.writeString(file, "#!/bin/sh\nexec '" + target + "' \"$@\"\n");
        assertTrue(file.toFile().setExecutable(true));
    }

    @Test
    void scriptsAreExecutableAndParse() throws Exception {
        for (String script : SCRIPTS) {
            Path file = ROOT.resolve(script);
            assertTrue(Files.isRegularFile(file), script);
            if (!script.endsWith(".sh")) {
                assertTrue(Files.isExecutable(file), script + " is executable");
            }
            Run run = bash("bash -n '" + file + "'", Map.of());
            assertEquals(0, run.status(), script + ": " + run.err());
        }
    }

    /** {@code squall_build_reason} over made-up module folders: what the line a rebuild prints on stderr says. */
    @Test
    void aBuildSaysWhyItRuns() throws Exception {
        Path host = Files.createDirectories(tmp.resolve("host/src/main/java")), kernels = Files.createDirectories(tmp.resolve("kernels/src"));
        Path jar = Files.writeString(tmp.resolve("out.jar"), "jar");
        Path stamp = tmp.resolve("stamp");
        String reason = "source '" + ROOT.resolve("scripts/lib/common.sh") + "'; squall_build_reason '" + stamp + "' '" + jar
                + "' '" + tmp.resolve("host") + "' '" + tmp.resolve("kernels") + "'";
        assertEquals("first run", bash(reason, Map.of()).out().strip(), "no stamp yet");
        Files.writeString(host.resolve("A.java"), "class A {}");
        Files.createDirectories(tmp.resolve("kernels/target"));
        Files.writeString(tmp.resolve("kernels/target/B.class"), "built");
        Files.writeString(stamp, "");
        java.nio.file.attribute.FileTime later = java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 60_000);
        Files.setLastModifiedTime(stamp, later);
        assertEquals("", bash(reason, Map.of()).out().strip(), "up to date: nothing to say, nothing to build");
        Path source = Files.writeString(kernels.resolve("K.java"), "class K {}");
        Files.setLastModifiedTime(source, java.nio.file.attribute.FileTime.fromMillis(later.toMillis() + 60_000));
        assertEquals("kernels changed", bash(reason, Map.of()).out().strip());
        Files.delete(jar);
        assertEquals("first run", bash(reason, Map.of()).out().strip(), "an output is missing");
    }

    @Test
    void takesJavaHomeWhenItIsAJdk25() throws Exception {
        Path jdk = thisJdk();
        Run run = bash(findJdk(), Map.of("JAVA_HOME", jdk.toString(), "SQUALL_JDK_SEARCH_DIRS", tmp.resolve("none").toString()));
        assertEquals(0, run.status(), run.err());
        assertEquals(List.of(jdk.toString(), jdk + "/bin/java"), run.out().lines().toList());
    }

    @Test
    void fallsBackToTheNewestJdkInTheSearchFolders() throws Exception {
        Path jdk = thisJdk();
        Path folder = Files.createDirectories(tmp.resolve("jvm"));
        Path bin = Files.createDirectories(folder.resolve("jdk-current/bin"));
        wrapper(bin.resolve("java"), jdk.resolve("bin/java").toString());
        wrapper(bin.resolve("javac"), jdk.resolve("bin/javac").toString());
        Files.createDirectories(folder.resolve("broken/bin"));
        Run run = bash(findJdk(), Map.of("JAVA_HOME", tmp.resolve("no-such-jdk").toString(), "PATH", "/nonexistent:/bin:/usr/bin",
                "SQUALL_JDK_SEARCH_DIRS", tmp.resolve("empty") + ":" + folder));
        assertEquals(0, run.status(), run.err());
        assertEquals(folder.resolve("jdk-current").toString(), run.out().lines().findFirst().orElseThrow());
    }

    @Test
    void saysWhereItLookedWhenThereIsNoJdk25() throws Exception {
        Path folder = Files.createDirectories(tmp.resolve("jvm/old-jdk/bin"));
        Path fakeJava = folder.resolve("java");
        // A "java" that reports version 17 the way a real one does.
        Files.writeString(fakeJava, "#!/bin/sh\necho '    java.specification.version = 17' >&2\n");
        assertTrue(fakeJava.toFile().setExecutable(true));
        wrapper(folder.resolve("javac"), "/bin/true");
        Run run = bash(findJdk(), Map.of("JAVA_HOME", tmp.resolve("jvm/old-jdk").toString(),
                "PATH", toolsWithoutJava().toString(), "SQUALL_JDK_SEARCH_DIRS", tmp.resolve("jvm") + ":" + tmp.resolve("missing")));

        assertEquals(1, run.status(), run.toString());
        assertEquals("", run.out());
        String err = run.err();
        assertTrue(err.contains("needs a JDK 25 or newer"), err);
        assertTrue(err.contains("JAVA_HOME=" + tmp.resolve("jvm/old-jdk") + ": JDK 17, too old"), err);
        assertTrue(err.contains("java on the PATH: none"), err);
        assertTrue(err.contains(tmp.resolve("jvm") + ": old-jdk (JDK 17, too old)"), err);
        assertTrue(err.contains(tmp.resolve("missing") + ": no such folder"), err);
    }

    private List<String> listing() throws IOException {
        try (var files = Files.walk(tmp)) {
            return files.map(p -> tmp.relativize(p).toString())
                    .filter(p -> !p.equals("stdout") && !p.equals("stderr")).sorted().toList();
        }
    }

    @Test
    void scriptsAnswerHelpBeforeDoingAnything() throws Exception {
        for (String script : List.of("scripts/test", "scripts/gpu-bundle")) {
            for (String flag : List.of("--help", "-h")) {
                List<String> before = listing();
                Run run = bash("'" + ROOT.resolve(script) + "' " + flag, Map.of("PATH", "/nonexistent:/usr/bin:/bin"));
                assertEquals(0, run.status(), script + " " + flag + ": " + run);
                String firstUsageLine = Files.readAllLines(ROOT.resolve(script)).get(1).substring(2);
                assertTrue(run.out().startsWith(firstUsageLine), script + " " + flag + " prints its usage: " + run.out());
                assertEquals(before, listing(), script + " " + flag + " made or removed files");
            }
        }
    }

    @Test
    void gpuBundleRefusesOptionsAndFoldersItDoesNotKnow() throws Exception {
        Path bundle = ROOT.resolve("scripts/gpu-bundle");
        Run unknown = bash("'" + bundle + "' --bogus", Map.of());
        assertEquals(2, unknown.status(), unknown.toString());
        assertTrue(unknown.err().contains("unknown option '--bogus'"), unknown.err());
        Run two = bash("'" + bundle + "' a b", Map.of());
        assertEquals(2, two.status(), two.toString());
        Path precious = Files.createDirectories(tmp.resolve("keep")).resolve("precious.txt");
        Files.writeString(precious, "not a bundle");
        Run existing = bash("'" + bundle + "' keep", Map.of());
        assertEquals(2, existing.status(), existing.toString());
        assertTrue(existing.err().contains("is not a bundle made by this script"), existing.err());
        assertEquals("not a bundle", Files.readString(precious), "the folder's file survives");
        assertEquals(List.of("", "keep", "keep/precious.txt"), listing());
    }

    @Test
    void aCrashingJvmReportsIntoTheCacheFolderNotTheCurrentOne() throws Exception {
        Path cache = tmp.resolve("cache");
        Path program = tmp.resolve("Exhaust.java");
        Files.writeString(program, "public class Exhaust { public static void main(String[] a) { java.util.List<long[]> l ="
                + " new java.util.ArrayList<>(); while (true) { l.add(new long[1 << 20]); } } }");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        // CrashOnOutOfMemoryError makes the JVM abort with a crash report, as a SIGSEGV in a driver would.
        Run run = bash("set -euo pipefail; source '" + ROOT.resolve("scripts/lib/common.sh") + "'; '" + java + "' \"$(squall_error_file)\""
                + " -Xmx64m -XX:+CrashOnOutOfMemoryError Exhaust.java", Map.of("SQUALL_CACHE_DIR", cache.toString()));
        assertTrue(run.status() != 0, run.toString());
        try (var inCache = Files.list(cache); var here = Files.list(tmp)) {
            assertEquals(1, inCache.filter(f -> f.getFileName().toString().matches("hs_err_pid\\d+\\.log")).count(),
                    "one crash report in " + cache + ": " + run);
            assertEquals(0, here.filter(f -> f.getFileName().toString().startsWith("hs_err")).count(), "none in the current folder");
        }
        for (String script : List.of("scripts/squall", "scripts/profile", "scripts/bench")) {
            assertTrue(Files.readString(ROOT.resolve(script)).contains("\"$(squall_error_file)\""),
                    script + " starts its JVM with squall_error_file's flag");
        }
    }
}
