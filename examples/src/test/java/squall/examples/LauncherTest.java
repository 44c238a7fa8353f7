package squall.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code squall run} as the scripts start it (child JVMs through {@code squall_exec_java}): examples by name, a
 * user's own single-file program with a kernel, and what the user sees on standard error (nothing but their own
 * output: no SLF4J, restricted-method, Unsafe or incubator warnings), exit statuses and terminal detection.
 */
class LauncherTest {

    @TempDir
    Path tmp;

    /** A program of the user's own, in a package (kernel classes need one), with a kernel and a main. */
    private Path program(String name, String main) throws IOException {
        Path file = tmp.resolve(name + ".java");
        Files.writeString(file, """
                package mine;

                import squall.api.Kernel;
                import squall.api.Parallel;
                import squall.runtime.DataTransferMode;
                import squall.runtime.Devices;
                import squall.runtime.ExecutionPlan;
                import squall.runtime.TaskGraph;

                public class %s {
                    @Kernel
                    public static void cube(int[] v, int n) {
                        for (@Parallel int i = 0; i < n; i++) {
                            v[i] = v[i] * v[i] * v[i];
                        }
                    }

                    public static void main(String[] args) {
                %s
                    }
                }
                """.formatted(name, main));
        return file;
    }

    private static int lineOf(Path file, String text) throws IOException {
        List<String> lines = Files.readAllLines(file);
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(text)) {
                return i + 1;
            }
        }
        throw new AssertionError(text + " is not in " + file);
    }

    @Test
    void runsAnExampleByItsNameWithNothingOnStandardError() {
        Launched run = Launched.squall(tmp, List.of("run", "SoftmaxRows", "jvm")).succeeded();
        assertTrue(run.out().contains("jvm: row 0 starts "), run::toString);
        assertEquals("", run.err(), "no warnings of any kind:\n" + run);
    }

    @Test
    void compilesAndRunsASingleFileProgramWithItsKernelOnEveryDevice() throws IOException {
        Path file = program("Cubes", """
                        int[] v = {1, 2, 3};
                        TaskGraph g = new TaskGraph("cubes").transferToDevice(DataTransferMode.EVERY_EXECUTION, v)
                                .task("cube", Cubes::cube, v, v.length).transferToHost(DataTransferMode.EVERY_EXECUTION, v);
                        try (ExecutionPlan plan = new ExecutionPlan(g).withDevice(Devices.get(args[0]))) {
                            plan.execute();
                        }
                        System.out.println(args[0] + " " + args[1] + ": " + java.util.Arrays.toString(v));""");
        for (String device : ExamplesTest.devices()) {
            Launched run = Launched.squall(tmp, List.of("run", file.getFileName().toString(), device, "--an-option-of-its-own"))
                    .succeeded();
            assertEquals(device + " --an-option-of-its-own: [1, 8, 27]", run.out().strip(), run::toString);
            assertEquals("", run.err(), run::toString);
        }
    }

    @Test
    void aProgramThatThrowsExitsWith1AndItsStackTrace() throws IOException {
        Path file = program("Throws", "        throw new IllegalStateException(\"boom\");");
        Launched run = Launched.squall(tmp, List.of("run", file.toString()));
        assertEquals(1, run.status(), run::toString);
        List<String> trace = run.err().lines().toList();
        assertEquals("Exception in thread \"main\" java.lang.IllegalStateException: boom", trace.getFirst(), run::toString);
        assertEquals(List.of("\tat mine.Throws.main(Throws.java:" + lineOf(file, "boom") + ")"), trace.subList(1, trace.size()),
                "the program's own frames, as java prints them:\n" + run);
    }

    @Test
    void aProgramsOwnExitStatusAndStandardErrorComeThrough() throws IOException {
        Path file = program("Exits", "        System.err.println(\"to stderr\");\n        System.exit(7);");
        Launched run = Launched.squall(tmp, List.of("run", file.toString()));
        assertEquals(7, run.status(), run::toString);
        assertEquals("to stderr\n", run.err(), "the program's line, and no other:\n" + run);
    }

    @Test
    void aProgramThatDoesNotCompileGetsJavacsMessageAndStatus2() throws IOException {
        Path file = program("Broken", "        int x = \"not an int\";");
        Launched run = Launched.squall(tmp, List.of("run", file.toString()));
        assertEquals(2, run.status(), run::toString);
        assertTrue(run.err().contains("Broken.java:" + lineOf(file, "not an int") + ": error: incompatible types"), run::toString);
        assertTrue(run.err().contains("squall run: PROGRAM: Broken.java did not compile"), run::toString);
    }

    @Test
    void aKernelOutsideTheSubsetFailsAtItsLineAndColumn() throws IOException {
        Path file = tmp.resolve("Strings.java");
        Files.writeString(file, """
                package mine;
                import squall.api.Kernel;
                public class Strings {
                    @Kernel
                    public static void k(float[] a) {
                        String s = "no strings on a device";
                    }
                    public static void main(String[] args) {
                    }
                }
                """);
        Launched run = Launched.squall(tmp, List.of("run", file.toString()));
        assertEquals(2, run.status(), run::toString);
        assertTrue(run.err().contains("Strings.java:6: error: squall kernel Strings.k: a string is not supported"), run::toString);
    }

    @Test
    void anUnknownProgramNamesTheExamples() {
        Launched run = Launched.squall(tmp, List.of("run", "softmaxrows"));
        assertEquals(2, run.status(), run::toString);
        assertTrue(run.err().contains("no class 'softmaxrows' on the class path; did you mean 'SoftmaxRows'?"), run::toString);
    }

    @Test
    void listsTheExamples() {
        Launched run = Launched.squall(tmp, List.of("run", "--list")).succeeded();
        assertTrue(run.out().lines().anyMatch(l -> l.startsWith("DecodePipeline ")), run::toString);
        assertEquals(6, run.out().lines().count(), run::toString);
    }

    @Test
    void aProgramSeesTheTerminalItRunsOnThroughTheFilter() throws IOException {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/script")), "no util-linux 'script' to give the test a terminal");
        Path file = program("Terminal", "        System.out.println(\"stderr is a terminal: \" + squall.tasks.cli.StandardError.isTerminal());");
        List<String> command = Launched.command(Launched.SQUALL, List.of("run", file.toString()));
        StringBuilder line = new StringBuilder();
        for (String part : command) {
            line.append('\'').append(part.replace("'", "'\\''")).append("' ");
        }
        Launched onTerminal = Launched.run(tmp, Map.of(), new ArrayList<>(List.of("/usr/bin/script", "-qec", line.toString(), "/dev/null")));
        assertEquals(0, onTerminal.status(), onTerminal::toString);
        assertTrue(onTerminal.out().contains("stderr is a terminal: true"), onTerminal::toString);
        assertFalse(onTerminal.out().contains("incubator"), onTerminal::toString);
        Launched toFile = Launched.squall(tmp, List.of("run", file.toString())).succeeded();
        assertEquals("stderr is a terminal: false", toFile.out().strip(), toFile::toString);
    }

    @Test
    void devicesSaysInOneLineThatOpenClIsMissing() {
        Launched run = Launched.java(tmp, Map.of("TEST_JVM_OPTIONS", "-Dorg.lwjgl.opencl.libname=libNoSuchOpenCL.so"),
                Launched.SQUALL, List.of("devices")).succeeded();
        assertEquals(1, run.out().lines().filter(l -> l.startsWith("opencl: unavailable: no OpenCL library could be loaded")).count(),
                run::toString);
        assertEquals("", run.err(), "no LWJGL banner:\n" + run);
    }
}
