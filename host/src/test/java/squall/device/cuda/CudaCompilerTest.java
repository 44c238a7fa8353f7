package squall.device.cuda;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import squall.logging.CapturedStandardError;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The CUDA compiler and the PTX cache, which work without a GPU. */
class CudaCompilerTest {

    private static final String AXPY = """
            #if SQUALL_N != 7
            #error SQUALL_N must arrive as 7
            #endif
            extern "C" __global__ void axpy(float* y, const float* x, const float a, const int n) {
                const int i = (int) (blockIdx.x * blockDim.x + threadIdx.x);
                if (i < n * SQUALL_N) {
                    y[i] = a * x[i] + y[i];
                }
            }
            """;

    private static CudaCompiler nvcc() {
        Optional<CudaCompiler> nvcc = CudaCompiler.nvcc();
        assumeTrue(nvcc.isPresent(), "nvcc not found on the PATH, in $CUDA_HOME/bin or /usr/local/cuda/bin");
        return nvcc.get();
    }

    private static CudaCompiler nvrtc() {
        Optional<CudaCompiler> nvrtc = CudaCompiler.nvrtc(0);
        assumeTrue(nvrtc.isPresent(), "no NVRTC library found in " + Nvrtc.candidates());
        return nvrtc.get();
    }

    private static void checkAxpy(CudaCompiler compiler) {
        String ptx = compiler.compile(AXPY, "axpy", Map.of("SQUALL_N", 7), 80);
        assertTrue(ptx.contains(".target sm_80"), ptx);
        assertTrue(ptx.contains(".entry axpy"), ptx);
        // --fmad=false: a * x + y is a rounded multiply, then a rounded add, as in Java; never an fma.
        assertTrue(ptx.contains("mul.rn.f32") && ptx.contains("add.rn.f32"), ptx);
        assertFalse(ptx.contains("fma."), ptx);
    }

    @Test
    void nvccCompilesToPtxWithoutContraction() {
        checkAxpy(nvcc());
    }

    @Test
    void nvrtcCompilesToPtxWithoutContraction() {
        CudaCompiler nvrtc = nvrtc();
        assertEquals(CudaCompiler.Tool.NVRTC, nvrtc.tool());
        assertTrue(nvrtc.description().startsWith("NVRTC "), nvrtc.description());
        checkAxpy(nvrtc);
    }

    @Test
    void aRejectedProgramCarriesTheCompilerLog() {
        CudaCompiler nvcc = nvcc();
        CudaCompileException e = assertThrows(CudaCompileException.class,
                () -> nvcc.compile(AXPY.replace("a * x[i]", "a * undeclaredThing"), "axpy", Map.of("SQUALL_N", 7), 80));
        assertTrue(e.log().contains("undeclaredThing"), e.log());
        assertTrue(e.getMessage().contains("axpy"), e.getMessage());
        CudaCompileException wrongDefine = assertThrows(CudaCompileException.class,
                () -> nvcc.compile(AXPY, "axpy", Map.of("SQUALL_N", 8), 80));
        assertTrue(wrongDefine.log().contains("SQUALL_N must arrive as 7"), wrongDefine.log());
    }

    @Test
    void optionsAreOrderedAndChecked() {
        CudaCompiler nvcc = nvcc();
        assertEquals(List.of("--gpu-architecture=compute_90", "--fmad=false", "-DSQUALL_A=1", "-DSQUALL_B=2"),
                nvcc.options(Map.of("SQUALL_B", 2, "SQUALL_A", 1), 90));
        assertThrows(IllegalArgumentException.class, () -> nvcc.options(Map.of("NOT A NAME", 1), 90));
    }

    @Test
    void theTargetIsTheNewestKnownArchitectureUpToTheGpus() {
        CudaCompiler nvcc = nvcc();
        assertEquals(90, nvcc.targetArch(90));
        assertEquals(90, nvcc.targetArch(95), "a GPU newer than a known architecture runs its PTX through the JIT");
        CudaCompileException e = assertThrows(CudaCompileException.class, () -> nvcc.targetArch(30));
        assertTrue(e.getMessage().contains("3.0"), e.getMessage());
    }

    @Test
    void findPrefersNvrtcAndFallsBackToNvcc() {
        Optional<CudaCompiler> nvrtc = CudaCompiler.nvrtc(0);
        Optional<CudaCompiler> nvcc = CudaCompiler.nvcc();
        assumeTrue(nvrtc.isPresent() || nvcc.isPresent(), "neither NVRTC nor nvcc is installed here");
        assertEquals(nvrtc.isPresent() ? CudaCompiler.Tool.NVRTC : CudaCompiler.Tool.NVCC, CudaCompiler.find(0).tool());
    }

