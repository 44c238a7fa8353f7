package squall.device.cuda;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import squall.api.KernelContext;
import squall.runtime.DataTransferMode;
import squall.runtime.Device;
import squall.runtime.Devices;
import squall.runtime.ExecutionPlan;
import squall.runtime.GridScheduler;
import squall.runtime.TaskGraph;
import squall.runtime.WorkerGrid;
import squall.runtime.WorkerGrid1D;
import squall.runtime.WorkerGrid2D;
import squall.testing.CudaTestSupport;
import squall.testkernels.TestKernels;

import java.util.Random;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The test kernels on {@code cuda:0} and on {@code jvm}, compared exactly: local arrays and
 * barriers, 2-D groups, every scalar and array type, three parallel dimensions, shifted loop
 * bounds, a loop-free kernel, and shared memory beyond the default 48 KiB.
 */
@Tag(CudaTestSupport.GPU)
class CudaKernelsGpuTest {

    private static CudaDevice gpu;

    /** Per test rather than per class, so that every skipped test reports why. */
    @BeforeEach
    void requireGpu() {
        gpu = CudaTestSupport.gpu();
    }

    private static float[] random(long seed, int n) {
        Random r = new Random(seed);
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = r.nextFloat() * 2 - 1;
        }
        return a;
    }

    /** Builds the graph with {@code make} for fresh outputs on each device, runs it, and returns what {@code result} picks. */
    private static <T> T run(Device device, Function<Object[], TaskGraph> make, Object[] outputs, WorkerGrid grid,
                             Function<Object[], T> result) {
        Object[] fresh = new Object[outputs.length];
        for (int i = 0; i < outputs.length; i++) {
            fresh[i] = cloneArray(outputs[i]);
        }
        TaskGraph graph = make.apply(fresh);
        try (ExecutionPlan plan = new ExecutionPlan(graph).withDevice(device)) {
            if (grid != null) {
                plan.withGridScheduler(new GridScheduler(graph.name() + ".t", grid));
            }
            plan.execute();
        }
        return result.apply(fresh);
    }

    private static Object cloneArray(Object a) {
        return switch (a) {
            case float[] x -> x.clone();
            case double[] x -> x.clone();
            case long[] x -> x.clone();
            case int[] x -> x.clone();
            case short[] x -> x.clone();
            case byte[] x -> x.clone();
            default -> throw new IllegalArgumentException();
        };
    }

    private static void sameOnBoth(Function<Object[], TaskGraph> make, Object[] outputs, WorkerGrid grid) {
        Object[] onJvm = run(Devices.get("jvm"), make, outputs, grid, Function.identity());
        Object[] onGpu = run(gpu, make, outputs, grid, Function.identity());
        for (int i = 0; i < outputs.length; i++) {
            switch (onJvm[i]) {
                case float[] x -> assertArrayEquals(x, (float[]) onGpu[i], "output " + i);
                case double[] x -> assertArrayEquals(x, (double[]) onGpu[i], "output " + i);
                case long[] x -> assertArrayEquals(x, (long[]) onGpu[i], "output " + i);
                case int[] x -> assertArrayEquals(x, (int[]) onGpu[i], "output " + i);
                case short[] x -> assertArrayEquals(x, (short[]) onGpu[i], "output " + i);
                case byte[] x -> assertArrayEquals(x, (byte[]) onGpu[i], "output " + i);
                default -> throw new IllegalArgumentException();
            }
        }
    }

    @Test
    void reverseInGroupWithTheDefaultAndAGivenLocalSize() {
        float[] in = random(1, 1000);
        Function<Object[], TaskGraph> make = o -> new TaskGraph("rev")
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, in)
                .task("t", TestKernels::reverseInGroup, new KernelContext(), in, (float[]) o[0])
                .transferToHost(DataTransferMode.EVERY_EXECUTION, o[0]);
        sameOnBoth(make, new Object[] {new float[1000]}, new WorkerGrid1D(1000));
        sameOnBoth(make, new Object[] {new float[1000]}, new WorkerGrid1D(1000).setLocalWork(250, 1, 1));
        float[] out = run(gpu, make, new Object[] {new float[1000]}, new WorkerGrid1D(1000).setLocalWork(250, 1, 1), o -> (float[]) o[0]);
        assertEquals(in[249], out[0], "group 0 reversed");
    }

    @Test
    void groupSumsReduceThroughTwoLocalArrays() {
        for (int local : new int[] {64, 256, 1024}) {
            float[] in = random(local, 5000);
            int groups = (5000 + local - 1) / local;
            Function<Object[], TaskGraph> make = o -> new TaskGraph("sums")
                    .transferToDevice(DataTransferMode.EVERY_EXECUTION, in)
                    .task("t", CudaTestKernels::groupSums, new KernelContext(), in, (float[]) o[0], (int[]) o[1])
                    .transferToHost(DataTransferMode.EVERY_EXECUTION, o[0], o[1]);
            sameOnBoth(make, new Object[] {new float[groups], new int[groups]},
                    new WorkerGrid1D((long) groups * local).setLocalWork(local, 1, 1));
        }
    }

    @Test
    void tileTransposeInTwoDimensions() {
        int rows = 70;
        int cols = 45;
        float[] in = random(3, rows * cols);
        Function<Object[], TaskGraph> make = o -> new TaskGraph("transpose")
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, in)
                .task("t", CudaTestKernels::tileTranspose, new KernelContext(), in, (float[]) o[0], rows, cols, 16)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, o[0]);
        WorkerGrid grid = new WorkerGrid2D(48, 80).setLocalWork(16, 16, 1);
        sameOnBoth(make, new Object[] {new float[rows * cols]}, grid);
        float[] out = run(gpu, make, new Object[] {new float[rows * cols]}, grid, o -> (float[]) o[0]);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                assertEquals(in[r * cols + c], out[c * rows + r]);
            }
        }
    }

    @Test
    void everyScalarAndArrayType() {
        int n = 777;
        float[] f = random(4, n);
        double[] d = new double[n];
        long[] l = new long[n];
        int[] i = new int[n];
        short[] s = new short[n];
        byte[] b = new byte[n];
        for (int x = 0; x < n; x++) {
            d[x] = f[x] * 3.0;
            l[x] = x * 123456789L;
            i[x] = x * 7 - 100;
            s[x] = (short) (x * 11);
            b[x] = (byte) x;
        }
        for (boolean flag : new boolean[] {true, false}) {
            Function<Object[], TaskGraph> make = o -> new TaskGraph("types")
                    .transferToDevice(DataTransferMode.EVERY_EXECUTION, o)
                    .task("t", squall.runtime.KernelLibraries.find(CudaTestKernels.class, "allTypes"), o[0], o[1], o[2], o[3], o[4], o[5],
                            1.25f, -0.5, 3L << 33, -7, (short) 3, (byte) -2, flag)
                    .transferToHost(DataTransferMode.EVERY_EXECUTION, o);
            sameOnBoth(make, new Object[] {f, d, l, i, s, b}, null);
        }
    }

    @Test
    void threeParallelDimensions() {
        Function<Object[], TaskGraph> make = o -> new TaskGraph("idx")
                .task("t", CudaTestKernels::indices3d, (int[]) o[0], 3, 17, 300)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, o[0]);
        int[] out = run(gpu, make, new Object[] {new int[3 * 17 * 300]}, null, o -> (int[]) o[0]);
        for (int z = 0; z < 3; z++) {
            for (int y = 0; y < 17; y++) {
                for (int x = 0; x < 300; x++) {
                    assertEquals(z * 1000000 + y * 1000 + x, out[(z * 17 + y) * 300 + x]);
                }
            }
        }
    }

    @Test
    void loopBoundsThatStartPastZero() {
        float[] out = new float[1000];
        java.util.Arrays.fill(out, -1f);
        Function<Object[], TaskGraph> make = o -> new TaskGraph("fill")
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, o[0])
                .task("t", CudaTestKernels::offsetFill, (float[]) o[0], 333, 999, 0.5f)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, o[0]);
        sameOnBoth(make, new Object[] {out}, null);
        float[] gpuOut = run(gpu, make, new Object[] {out}, null, o -> (float[]) o[0]);
        assertEquals(-1f, gpuOut[332]);
        assertEquals(333.5f, gpuOut[333]);
        assertEquals(-1f, gpuOut[999]);
    }

    @Test
    void aLoopFreeKernelRunsOnce() {
        float[] data = random(5, 4097);
        Function<Object[], TaskGraph> make = o -> new TaskGraph("scan")
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, o[0])
                .task("t", CudaTestKernels::prefixSum, (float[]) o[0])
                .transferToHost(DataTransferMode.EVERY_EXECUTION, o[0]);
        sameOnBoth(make, new Object[] {data}, null);
    }

    @Test
    void sharedMemoryBeyondTheDefault48KiB() {
        int n = 20_000; // 80,000 bytes of shared memory per block
        int groups = 3;
        float[] in = random(6, n * groups);
        Function<Object[], TaskGraph> make = o -> new TaskGraph("rotate")
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, in)
                .task("t", CudaTestKernels::rotateThroughShared, new KernelContext(), in, (float[]) o[0], n)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, o[0]);
        float[] out = run(gpu, make, new Object[] {new float[n * groups]}, new WorkerGrid1D(256L * groups).setLocalWork(256, 1, 1),
                o -> (float[]) o[0]);
        for (int g = 0; g < groups; g++) {
            for (int j = 0; j < n; j++) {
                assertEquals(in[g * n + (j + 1) % n], out[g * n + j]);
            }
        }
    }
}
