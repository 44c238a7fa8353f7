package squall.profiles;

import squall.kernels.AttentionShape;
import squall.kernels.ReferenceAttention;
import squall.runtime.Device;
import squall.runtime.Devices;
import squall.tasks.CacheGraph;
import squall.tasks.AttentionVariant;
import squall.tasks.KvCache;
import squall.tasks.ModelPreset;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Checks a device's output before it is timed: a small run of the same graph (same heads, head size,
 * KV dtype, block size, batch, variant and split-KV slices; two layers, short contexts of different
 * lengths per sequence, two steps) on the device and on the {@code jvm} device, compared by relative
 * L2 error. The jvm run itself is checked against float64 attention over the cache it wrote, so the
 * yardstick is checked too. The jvm runs are remembered per graph shape.
 */
final class OutputCheck {

    /** fp32 arithmetic against its reference: the project's bound. */
    static final double TOLERANCE = 1e-5;
    static final int LAYERS = 2;
    static final int STEPS = 2;
    /** Prefill tokens per step of the check: enough to cross a block boundary. */
    static final int PREFILL_TOKENS = 16;

    /**
     * What a check found.
     *
     * @param error   largest relative L2 error over the check's steps
     * @param against {@code jvm} or {@code float64}
     */
    record Result(double error, String against) {
        boolean passed() {
            return error < TOLERANCE; // false for NaN
        }
    }

    private record Run(List<float[]> outputs, double float64Error) {
    }

    private final Device jvm;
    private final Map<String, Run> jvmRuns = new HashMap<>();

    OutputCheck() {
        this(Devices.get("jvm"));
    }

    OutputCheck(Device jvm) {
        this.jvm = jvm;
    }

    /** Checks {@code device} on the small version of {@code workload}; throws what the device throws. */
    Result check(Device device, Workload workload, AttentionVariant variant, int slices) {
        String key = workload.key() + "/" + workload.layers() + "/" + workload.batch() + "/" + workload.dtype() + "/"
                + workload.blockSize() + "/" + variant + "/" + slices;
        Run reference = jvmRuns.get(key);
        if (reference == null) {
            reference = run(jvm, workload, variant, slices, true);
            jvmRuns.put(key, reference);
        }
        if (device.id().equals(jvm.id())) {
            return new Result(reference.float64Error(), "float64");
        }
        Run run = run(device, workload, variant, slices, false);
        double worst = 0;
        for (int step = 0; step < STEPS; step++) {
            float[] expected = reference.outputs().get(step);
            double[] asDouble = new double[expected.length];
            for (int i = 0; i < expected.length; i++) {
                asDouble[i] = expected[i];
            }
            worst = max(worst, ReferenceAttention.relativeL2Error(run.outputs().get(step), asDouble));
        }
        return new Result(worst, "jvm");
    }

    /** NaN-propagating maximum: an error that is NaN must fail the check. */
    private static double max(double a, double b) {
        return Double.isNaN(a) || Double.isNaN(b) ? Double.NaN : Math.max(a, b);
    }

    private static Run run(Device device, Workload workload, AttentionVariant variant, int slices, boolean withFloat64) {
        boolean decode = workload.phase() == Workload.Phase.DECODE;
        int tokens = decode ? 1 : Math.min(workload.tokens(), PREFILL_TOKENS);
        Workload small = new Workload(workload.phase(), workload.model(), workload.forced(), 0, tokens,
                Math.min(LAYERS, workload.layers()), workload.batch(), workload.dtype(), workload.blockSize());
        int B = small.batch(), BS = small.blockSize();
        int[] start = new int[B];
        int longest = 0;
        for (int s = 0; s < B; s++) {
            // Decode: lengths that are no multiple of the block size. A prompt prefill starts empty; its
            // second step is then chunked onto the first.
            start[s] = decode ? 37 + 13 * s : workload.context() == 0 ? 0 : 19 + 7 * s;
            longest = Math.max(longest, start[s] + STEPS * tokens);
        }
        int maxBlocks = (longest + BS - 1) / BS;
        KvCache cache = new KvCache(small.model(), small.layers(), small.dtype(), BS, B * maxBlocks, B, maxBlocks);
        for (int s = 0; s < B; s++) {
            cache.admit(start[s] + STEPS * tokens);
            cache.fillRandom(s, start[s], 1000 + s);
        }
        SplittableRandom random = new SplittableRandom(7);
        List<float[]> outputs = new ArrayList<>();
        double float64Error = 0;
        try (CacheGraph graph = small.graph(cache, device, variant, slices, false)) {
            for (int step = 0; step < STEPS; step++) {
                float[] q = uniform(random, graph.queries().length);
                float[] k = uniform(random, graph.newKeys().length);
                float[] v = uniform(random, graph.newValues().length);
                graph.step(q, k, v);
                outputs.add(graph.output().clone());
                if (withFloat64) {
                    graph.downloadCache();
                    float64Error = max(float64Error,
                            ReferenceAttention.relativeL2Error(graph.output(), float64(cache, q, tokens)));
                }
            }
        }
        return new Run(outputs, float64Error);
    }

    /**
     * Attention in float64 of {@code q [L, B, Hq, T, D]} over what the cache holds after the step (its
     * stored, rounded values): the newest {@code T} tokens attend causally.
     */
    static double[] float64(KvCache cache, float[] q, int T) {
        ModelPreset m = cache.model();
        int L = cache.layers(), B = cache.batch(), Hq = m.queryHeads(), Hkv = m.kvHeads(), D = m.headDim();
        double scale = (float) (1 / Math.sqrt(D)); // the graphs pass the scale as a float
        double[] out = new double[q.length];
        for (int l = 0; l < L; l++) {
            for (int b = 0; b < B; b++) {
                int S = cache.length(b);
                float[] k = new float[Hkv * S * D], v = new float[k.length];
                for (int h = 0; h < Hkv; h++) {
                    for (int j = 0; j < S; j++) {
                        for (int d = 0; d < D; d++) {
                            k[(h * S + j) * D + d] = cache.read(true, l, b, j, h, d);
                            v[(h * S + j) * D + d] = cache.read(false, l, b, j, h, d);
                        }
                    }
                }
                int rows = Hq * T * D;
                float[] qb = new float[rows];
                System.arraycopy(q, (l * B + b) * rows, qb, 0, rows);
                double[] ref = ReferenceAttention.attend(qb, k, v, new AttentionShape(1, Hq, Hkv, T, S, D), null, true, scale);
                System.arraycopy(ref, 0, out, (l * B + b) * rows, rows);
            }
        }
        return out;
    }

    private static float[] uniform(SplittableRandom random, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (random.nextDouble() * 4 - 2);
        }
        return x;
    }
}