    @Test
    void aDamagedPtxFileIsRemovedAndCompiledAgain(@TempDir Path dir) throws Exception {
        String key = PtxCache.key("source", List.of("--fmad=false"), "NVRTC 13.0", 13000);
        new PtxCache(dir).get(key, () -> ".version 8.0\n.target sm_80\n// a kernel");
        byte[] whole = Files.readAllBytes(new PtxCache(dir).file(key));
        Files.write(new PtxCache(dir).file(key), java.util.Arrays.copyOf(whole, whole.length - 3));
        PtxCache nextRun = new PtxCache(dir);
        PtxCache.Entry entry = nextRun.get(key, () -> "compiled again");
        assertEquals(PtxCache.Origin.COMPILED, entry.origin(), "a truncated file is not handed to the driver");
        assertEquals("compiled again", entry.ptx());
        assertEquals(PtxCache.Origin.DISK, new PtxCache(dir).get(key, () -> "not again").origin(), "and was rewritten whole");
    }

    @Test
    void ptxIsCachedInMemoryAndOnDisk(@TempDir Path dir) throws Exception {
        AtomicInteger compiles = new AtomicInteger();
        String key = PtxCache.key("source", List.of("--fmad=false"), "NVRTC 13.0", 13000);
        PtxCache cache = new PtxCache(dir);
        assertEquals(PtxCache.Origin.COMPILED, cache.get(key, () -> "ptx " + compiles.incrementAndGet()).origin());
        PtxCache.Entry again = cache.get(key, () -> "ptx " + compiles.incrementAndGet());
        assertEquals(PtxCache.Origin.MEMORY, again.origin());
        assertEquals("ptx 1", again.ptx());
        assertTrue(Files.isRegularFile(cache.file(key)));

        PtxCache nextRun = new PtxCache(dir);
        PtxCache.Entry fromDisk = nextRun.get(key, () -> "ptx " + compiles.incrementAndGet());
        assertEquals(PtxCache.Origin.DISK, fromDisk.origin());
        assertEquals("ptx 1", fromDisk.ptx());
        assertEquals(1, compiles.get());

        nextRun.evict(key);
        assertFalse(Files.exists(nextRun.file(key)));
        assertEquals(PtxCache.Origin.COMPILED, nextRun.get(key, () -> "ptx " + compiles.incrementAndGet()).origin());
    }

    @Test
    void everyInputChangesTheKey() {
        String base = PtxCache.key("src", List.of("-DSQUALL_D=64"), "NVRTC 13.0", 13000);
        assertNotEquals(base, PtxCache.key("src ", List.of("-DSQUALL_D=64"), "NVRTC 13.0", 13000));
        assertNotEquals(base, PtxCache.key("src", List.of("-DSQUALL_D=128"), "NVRTC 13.0", 13000));
        assertNotEquals(base, PtxCache.key("src", List.of("-DSQUALL_D=64"), "NVRTC 12.8", 13000));
        assertNotEquals(base, PtxCache.key("src", List.of("-DSQUALL_D=64"), "NVRTC 13.0", 12080));
        assertEquals(base, PtxCache.key("src", List.of("-DSQUALL_D=64"), "NVRTC 13.0", 13000));
    }

    @Test
    void anUnwritableCacheFolderCostsOnlyTheDiskCache(@TempDir Path dir) throws Exception {
        Path notAFolder = dir.resolve("file");
        Files.writeString(notAFolder, "x");
        PtxCache cache = new PtxCache(notAFolder.resolve("cuda"));
        String key = PtxCache.key("s", List.of(), "c", 0);
        String logged = CapturedStandardError.during(
                () -> assertEquals(PtxCache.Origin.COMPILED, cache.get(key, () -> "ptx").origin()));
        assertTrue(logged.contains("WARN squall.device.cuda.PtxCache - cannot write ") && logged.contains("SQUALL_CACHE_DIR"),
                "one warning that says what to do: " + logged);
        assertEquals(PtxCache.Origin.MEMORY, cache.get(key, () -> "other").origin());
    }

    @Test
    void theDefaultCacheFolderEndsInCuda() {
        assertEquals("cuda", PtxCache.defaultFolder().getFileName().toString());
    }
}
