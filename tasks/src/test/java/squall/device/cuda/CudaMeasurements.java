package squall.device.cuda;

import squall.kernels.AttentionKernels;
import squall.kernels.AttentionShape;
import squall.runtime.DataTransferMode;
import squall.runtime.DeviceBuffer;
import squall.runtime.DeviceEvent;
import squall.runtime.Devices;
import squall.runtime.ExecutionPlan;
import squall.runtime.KernelLibraries;
import squall.runtime.ProfilerResult;
import squall.runtime.TaskGraph;
import squall.tasks.Attention;
import squall.tasks.AttentionVariant;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * Prints what the CUDA device costs on this machine: compiling and loading a kernel, transfer
 * bandwidth through the staging memory, and the attention kernels' times from CUDA events. A
 * program, not a test: numbers are reported, never asserted.
 *
 * <pre>{@code java -cp ... squall.device.cuda.CudaMeasurements}</pre>
 */
public final class CudaMeasurements {

    private CudaMeasurements() {
    }

    public static void main(String[] args) {
        CudaDevice gpu = (CudaDevice) Devices.get(args.length > 0 ? args[0] : "cuda:0");
        System.out.println(gpu.id() + ": " + gpu.name() + " " + gpu.properties());
        compileAndLoad(gpu);
        transfers(gpu);
        attention(gpu, new AttentionShape(1, 32, 8, 1, 4096, 128), false);
        attention(gpu, new AttentionShape(8, 32, 8, 1, 4096, 128), false);
        attention(gpu, new AttentionShape(1, 32, 8, 1024, 1024, 128), true);
    }

    private static void compileAndLoad(CudaDevice gpu) {
        var kernel = KernelLibraries.find(AttentionKernels.class, "attendBroadcast");
        Map<String, Integer> spec = Map.of("G", 4, "D", 128, "QUERIES", 1, "TILE", 64);
        PtxCache cache = new PtxCache(null);
        for (String what : new String[] {"compile (" + gpu.compiler().description() + ") + JIT load", "JIT load, PTX from memory"}) {
            try (CudaSession s = new CudaSession(gpu, true, cache)) {
                s.prepare(kernel, spec, "t");
                long nanos = s.drainEvents().stream().filter(e -> e.kind() == DeviceEvent.Kind.COMPILE).mapToLong(DeviceEvent::nanos).sum();
                System.out.printf(Locale.ROOT, "attendBroadcast G=4 D=128: %s %.1f ms%n", what, nanos / 1e6);
            }
        }
    }

    private static void transfers(CudaDevice gpu) {
        float[] data = new float[64 << 20];
        try (CudaSession s = new CudaSession(gpu, true)) {
            DeviceBuffer b = s.allocate(data);
            for (int round = 0; round < 3; round++) {
                s.copyIn(b, data, "in");
                s.copyOut(b, data, "out");
                s.finish();
                for (DeviceEvent e : s.drainEvents()) {
                    if (round == 2) {
                        System.out.printf(Locale.ROOT, "%s 256 MiB: %.2f ms, %.1f GB/s (device time)%n", e.kind(), e.nanos() / 1e6,
                                e.bytes() / (double) e.nanos());
                    }
                }
            }
        }
    }

    private static void attention(CudaDevice gpu, AttentionShape s, boolean causal) {
        Random r = new Random(1);
        float[] q = new float[s.qElements()];
        float[] k = new float[s.kvElements()];
        float[] v = new float[s.kvElements()];
        for (float[] a : new float[][] {q, k, v}) {
            for (int i = 0; i < a.length; i++) {
                a[i] = r.nextFloat() * 2 - 1;
            }
        }
        for (AttentionVariant variant : AttentionVariant.forCalls()) {
            Attention.Call call = Attention.call(s, q, k, v).causal(causal).variant(variant);
            float[] out = new float[s.qElements()];
            TaskGraph graph = call.graph("g", out);
            // K and V stay on the device after the first run, as a KV cache would.
            TaskGraph resident = new TaskGraph("r");
            for (TaskGraph.Step step : graph.steps()) {
                switch (step) {
                    case TaskGraph.ToDevice t -> resident.transferToDevice(DataTransferMode.FIRST_EXECUTION, t.arrays().toArray());
                    case TaskGraph.Task t -> resident.task(t.name(), t.kernel(), t.args().toArray());
                    case TaskGraph.ToHost t -> resident.transferToHost(t.mode(), t.arrays().toArray());
                }
            }
            long[] kernel = new long[7];
            try (ExecutionPlan plan = new ExecutionPlan(resident).withDevice(gpu).withProfiler()) {
                plan.execute();
                for (int i = 0; i < kernel.length; i++) {
                    ProfilerResult p = plan.execute().profilerResult();
                    kernel[i] = p.kernelNanos();
                }
            }
            Arrays.sort(kernel);
            System.out.printf(Locale.ROOT, "%-9s %s%s: kernels %.3f ms (median of %d)%n", variant, s, causal ? " causal" : "",
                    kernel[kernel.length / 2] / 1e6, kernel.length);
        }
    }
}
