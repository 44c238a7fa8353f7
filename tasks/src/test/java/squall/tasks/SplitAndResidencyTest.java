package squall.tasks;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import squall.kernels.ReferenceAttention;
import squall.runtime.Device;
import squall.runtime.DeviceType;
import squall.runtime.Devices;
import squall.runtime.ProfilerResult;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@Tag("opencl")
class SplitAndResidencyTest {

    private static final ModelPreset MODEL = DecodeGraphTest.GQA4;

    @Test
    void splitKvEqualsUnsplitWithinFloatRounding() {
        for (String id : TestDevices.ids()) {
            for (AttentionVariant variant : List.of(AttentionVariant.BROADCAST, AttentionVariant.WORKGROUP)) {
                float[][] outputs = new float[2][];
                int[] sliceCounts = {1, 5};
                for (int i = 0; i < 2; i++) {
                    KvCache cache = KvCache.forBatch(MODEL, MODEL.layers(), KvDtype.FP32, 16, 2, 300);
                    cache.fillRandom(0, 290, 8);
                    cache.fillRandom(1, 123, 9);
                    float[][] in = new DecodeHistory(cache).randomStep(new SplittableRandom(10));
                    try (DecodeGraph decode = DecodeGraph.builder(cache).device(Devices.get(id)).variant(variant)
                            .slices(sliceCounts[i]).build()) {
                        assertEquals(sliceCounts[i], decode.slices());
                        decode.step(in[0], in[1], in[2]);
                        outputs[i] = decode.output().clone();
                    }
                }
                double[] unsplit = new double[outputs[0].length];
                for (int i = 0; i < unsplit.length; i++) {
                    unsplit[i] = outputs[0][i];
                }
                double difference = ReferenceAttention.relativeL2Error(outputs[1], unsplit);
                assertTrue(difference < 1e-6, id + " " + variant + ": split differs from unsplit by " + difference);
            }
        }
    }

    /**
     * After the first step, a decode step sends the device only its small inputs, never the cache,
     * and the profile shows it. Needs a device with its own memory (jvm shares the host's).
     */
    @Test
    void afterTheFirstStepOnlyTheSmallInputsTravel() {
        List<Device> devices = TestDevices.all().filter(d -> d.type() != DeviceType.JVM).toList();
        Assumptions.assumeFalse(devices.isEmpty(), "no OpenCL or CUDA device here: the jvm device moves no bytes");
        for (Device device : devices) {
            KvCache cache = KvCache.forBatch(MODEL, MODEL.layers(), KvDtype.FP16, 16, 3, 200);
            for (int s = 0; s < 3; s++) {
                cache.fillRandom(s, 150, s);
            }
            long cacheBytes = 0;
            for (int l = 0; l < cache.layers(); l++) {
                cacheBytes += 4L * (cache.keys(l).length + cache.values(l).length);
            }
            int L = cache.layers(), B = 3;
            long small = 4L * (L * B * MODEL.queryHeads() * MODEL.headDim()   // q
                    + 2L * L * B * MODEL.kvHeads() * MODEL.headDim()         // new K and V
                    + B                                                      // sequence lengths
                    + B);                                                    // tokens each brings
            long outBytes = 4L * L * B * MODEL.queryHeads() * MODEL.headDim();
            DecodeHistory history = new DecodeHistory(cache);
            SplittableRandom random = new SplittableRandom(12);
            try (DecodeGraph decode = DecodeGraph.builder(cache).device(device).build()) {
                for (int step = 0; step < 4; step++) {
                    float[][] in = history.randomStep(random);
                    ProfilerResult p = decode.step(in[0], in[1], in[2]).profile();
                    // the first step also sends the cache, its block table and the one-float placeholder of ALiBi
                    // slopes and sinks (this model has neither)
                    long expectedIn = step == 0 ? small + cacheBytes + 4L * cache.blockTable().length + 4 : small;
                    assertEquals(expectedIn, p.copyInBytes(), device.id() + " step " + step + ": bytes to the device");
                    assertEquals(outBytes, p.copyOutBytes(), device.id() + " step " + step + ": bytes back");
                }
            }
        }
    }
}
