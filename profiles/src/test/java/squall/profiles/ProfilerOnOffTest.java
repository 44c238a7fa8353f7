package squall.profiles;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import squall.runtime.Device;
import squall.runtime.Devices;
import squall.tasks.AttentionVariant;
import squall.tasks.DecodeGraph;
import squall.tasks.KvCache;
import squall.tasks.KvDtype;
import squall.tasks.StepResult;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import org.junit.jupiter.params.provider.Arguments;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

/** Profiling observes and changes nothing: the same steps with the profiler on and off give the same bits. */
@Tag("opencl")
class ProfilerOnOffTest {

    static Stream<Arguments> devicesAndVariants() {
        List<Arguments> all = new ArrayList<>();
        for (Device d : Devices.all()) {
            for (AttentionVariant v : List.of(AttentionVariant.BROADCAST, AttentionVariant.WORKGROUP)) {
                all.add(Arguments.of(d.id(), v));
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("devicesAndVariants")
    void outputsAreIdentical(String deviceId, AttentionVariant variant) {
        Device device = Devices.get(deviceId);
        List<float[]> on = run(device, variant, true);
        List<float[]> off = run(device, variant, false);
        for (int step = 0; step < on.size(); step++) {
            assertArrayEquals(on.get(step), off.get(step), "step " + step + " differs with the profiler on");
        }
    }

    private static List<float[]> run(Device device, AttentionVariant variant, boolean profiling) {
        KvCache cache = KvCache.forBatch(ProfilerConsistencyTest.MODEL, 2, KvDtype.FP16, 16, 2, 80);
        cache.fillRandom(0, 33, 1);
        cache.fillRandom(1, 50, 2);
        SplittableRandom random = new SplittableRandom(3);
        List<float[]> outputs = new ArrayList<>();
        // two slices: the combine step runs too
        try (DecodeGraph decode = DecodeGraph.builder(cache).device(device).variant(variant).slices(2)
                .profiling(profiling).build()) {
            for (int step = 0; step < 3; step++) {
                decode.fillInputs(random.nextLong());
                StepResult r = decode.step();
                if (profiling) {
                    assertNotNull(r.profile());
                } else {
                    assertNull(r.profile());
                }
                outputs.add(decode.output().clone());
            }
        }
        return outputs;
    }
}
