package squall.device.cuda;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import squall.api.KernelContext;
import squall.runtime.DataTransferMode;
import squall.runtime.DeviceBuffer;
import squall.runtime.DeviceEvent;
import squall.runtime.DeviceKernel;
import squall.runtime.DeviceSession;
import squall.runtime.ExecutionPlan;
import squall.runtime.ExecutionResult;
import squall.runtime.GridScheduler;
import squall.runtime.KernelBuildException;
import squall.runtime.KernelLaunchException;
import squall.runtime.KernelLibraries;
import squall.runtime.Launch;
import squall.runtime.ProfilerResult;
import squall.runtime.TaskGraph;
import squall.runtime.WorkerGrid1D;
import squall.testing.CudaTestSupport;
import squall.testkernels.TestKernels;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Transfers, transfer modes, profiling, errors and the release of everything a session makes, on {@code cuda:0}. */
@Tag(CudaTestSupport.GPU)
class CudaSessionGpuTest {

    private static CudaDevice gpu;

    /** Per test rather than per class, so that every skipped test reports why. */
    @BeforeEach
    void requireGpu() {
        gpu = CudaTestSupport.gpu();
    }

    @Test
    void everyArrayTypeMakesTheRoundTrip() {
        List<Object> arrays = List.of(new float[] {1.5f, -2f, Float.NaN}, new double[] {Math.PI, -0.0}, new long[] {Long.MIN_VALUE, 7},
                new int[] {1, 2, 3, Integer.MAX_VALUE}, new short[] {-1, 300}, new byte[] {-128, 0, 127}, new float[0]);
        try (DeviceSession session = gpu.openSession(false)) {
            List<DeviceBuffer> buffers = arrays.stream().map(session::allocate).toList();
            for (int i = 0; i < arrays.size(); i++) {
                session.copyIn(buffers.get(i), arrays.get(i), "in " + i);
            }
            List<Object> back = arrays.stream().map(CudaSessionGpuTest::zeroed).toList();
            for (int i = 0; i < arrays.size(); i++) {
                session.copyOut(buffers.get(i), back.get(i), "out " + i);
            }
            session.finish();
            for (int i = 0; i < arrays.size(); i++) {
                assertTrue(Arrays.deepEquals(new Object[] {arrays.get(i)}, new Object[] {back.get(i)}), "array " + i);
            }
        }
    }

    private static Object zeroed(Object a) {
        return java.lang.reflect.Array.newInstance(a.getClass().getComponentType(), java.lang.reflect.Array.getLength(a));
    }

    @Test
    void buffersAreCheckedAgainstTheirArraysAndTheirSession() {
        try (DeviceSession one = gpu.openSession(false); DeviceSession other = gpu.openSession(false)) {
            DeviceBuffer b = one.allocate(new float[4]);
            IllegalArgumentException size = assertThrows(IllegalArgumentException.class, () -> one.copyIn(b, new float[5], "x"));
            assertTrue(size.getMessage().contains("float[4]") && size.getMessage().contains("float[5]"), size.getMessage());
            assertThrows(IllegalArgumentException.class, () -> one.copyIn(b, new int[4], "x"));
            IllegalArgumentException foreign = assertThrows(IllegalArgumentException.class, () -> other.copyIn(b, new float[4], "x"));
            assertTrue(foreign.getMessage().contains("not a buffer of this CUDA session"), foreign.getMessage());
            assertThrows(IllegalArgumentException.class, () -> one.allocate("not an array"));
        }
    }

    @Test
    void closingASessionFreesEverythingItMade() {
        long[] before = gpu.memoryInfo();
        float[] big = new float[64 << 20]; // 256 MiB
        CudaSession session = (CudaSession) gpu.openSession(true);
        DeviceBuffer buffer = session.allocate(big);
        session.copyIn(buffer, big, "big");
        session.finish();
        session.prepare(KernelLibraries.find(CudaTestKernels.class, "prefixSum"), Map.of(), "t");
        assertEquals(256L << 20, session.allocatedBytes());
        assertTrue(session.stagingBytes() > 0);
        assertEquals(1, session.loadedModules());
        long[] during = gpu.memoryInfo();
        assertTrue(before[0] - during[0] >= 256L << 20, "256 MiB should be in use: free " + before[0] + " -> " + during[0]);
        session.close();
        assertEquals(0, session.allocatedBytes());
        assertEquals(0, session.stagingBytes());
        assertEquals(0, session.loadedModules());
        long[] after = gpu.memoryInfo();
        assertTrue(after[0] >= before[0] - (4L << 20), "free device memory " + before[0] + " before, " + after[0] + " after close");
        IllegalStateException closed = assertThrows(IllegalStateException.class, () -> session.allocate(new float[1]));
        assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
        session.close(); // twice is harmless
    }

