package squall.tasks;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import squall.kernels.ReferenceAttention;
import squall.runtime.Device;
import squall.runtime.DeviceSession;
import squall.runtime.Devices;
import squall.runtime.ForwardingDevice;
import squall.runtime.Launch;

import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a decode graph and its cache promise callers: both step methods check their inputs, a graph is used by one
 * thread at a time and a cache by one open graph, and the block table the kernels trust is the cache's alone.
 */
@Tag("opencl")
class GraphContractTest {

    private static final ModelPreset MODEL = DecodeGraphTest.GQA4;

    private static KvCache cache() {
        KvCache cache = KvCache.forBatch(MODEL, MODEL.layers(), KvDtype.FP32, 4, 2, 14);
        cache.fillRandom(0, 10, 1);
        cache.fillRandom(1, 7, 2);
        return cache;
    }

    private static void fill(DecodeGraph decode, float[][] in) {
        System.arraycopy(in[0], 0, decode.queries(), 0, in[0].length);
        System.arraycopy(in[1], 0, decode.newKeys(), 0, in[1].length);
        System.arraycopy(in[2], 0, decode.newValues(), 0, in[2].length);
    }

    private static void assertAttends(DecodeGraph decode, DecodeHistory history, float[] q, String where) {
        double error = ReferenceAttention.relativeL2Error(decode.output(), history.attend(q));
        assertTrue(error < 1e-5, where + ": relative error " + error);
    }

    @Test
    void theStepWithoutArgumentsChecksItsInputsAsTheOtherDoes() {
        for (String id : TestDevices.ids()) {
            KvCache cache = cache();
            DecodeHistory history = new DecodeHistory(cache);
            try (DecodeGraph decode = DecodeGraph.builder(cache).device(Devices.get(id)).build()) {
                float[][] in = history.randomStep(new SplittableRandom(3));
                fill(decode, in);
                decode.newKeys()[5] = Float.NaN;
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, decode::step, id);
                assertEquals("newKeys() has a non-finite value (NaN) at [layer 0, sequence 0, head 0, 5]", e.getMessage());
                decode.queries()[7] = Float.POSITIVE_INFINITY;
                decode.newKeys()[5] = in[1][5];
                e = assertThrows(IllegalArgumentException.class, decode::step, id);
                assertTrue(e.getMessage().startsWith("queries() has a non-finite value (Infinity)"), e.getMessage());
                assertEquals(10, cache.length(0), id + ": nothing was appended");

                // the NaN never reached the cache: the next steps attend to clean rows
                decode.queries()[7] = in[0][7];
                decode.step();
                history.append(in[1], in[2], true);
                assertAttends(decode, history, in[0], id);
                float[][] next = history.randomStep(new SplittableRandom(4));
                fill(decode, next);
                decode.step();
                history.append(next[1], next[2], true);
                assertAttends(decode, history, next[0], id);
            }
        }
    }

    /** A jvm device whose first launch waits inside the step until the test lets it go on. */
    static final class Gate extends ForwardingDevice {
        final CountDownLatch inside = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        Gate(Device device) {
            super(device);
        }

        @Override
        protected DeviceSession wrap(DeviceSession session) {
            return new Session(this, session) {
                @Override
                public void launch(Launch launch) {
                    if (inside.getCount() > 0) {
                        inside.countDown();
                        try {
                            assertTrue(release.await(60, TimeUnit.SECONDS));
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    }
                    super.launch(launch);
                }
            };
        }
    }

    @Test
    void aSecondThreadFailsAtOnceWhileAStepRunsAndTheStepIsUndisturbed() throws Exception {
        KvCache cache = cache();
        DecodeHistory history = new DecodeHistory(cache);
        Gate gate = new Gate(Devices.get("jvm"));
        ExecutorService stepper = Executors.newSingleThreadExecutor(r -> new Thread(r, "first-stepper"));
        try (DecodeGraph decode = DecodeGraph.builder(cache).device(gate).variant(AttentionVariant.BROADCAST).slices(1).build()) {
            float[][] in = history.randomStep(new SplittableRandom(5));
            Future<StepResult> first = stepper.submit(() -> decode.step(in[0], in[1], in[2]));
            assertTrue(gate.inside.await(60, TimeUnit.SECONDS), "the first step reached the device");

            float[][] other = history.randomStep(new SplittableRandom(6));
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> decode.step(other[0], other[1], other[2]));
            assertTrue(e.getMessage().startsWith("step(q, kNew, vNew) on thread '" + Thread.currentThread().getName()
                    + "' while thread 'first-stepper' is inside step(q, kNew, vNew) of this decode graph"), e.getMessage());
            assertThrows(IllegalStateException.class, decode::step);
            assertThrows(IllegalStateException.class, decode::downloadCache);
            assertThrows(IllegalStateException.class, decode::close);

            gate.release.countDown();
            first.get(60, TimeUnit.SECONDS);
            history.append(in[1], in[2], true);
            assertAttends(decode, history, in[0], "the first thread's step");
            assertEquals(11, cache.length(0));
        } finally {
            stepper.shutdownNow();
        }
    }

    @Test
    void aCacheBelongsToOneOpenGraphAtATime() {
        KvCache cache = cache();
        Device jvm = Devices.get("jvm");
        try (DecodeGraph first = DecodeGraph.builder(cache).device(jvm).build()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> DecodeGraph.builder(cache).device(jvm).build());
            assertTrue(e.getMessage().startsWith("this KvCache already belongs to an open decode graph"), e.getMessage());
            assertThrows(IllegalStateException.class, () -> PrefillGraph.builder(cache, 2).device(jvm).build());
            assertThrows(IllegalStateException.class, () -> cache.fillRandom(0, 3, 9));
            first.fillInputs(1);
            first.step();
        }
        DecodeHistory history = new DecodeHistory(cache);
        try (DecodeGraph second = DecodeGraph.builder(cache).device(jvm).build()) {
            float[][] in = history.randomStep(new SplittableRandom(7));
            second.step(in[0], in[1], in[2]);
            history.append(in[1], in[2], true);
            assertAttends(second, history, in[0], "once the first graph is closed");
        }
    }

    @Test
    void theBlockTableTheKernelsTrustCannotBeChangedFromOutside() {
        for (String id : TestDevices.ids()) {
            KvCache cache = cache();
            DecodeHistory history = new DecodeHistory(cache);
            int[] table = cache.blockTable();
            int first = table[0];
            table[0] = 1_000_000;   // past the cache: an out-of-range read on a device
            assertEquals(first, cache.blockTable()[0], "the cache's table is its own");
            try (DecodeGraph decode = DecodeGraph.builder(cache).device(Devices.get(id)).build()) {
                float[][] in = history.randomStep(new SplittableRandom(8));
                decode.step(in[0], in[1], in[2]);
                history.append(in[1], in[2], true);
                assertAttends(decode, history, in[0], id);
            }
        }
    }
}
