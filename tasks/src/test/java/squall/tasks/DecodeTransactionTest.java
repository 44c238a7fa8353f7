package squall.tasks;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import squall.kernels.ReferenceAttention;
import squall.runtime.Device;
import squall.runtime.Devices;
import squall.runtime.KernelLaunchException;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A failed decode step leaves the cache and its lengths exactly as before the step, on every device. */
@Tag("opencl")
class DecodeTransactionTest {

    private static final ModelPreset MODEL = DecodeGraphTest.GQA4;

    private static KvCache cache(int extra) {
        KvCache cache = KvCache.forBatch(MODEL, MODEL.layers(), KvDtype.FP32, 4, 2, 10 + extra);
        cache.fillRandom(0, 10, 1);
        cache.fillRandom(1, 7, 2);
        return cache;
    }

    /** Every valid value of the cache (host copy), in a fixed order. */
    private static float[] validContents(KvCache cache) {
        int n = 0;
        for (int s = 0; s < cache.batch(); s++) {
            n += cache.length(s);
        }
        float[] all = new float[2 * cache.layers() * n * MODEL.kvHeads() * MODEL.headDim()];
        int i = 0;
        for (int l = 0; l < cache.layers(); l++) {
            for (int s = 0; s < cache.batch(); s++) {
                for (int j = 0; j < cache.length(s); j++) {
                    for (int h = 0; h < MODEL.kvHeads(); h++) {
                        for (int d = 0; d < MODEL.headDim(); d++) {
                            all[i++] = cache.read(true, l, s, j, h, d);
                            all[i++] = cache.read(false, l, s, j, h, d);
                        }
                    }
                }
            }
        }
        return all;
    }

    @Test
    void badInputIsRejectedBeforeAnythingReachesTheDevice() {
        for (String id : TestDevices.ids()) {
            KvCache cache = cache(4);
            DecodeHistory history = new DecodeHistory(cache);
            try (DecodeGraph decode = DecodeGraph.builder(cache).device(Devices.get(id)).build()) {
                float[][] in = history.randomStep(new SplittableRandom(3));
                decode.step(in[0], in[1], in[2]);
                decode.downloadCache();
                float[] before = validContents(cache);

                float[][] bad = history.randomStep(new SplittableRandom(4));
                bad[1][5] = Float.NaN;
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> decode.step(bad[0], bad[1], bad[2]));
                assertEquals("kNew has a non-finite value (NaN) at [layer 0, sequence 0, head 0, 5]", e.getMessage());
                e = assertThrows(IllegalArgumentException.class, () -> decode.step(new float[3], bad[1], bad[2]));
                assertTrue(e.getMessage().startsWith("q must hold 2 x 2 x 8 x 32 = 1024 floats [layers, batch, Hq, D]"),
                        e.getMessage());

                assertEquals(11, cache.length(0), id);
                assertEquals(8, cache.length(1), id);
                decode.downloadCache();
                assertArrayEquals(before, validContents(cache), id + ": the cache changed");
            }
        }
    }

    @Test
    void aSequenceAtCapacityStopsTheStep() {
        KvCache cache = cache(2);
        DecodeHistory history = new DecodeHistory(cache);
        SplittableRandom random = new SplittableRandom(5);
        try (DecodeGraph decode = DecodeGraph.builder(cache).device(Devices.get("jvm")).build()) {
            for (int step = 0; step < 2; step++) {
                float[][] in = history.randomStep(random);
                decode.step(in[0], in[1], in[2]);
            }
            float[][] in = history.randomStep(random);
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> decode.step(in[0], in[1], in[2]));
            assertEquals("sequence 0: 13 tokens would exceed its capacity of 12", e.getMessage());
            assertEquals(12, cache.length(0));
            assertEquals(9, cache.length(1));
        }
    }

    @Test
    void aDeviceErrorAfterSomeAppendsLeavesTheCacheAsItWas() {
        for (String id : TestDevices.ids()) {
            KvCache cache = cache(4);
            DecodeHistory history = new DecodeHistory(cache);
            SplittableRandom random = new SplittableRandom(6);
            // attend1 fails after append0, attend0 and append1 have written their rows
            FailingDevice device = new FailingDevice(Devices.get(id), "attend1");
            try (DecodeGraph decode = DecodeGraph.builder(cache).device(device).variant(AttentionVariant.BROADCAST)
                    .slices(1).build()) {
                float[][] first = history.randomStep(random);
                decode.step(first[0], first[1], first[2]);
                history.append(first[1], first[2], true);
                decode.downloadCache();
                float[] before = validContents(cache);

                device.failing = true;
                float[][] failed = history.randomStep(random);
                assertThrows(KernelLaunchException.class, () -> decode.step(failed[0], failed[1], failed[2]));
                assertEquals(11, cache.length(0), id);
                assertEquals(8, cache.length(1), id);
                decode.downloadCache();
                assertArrayEquals(before, validContents(cache), id + ": valid rows changed");

                // the next step appends where the failed one tried to, and attends to the right history
                device.failing = false;
                float[][] next = history.randomStep(random);
                decode.step(next[0], next[1], next[2]);
                history.append(next[1], next[2], true);
                double error = ReferenceAttention.relativeL2Error(decode.output(), history.attend(next[0]));
                assertTrue(error < 1e-5, id + ": " + error);
            }
        }
    }

    @Test
    void unknownSequencesAndAFullPoolAreReported() {
        KvCache cache = new KvCache(MODEL, 1, KvDtype.FP32, 16, 5, 2, 4);
        cache.admit(20);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> cache.release(1));
        assertEquals("unknown sequence 1; admitted: [0]", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new KvCache(MODEL, 1, KvDtype.FP32, 0, 8, 2, 4));
        OutOfBlocksException full = assertThrows(OutOfBlocksException.class, () -> cache.admit(64));
        assertEquals("out of blocks: admitting 64 tokens in sequence 1 needs 4 more blocks of 16 tokens, and the pool"
                + " has 3 free; release a sequence, or make the cache with more blocks", full.getMessage());
        assertEquals(3, cache.freeBlocks(), "a refused admission takes no block");
        assertFalse(cache.isAdmitted(1));
        e = assertThrows(IllegalArgumentException.class, () -> cache.admit(65));
        assertEquals("capacity of 65 tokens needs 5 blocks of 16; a sequence may have 4", e.getMessage());
    }
}