    @Test
    void closingAPlanReleasesItsDeviceMemory() {
        long[] before = gpu.memoryInfo();
        for (int i = 0; i < 3; i++) {
            float[] in = new float[32 << 20];
            float[] out = new float[32 << 20];
            TaskGraph g = new TaskGraph("big")
                    .transferToDevice(DataTransferMode.EVERY_EXECUTION, in)
                    .task("t", TestKernels::reverseInGroup, new KernelContext(), in, out)
                    .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
            try (ExecutionPlan plan = new ExecutionPlan(g).withDevice(gpu)
                    .withGridScheduler(new GridScheduler("big.t", new WorkerGrid1D(in.length).setLocalWork(256, 1, 1)))) {
                plan.execute();
            }
        }
        long[] after = gpu.memoryInfo();
        assertTrue(after[0] >= before[0] - (4L << 20), "free device memory " + before[0] + " before, " + after[0] + " after");
    }

    /** in → reverseInGroup → out, with the given modes; returns out after two executions, in changed in between. */
    private static float[] twoRuns(DataTransferMode inMode, DataTransferMode outMode, boolean askForOut) {
        float[] in = new float[256];
        Arrays.fill(in, 1f);
        float[] out = new float[256];
        TaskGraph g = new TaskGraph("modes")
                .transferToDevice(inMode, in)
                .task("t", TestKernels::reverseInGroup, new KernelContext(), in, out)
                .transferToHost(outMode, out);
        try (ExecutionPlan plan = new ExecutionPlan(g).withDevice(gpu)
                .withGridScheduler(new GridScheduler("modes.t", new WorkerGrid1D(256).setLocalWork(64, 1, 1)))) {
            plan.execute();
            Arrays.fill(in, 2f);
            ExecutionResult r = plan.execute();
            if (outMode == DataTransferMode.UNDER_DEMAND) {
                assertTrue(plan.isHostCopyStale(out));
                assertEquals(0f, out[0], "UNDER_DEMAND copies nothing until asked");
                if (askForOut) {
                    r.transferToHost(out);
                    assertFalse(plan.isHostCopyStale(out));
                }
            }
        }
        return out;
    }

    @Test
    void transferModes() {
        assertEquals(2f, twoRuns(DataTransferMode.EVERY_EXECUTION, DataTransferMode.EVERY_EXECUTION, false)[0],
                "EVERY_EXECUTION copies the changed input again");
        assertEquals(1f, twoRuns(DataTransferMode.FIRST_EXECUTION, DataTransferMode.EVERY_EXECUTION, false)[0],
                "FIRST_EXECUTION keeps the first copy on the device");
        assertEquals(2f, twoRuns(DataTransferMode.EVERY_EXECUTION, DataTransferMode.UNDER_DEMAND, true)[0],
                "UNDER_DEMAND copies when asked");
    }

