package squall.tasks;

import squall.kernels.AttentionShape;
import squall.runtime.DataTransferMode;
import squall.runtime.Device;
import squall.runtime.Devices;
import squall.runtime.ExecutionPlan;
import squall.runtime.ProfilerResult;
import squall.runtime.TaskGraph;

import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * Not a test: prints the kernel time of one decode step (Hq = 32, Hkv = 8, D = 128, S = 16384,
 * B = 1, broadcast) per device, from the profiler. K and V are copied once and stay resident, as in
 * a decode loop. Run with the test class path; arguments are device ids (default: opencl:0 jvm).
 */
public final class OpenClDecodeMeasurement {

    public static void main(String[] args) {
        AttentionShape shape = new AttentionShape(1, 32, 8, 1, 16384, 128);
        Random random = new Random(1);
        float[] q = new float[shape.qElements()];
        float[] k = new float[shape.kvElements()];
        float[] v = new float[shape.kvElements()];
        for (float[] a : new float[][] {q, k, v}) {
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) random.nextGaussian();
            }
        }
        int[] kBits = new int[k.length], vBits = new int[v.length];   // the kernel reads K/V as fp32 bits
        for (int i = 0; i < k.length; i++) {
            kBits[i] = Float.floatToRawIntBits(k[i]);
            vBits[i] = Float.floatToRawIntBits(v[i]);
        }
        int[] blockTable = {0};   // one block: the whole context
        float[] out = new float[shape.qElements()];
        int runs = Integer.getInteger("runs", 10);
        // -DkvMode=EVERY_EXECUTION copies K and V on every call, to measure transfers too.
        DataTransferMode kvMode = DataTransferMode.valueOf(System.getProperty("kvMode", "FIRST_EXECUTION"));
        float[] none = new float[1];   // no ALiBi slopes or sinks
        for (String id : args.length == 0 ? new String[] {"opencl:0", "jvm"} : args) {
            Device device = Devices.get(id);
            TaskGraph graph = new TaskGraph("decode")
                    .transferToDevice(kvMode, kBits, vBits, blockTable, none)
                    .transferToDevice(DataTransferMode.EVERY_EXECUTION, q)
                    .task("attend", squall.kernels.AttentionKernels::attendBroadcast, q, kBits, vBits, blockTable, out,
                            none, none, shape.B(), shape.Hkv(), shape.groupSize(), shape.Tq(), shape.S(), shape.D(),
                            shape.defaultScale(), false, StepPlan.queryTile(shape.groupSize(), shape.D(), shape.Tq()),
                            Attention.DEFAULT_TILE, 0, 0, 0f)
                    .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
            // -Dlocal=N: work-groups of N work-items in dimension 0 instead of the driver's choice.
            squall.runtime.GridScheduler grids = new squall.runtime.GridScheduler();
            if (Integer.getInteger("local") != null) {
                grids.add("decode.attend", new squall.runtime.WorkerGrid2D(shape.Tq(), shape.B() * shape.Hkv())
                        .setLocalWork(Integer.getInteger("local"), 1, 1));
            }
            try (ExecutionPlan plan = new ExecutionPlan(graph).withDevice(device).withProfiler().withGridScheduler(grids)) {
                ProfilerResult first = plan.execute().profilerResult();
                plan.execute();
                double[] kernelMs = new double[runs];
                double[] totalMs = new double[runs];
                double[] copyMs = new double[runs];
                long copied = 0;
                for (int r = 0; r < runs; r++) {
                    ProfilerResult p = plan.execute().profilerResult();
                    kernelMs[r] = p.kernelNanos() / 1e6;
                    totalMs[r] = p.totalNanos() / 1e6;
                    copyMs[r] = (p.copyInNanos() + p.copyOutNanos()) / 1e6;
                    copied = p.copyInBytes() + p.copyOutBytes();
                }
                Arrays.sort(kernelMs);
                Arrays.sort(totalMs);
                Arrays.sort(copyMs);
                System.out.printf(Locale.ROOT, "%-9s %-40s first run: compile %.1f ms, copy in %.1f ms (%d MiB), kernel %.1f ms%n",
                        id, device.name(), first.compileNanos() / 1e6, first.copyInNanos() / 1e6, first.copyInBytes() >> 20,
                        first.kernelNanos() / 1e6);
                System.out.printf(Locale.ROOT, "%-9s kernel ms per call over %d runs: median %.2f, min %.2f, max %.2f;"
                                + " execute() median %.2f ms%n", id, runs, kernelMs[runs / 2], kernelMs[0], kernelMs[runs - 1],
                        totalMs[runs / 2]);
                System.out.printf(Locale.ROOT, "%-9s copies per call: %d bytes, median %.2f ms%n", id, copied, copyMs[runs / 2]);
            }
        }
    }
}
