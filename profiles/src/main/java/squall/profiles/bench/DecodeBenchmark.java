package squall.profiles.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import squall.kernels.AttentionShape;
import squall.runtime.DataTransferMode;
import squall.runtime.Devices;
import squall.runtime.ExecutionPlan;
import squall.runtime.TaskGraph;
import squall.tasks.Attention;

import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Single-token decode: one new query token of Hq = 32 heads, D = 128, attends to S cached keys of
 * Hkv heads, batch 1, on one device and variant. The K/V cache is resident on the device
 * ({@code FIRST_EXECUTION}); each call sends the query and brings back the output, as a decode step does.
 *
 * <p>To measure memory rather than the last-level cache, the benchmark holds {@code layers} separate
 * caches and attends to each in turn within one operation, as a model's decode step does: choose
 * {@code layers} so that {@code layers x 2 x Hkv x S x D x 4} bytes is well past the LLC. One operation
 * is one call per layer; divide by {@code layers} for the time of one call.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 4, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx12g", "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
public class DecodeBenchmark {

    @Param({"jvm"})
    public String device;

    @Param({"broadcast", "gather", "repeat"})
    public String variant;

    @Param({"32", "8", "1"})
    public int kvHeads;

    @Param({"4096", "16384"})
    public int context;

    /** Separate KV caches attended to in one operation; 1 measures a single call (maybe from cache). */
    @Param({"1"})
    public int layers;

    private ExecutionPlan plan;

    @Setup(Level.Trial)
    public void setUp() {
        AttentionShape shape = new AttentionShape(1, 32, kvHeads, 1, context, 128);
        Random random = new Random(42);
        float[] q = gaussian(random, shape.qElements());
        TaskGraph[] graphs = new TaskGraph[layers];
        for (int layer = 0; layer < layers; layer++) {
            float[] k = gaussian(random, shape.kvElements());
            float[] v = gaussian(random, shape.kvElements());
            float[] out = new float[shape.qElements()];
            Attention.Call call = Attention.call(shape, q, k, v).variant(Attention.Variant.parse(variant));
            graphs[layer] = residentKv(call, "layer" + layer, out, k, v);
        }
        plan = new ExecutionPlan(graphs).withDevice(Devices.get(device));
        plan.execute(); // compile, and copy the caches in
    }

    /** The call's graph with K and V kept on the device: only q goes in and out comes back per call. */
    static TaskGraph residentKv(Attention.Call call, String name, float[] out, float[] k, float[] v) {
        TaskGraph resident = new TaskGraph(name).transferToDevice(DataTransferMode.FIRST_EXECUTION, k, v);
        TaskGraph graph = call.graph(name, out);
        for (TaskGraph.Step step : graph.steps()) {
            switch (step) {
                case TaskGraph.ToDevice t -> {
                    Object[] perCall = t.arrays().stream().filter(a -> a != k && a != v).toArray();
                    if (perCall.length > 0) {
                        resident.transferToDevice(t.mode(), perCall);
                    }
                }
                case TaskGraph.Task t -> resident.task(name + "_" + t.name(), t.kernel(), t.argArray());
                case TaskGraph.ToHost t -> resident.transferToHost(t.mode(), t.arrays().toArray());
            }
        }
        return resident;
    }

    @Benchmark
    public void decodeStep() {
        plan.execute();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        plan.close();
    }

    private static float[] gaussian(Random random, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) random.nextGaussian();
        }
        return x;
    }
}
