package squall.tasks;

import squall.runtime.Device;
import squall.runtime.Devices;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Prints what decode costs on each device named (default: every device except jvm): Llama-3-8B
 * shapes, every layer, fp16 cache, at each context, for the variants given; and the same model as
 * MHA and MQA at the first context. Numbers only, nothing asserted: a program, not a test.
 *
 * <pre>java ... squall.tasks.DecodeMeasurement cuda:0,opencl:0 4096,16384 workgroup,broadcast</pre>
 */
public final class DecodeMeasurement {

    public static void main(String[] args) {
        List<Device> devices = args.length > 0 && !args[0].equals("all")
                ? Arrays.stream(args[0].split(",")).map(Devices::get).toList()
                : Devices.all().stream().filter(d -> !d.id().equals("jvm")).toList();
        int[] contexts = Arrays.stream((args.length > 1 ? args[1] : "4096,16384").split(",")).mapToInt(Integer::parseInt).toArray();
        List<AttentionVariant> variants = Arrays.stream((args.length > 2 ? args[2] : "workgroup,broadcast").split(","))
                .map(AttentionVariant::parse).toList();
        int steps = args.length > 3 ? Integer.parseInt(args[3]) : 8;
        ModelPreset llama = ModelPreset.byId("llama3-8b");
        ModelPreset mha = new ModelPreset("llama3-8b-mha", "Llama-3 8B as MHA", 32, 32, 32, 128);
        ModelPreset mqa = new ModelPreset("llama3-8b-mqa", "Llama-3 8B as MQA", 32, 32, 1, 128);
        for (Device device : devices) {
            Peak peak = BandwidthProbe.peak(device);
            System.out.printf(Locale.ROOT, "%s: %s, read bandwidth %.1f GB/s (set by the %s probe)%n", device.id(),
                    device.name(), peak.value(), peak.setBy().label());
            for (AttentionVariant variant : variants) {
                for (int context : contexts) {
                    measure(device, llama, context, variant, steps);
                }
                measure(device, mha, contexts[0], variant, steps);
                measure(device, mqa, contexts[0], variant, steps);
            }
        }
    }

    private static void measure(Device device, ModelPreset model, int context, AttentionVariant variant, int steps) {
        KvCache cache = KvCache.forBatch(model, model.layers(), KvDtype.FP16, 16, 1, context + steps);
        cache.fillRandom(0, context, 7);
        SplittableRandom random = new SplittableRandom(3);
        double[] ms = new double[steps - 1];
        double gbps = 0;
        int slices;
        try (DecodeGraph decode = DecodeGraph.builder(cache).device(device).variant(variant).build()) {
            slices = decode.slices();
            for (int step = 0; step < steps; step++) {
                decode.fillInputs(random.nextLong());
                StepResult r = decode.step();
                if (step > 0) {
                    ms[step - 1] = r.attentionNanos() / 1e6;
                    gbps += r.gigabytesPerSecond() / (steps - 1);
                }
            }
        }
        Arrays.sort(ms);
        System.out.printf(Locale.ROOT, "  %-16s %-9s context %6d  slices %3d  %8.3f ms/step (median)  %7.1f GB/s  KV %d MiB%n",
                model.id(), variant, context, slices, ms[ms.length / 2], gbps,
                (2L * model.layers() * (context + 1) * model.kvHeads() * model.headDim() * 2) >> 20);
    }
}