    @Test
    void profilingTimesCompilesCopiesAndKernelsFromCudaEvents() {
        float[] in = new float[1 << 20];
        float[] out = new float[1 << 20];
        TaskGraph g = new TaskGraph("prof")
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, in)
                .task("reverse", TestKernels::reverseInGroup, new KernelContext(), in, out)
                .task("scan", CudaTestKernels::prefixSum, out)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
        try (ExecutionPlan plan = new ExecutionPlan(g).withDevice(gpu).withProfiler()
                .withGridScheduler(new GridScheduler("prof.reverse", new WorkerGrid1D(in.length).setLocalWork(128, 1, 1)))) {
            ProfilerResult first = plan.execute().profilerResult();
            assertEquals(2, first.events().stream().filter(e -> e.kind() == DeviceEvent.Kind.COMPILE).count(), first.events().toString());
            assertTrue(first.compileNanos() > 0);
            ProfilerResult second = plan.execute().profilerResult();
            assertEquals(0, second.compileNanos(), "kernels compile on first use only");
            assertEquals(4L << 20, second.copyInBytes());
            assertEquals(4L << 20, second.copyOutBytes());
            assertTrue(second.copyInNanos() > 0 && second.copyOutNanos() > 0, second.events().toString());
            assertTrue(second.kernelNanos("reverse") > 0 && second.kernelNanos("scan") > 0, second.events().toString());
            assertTrue(second.kernelNanos("scan") > second.kernelNanos("reverse"), "one thread scanning 1M floats is the slow one");
            assertTrue(second.kernelNanos() + second.copyInNanos() + second.copyOutNanos() <= second.totalNanos(),
                    "device times fit inside the execution: " + second.metrics());
        }
    }

    @Test
    void aCompileErrorNamesKernelTaskDeviceAndCarriesTheLog() {
        try (DeviceSession session = gpu.openSession(false)) {
            KernelBuildException e = assertThrows(KernelBuildException.class,
                    () -> session.prepare(new BrokenKernel(), Map.of(), "bad-task"));
            assertTrue(e.getMessage().contains("BrokenKernel.broken") && e.getMessage().contains("'bad-task'")
                    && e.getMessage().contains(gpu.id()), e.getMessage());
            assertTrue(e.buildLog().contains("squall_undefined_name"), e.buildLog());
        }
    }

    @Test
    void anImpossibleLaunchNamesKernelTaskDevice() {
        float[] in = new float[4096];
        float[] out = new float[4096];
        TaskGraph g = new TaskGraph("huge")
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, in)
                .task("rev", TestKernels::reverseInGroup, new KernelContext(), in, out)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
        // 2048 threads per block: more than any NVIDIA GPU runs.
        try (ExecutionPlan plan = new ExecutionPlan(g).withDevice(gpu)
                .withGridScheduler(new GridScheduler("huge.rev", new WorkerGrid1D(4096).setLocalWork(2048, 1, 1)))) {
            KernelLaunchException e = assertThrows(KernelLaunchException.class, plan::execute);
            assertTrue(e.getMessage().contains("reverseInGroup") && e.getMessage().contains("'rev'")
                    && e.getMessage().contains(gpu.id()) && e.getMessage().contains("2048"), e.getMessage());
        }
    }

    @Test
    void aMissingSpecialisationIsNamed() {
        try (DeviceSession session = gpu.openSession(false)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> session.prepare(KernelLibraries.find(CudaTestKernels.class, "tileTranspose"), Map.of(), "t"));
            assertTrue(e.getMessage().contains("TILE"), e.getMessage());
        }
    }

    @Test
    void ptxIsCompiledOnceThenLoadedFromDisk(@TempDir Path dir) throws Exception {
        var kernel = KernelLibraries.find(CudaTestKernels.class, "tileTranspose");
        try (CudaSession first = new CudaSession(gpu, true, new PtxCache(dir))) {
            DeviceKernel k = first.prepare(kernel, Map.of("TILE", 8), "t");
            assertEquals(kernel, k.descriptor());
            assertEquals(1, first.drainEvents().stream().filter(e -> e.kind() == DeviceEvent.Kind.COMPILE).count());
        }
        List<Path> files;
        try (Stream<Path> list = Files.list(dir)) {
            files = list.toList();
        }
        assertEquals(1, files.size(), files.toString());
        assertTrue(Files.readString(files.getFirst()).contains(".entry tileTranspose"));
        PtxCache second = new PtxCache(dir);
        try (CudaSession session = new CudaSession(gpu, false, second)) {
            session.prepare(kernel, Map.of("TILE", 8), "t");
        }
        String key = files.getFirst().getFileName().toString().replace(".ptx", "");
        assertEquals(PtxCache.Origin.MEMORY, second.get(key, () -> {
            throw new AssertionError("must not compile again");
        }).origin(), "the second session found it on disk and kept it in memory");
    }

    @Test
    void aDamagedCacheFileIsCompiledAgain(@TempDir Path dir) throws Exception {
        var kernel = KernelLibraries.find(CudaTestKernels.class, "offsetFill");
        try (CudaSession first = new CudaSession(gpu, false, new PtxCache(dir))) {
            first.prepare(kernel, Map.of(), "t");
        }
        Path file;
        try (Stream<Path> list = Files.list(dir)) {
            file = list.findFirst().orElseThrow();
        }
        Files.writeString(file, "this is not PTX");
        float[] out = new float[10];
        try (CudaSession session = new CudaSession(gpu, false, new PtxCache(dir))) {
            DeviceKernel k = session.prepare(kernel, Map.of(), "t");
            DeviceBuffer b = session.allocate(out);
            Object[] hostArgs = {out, 0, 10, 1f};
            session.launch(new Launch("t", k, new Object[] {b, 0, 10, 1f}, hostArgs, kernel.parallelBounds(hostArgs), null));
            session.copyOut(b, out, "out");
            session.finish();
        }
        assertEquals(10f, out[9]);
        assertTrue(Files.readString(file).contains(".entry offsetFill"), "the damaged file was replaced");
    }

    @Test
    void theDeviceDescribesItself() {
        assertTrue(gpu.computeCapability() >= 50, "compute capability " + gpu.computeCapability());
        assertTrue(gpu.globalMemoryBytes() > 0);
        Map<String, String> p = gpu.properties();
        assertFalse(p.get("compiler").equals("none found"), "a GPU test machine needs NVRTC or nvcc: " + p);
        System.out.println(gpu.id() + " " + gpu.name() + " " + p);
    }
}
