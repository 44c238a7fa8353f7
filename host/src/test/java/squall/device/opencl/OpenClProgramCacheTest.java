package squall.device.opencl;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import squall.logging.CapturedStandardError;
import squall.runtime.DataTransferMode;
import squall.runtime.DeviceEvent;
import squall.runtime.ExecutionPlan;
import squall.runtime.KernelBuildException;
import squall.runtime.ProfilerResult;
import squall.runtime.TaskGraph;
import squall.testing.OpenClTestDevice;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The disk cache of built programs, and programs loaded from a prebuilt binary. */
@Tag("opencl")
class OpenClProgramCacheTest {

    private OpenClDevice device;
    private Path savedRoot;
    @TempDir
    Path root;

    @BeforeEach
    void useTemporaryCache() {
        device = OpenClTestDevice.opencl0();
        savedRoot = device.programCacheDirectory() == null ? null : device.programCacheDirectory().getParent();
        device.setCacheRoot(root);
    }

    @AfterEach
    void restoreCache() {
        device.setCacheRoot(savedRoot);
        device.unregisterBinary(TestKernels.ADD_CONSTANT, Map.of("C", 7));
    }

    /** Runs {@code addConstant} with C = 7 in a fresh plan (a fresh session: its in-memory cache is empty). */
    private Run run(float[] in) {
        return run(TestKernels.ADD_CONSTANT, in);
    }

    private Run run(TestKernels.HandWritten kernel, float[] in) {
        float[] out = new float[in.length];
        TaskGraph graph = new TaskGraph("g")
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, in)
                .task("add", kernel, in, out, 4, in.length / 4, 7)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
        try (ExecutionPlan plan = new ExecutionPlan(graph).withDevice(device).withProfiler()) {
            ProfilerResult p = plan.execute().profilerResult();
            List<DeviceEvent> compiles = p.events().stream().filter(e -> e.kind() == DeviceEvent.Kind.COMPILE).toList();
            assertEquals(1, compiles.size(), p.events().toString());
            assertEquals("add", compiles.getFirst().task(), "the label's note hides the task name");
            assertEquals(compiles.getFirst().nanos(), p.tasks().getFirst().compileNanos(),
                    "the task's profile misses its compile time");
            return new Run(ProgramOrigin.ofLabel(compiles.getFirst().label()), compiles.getFirst(), out);
        }
    }

    private record Run(ProgramOrigin origin, DeviceEvent compile, float[] out) {
    }

    private static float[] input() {
        float[] in = new float[40];
        for (int i = 0; i < in.length; i++) {
            in[i] = (float) Math.sin(i);
        }
        return in;
    }

    private List<Path> cached() throws IOException {
        Path dir = root.resolve("opencl");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.toList();
        }
    }

    @Test
    void aFreshSessionLoadsWhatAnotherBuiltFromTheDiskCache() throws IOException {
        assertEquals(root.resolve("opencl"), device.programCacheDirectory());
        Run built = run(input());
        assertEquals(ProgramOrigin.SOURCE, built.origin());
        assertEquals("add [driver build]", built.compile().label());
        assertEquals(1, cached().size(), "one program binary on disk: " + cached());
        assertTrue(cached().getFirst().getFileName().toString().matches("[0-9a-f]{64}\\.bin"));

        Run loaded = run(input());
        assertEquals(ProgramOrigin.DISK_CACHE, loaded.origin(), "the second load was no disk-cache hit");
        assertEquals("add [disk cache hit]", loaded.compile().label());
        assertArrayEquals(built.out(), loaded.out());
    }

    @Test
    void aBinaryTheDriverRejectsIsRebuiltFromSourceAndReplaced() throws Exception {
        run(input());
        Path entry = cached().getFirst();
        Files.write(entry, new byte[] {1, 2, 3, 4, 5});
        Run[] rebuilt = new Run[1];
        String logged = CapturedStandardError.during(() -> rebuilt[0] = run(input()));
        assertTrue(logged.contains("WARN squall.device.opencl.ProgramCache - cached OpenCL program " + entry + " is damaged"),
                "the rebuild says why: " + logged);
        assertEquals(ProgramOrigin.SOURCE, rebuilt[0].origin());
        assertTrue(Files.size(entry) > 5, "the rejected entry was not replaced");
        assertEquals(ProgramOrigin.DISK_CACHE, run(input()).origin());
    }

    @Test
    void theKeyCoversSourceOptionsAndDevice() {
        String identity = device.cacheIdentity();
        String key = ProgramCache.key("src", "-D SQUALL_C=7", identity);
        assertEquals(key, ProgramCache.key("src", "-D SQUALL_C=7", identity));
        assertNotEquals(key, ProgramCache.key("src ", "-D SQUALL_C=7", identity));
        assertNotEquals(key, ProgramCache.key("src", "-D SQUALL_C=8", identity));
        assertNotEquals(key, ProgramCache.key("src", "-D SQUALL_C=7", identity + " driver 2"));
    }

    @Test
    void withTheCacheOffNothingIsWritten() throws IOException {
        device.setCacheRoot(null);
        assertEquals(ProgramOrigin.SOURCE, run(input()).origin());
        assertEquals(ProgramOrigin.SOURCE, run(input()).origin());
        device.setCacheRoot(root);
        assertEquals(List.of(), cached());
    }

    @Test
    void aPlanRunsFromAnExportedBinaryWithoutCompilingTheSource(@TempDir Path elsewhere) throws IOException {
        Map<String, Integer> spec = Map.of("C", 7);
        Run fromSource = run(input());
        Path file = elsewhere.resolve("addConstant-C7.bin");
        Files.write(file, device.exportBinary(TestKernels.ADD_CONSTANT, spec));

        // No disk cache, and a source that would not even compile: only the binary can serve.
        device.setCacheRoot(null);
        device.registerBinary(TestKernels.ADD_CONSTANT, spec, Files.readAllBytes(file));
        Run fromBinary = run(TestKernels.ADD_CONSTANT.withSource("this is not OpenCL C"), input());
        assertEquals(ProgramOrigin.PREBUILT, fromBinary.origin());
        assertEquals("add [prebuilt binary]", fromBinary.compile().label());
        assertArrayEquals(fromSource.out(), fromBinary.out());
    }

    @Test
    void aRegisteredBinaryTheDriverRejectsFailsWithoutFallingBackToSource() {
        device.registerBinary(TestKernels.ADD_CONSTANT, Map.of("C", 7), "not a program binary".getBytes());
        KernelBuildException e = assertThrows(KernelBuildException.class, () -> run(input()));
        assertTrue(e.getMessage().contains("prebuilt binary"), e.getMessage());
        assertTrue(e.getMessage().contains("TestKernels.addConstant"), e.getMessage());
    }

    @Test
    void aBinaryMustNameExactlyTheKernelsSpecialisedParameters() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> device.registerBinary(TestKernels.ADD_CONSTANT, Map.of("D", 7), new byte[] {1}));
        assertTrue(e.getMessage().contains("[C]"), e.getMessage());
    }

    @Test
    void exportingBuildsWhenNoSessionHasYet() {
        byte[] binary = device.exportBinary(TestKernels.ADD_CONSTANT, Map.of("C", 11));
        assertTrue(binary.length > 0);
    }
}
