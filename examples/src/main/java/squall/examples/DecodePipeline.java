package squall.examples;

import squall.runtime.Device;
import squall.runtime.Devices;
import squall.tasks.DecodeGraph;
import squall.tasks.KvCache;
import squall.tasks.KvDtype;
import squall.tasks.ModelPreset;
import squall.tasks.StepResult;

import java.util.Random;

/** Decode steps of Llama-3-8B against a paged fp16 KV cache that stays on the device. */
public final class DecodePipeline {

    public static void main(String[] args) {
        Device device = args.length > 0 ? Devices.get(args[0]) : Devices.defaultDevice();
        int context = args.length > 1 ? Integer.parseInt(args[1]) : 4096;
        int steps = args.length > 2 ? Integer.parseInt(args[2]) : 64;

        ModelPreset llama = ModelPreset.byId("llama3-8b");                       // 32 layers, Hq 32, Hkv 8, D 128
        KvCache cache = KvCache.forBatch(llama, llama.layers(), KvDtype.FP16, 16, 1, context + steps);
        cache.fillRandom(0, context, 42);                                        // a context of random K/V

        try (DecodeGraph decode = DecodeGraph.builder(cache).device(device).build()) {
            Random random = new Random(1);
            for (int step = 0; step < steps; step++) {
                float[] q = decode.queries(), k = decode.newKeys(), v = decode.newValues();
                for (float[] a : new float[][] {q, k, v}) {                      // [layers, batch, heads, D]
                    for (int i = 0; i < a.length; i++) a[i] = (float) random.nextGaussian();
                }
                StepResult r = decode.step();                                    // append, attend: all layers
                System.out.printf("step %d: %.2f ms, %.1f GB/s%n", step, r.attentionNanos() / 1e6,
                        r.gigabytesPerSecond());
            }
            float[] out = decode.output();                                       // [layers, batch, Hq, D]
            System.out.printf("last step, layer 0, head 0: %.6f %.6f %.6f %.6f%n", out[0], out[1], out[2], out[3]);
        }
    }
}
