package squall.tasks;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import squall.kernels.AttentionOptions;
import squall.kernels.AttentionShape;
import squall.kernels.KvStorage;
import squall.kernels.ReferenceAttention;
import squall.runtime.Devices;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Continuous batching: sequences admitted and released between the steps of one graph, each step advancing any
 * subset of them by its own number of tokens (prompt chunks beside single decode tokens), blocks taken from a small
 * pool as sequences grow and given back when they end, and "out of blocks" leaving everything as it was. A seeded
 * random schedule of hundreds of steps, every output row of every advancing sequence judged against the float64
 * reference over the history the test keeps itself, on every device.
 */
@Tag("opencl")
class ContinuousBatchingTest {

    /** G 4, D 16, two layers: the second with a window shorter than most sequences, and a soft-cap. */
    private static final ModelPreset MODEL = new ModelPreset("ragged", "ragged batch", 2, 8, 2, 16);
    private static final List<AttentionOptions> LAYERS = List.of(AttentionOptions.NONE,
            AttentionOptions.NONE.withWindow(12).withSoftcap(30f));
    private static final KvDtype DTYPE = KvDtype.FP16;
    private static final int BLOCK = 8, POOL = 14, SLOTS = 4, BLOCKS_PER_SEQUENCE = 8;
    private static final double TOLERANCE = 1e-4;

    static Stream<Arguments> schedules() {
        List<Arguments> all = new ArrayList<>();
        for (String device : TestDevices.ids()) {
            // a prefill graph carries prompt chunks and decode tokens in one step
            all.add(Arguments.of(device, AttentionVariant.BROADCAST, 8, 1, 240));
            all.add(Arguments.of(device, AttentionVariant.GATHER, 4, 1, 60));
            all.add(Arguments.of(device, AttentionVariant.REPEAT, 4, 1, 40));
            // decode graphs: one token or none per sequence, split-KV and the work-group kernel
            all.add(Arguments.of(device, AttentionVariant.BROADCAST, 1, 2, 120));
            all.add(Arguments.of(device, AttentionVariant.WORKGROUP, 1, 2, 120));
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0} {1} tokens={2} slices={3} steps={4}")
    @MethodSource("schedules")
    void aRandomScheduleMatchesTheReferenceAtEveryStep(String device, AttentionVariant variant, int tokens, int slices,
                                                       int steps) {
        KvCache cache = new KvCache(MODEL, MODEL.layers(), DTYPE, BLOCK, POOL, SLOTS, BLOCKS_PER_SEQUENCE);
        History history = new History();
        SplittableRandom random = new SplittableRandom(31L * tokens + variant.ordinal());
        int[] prompt = new int[SLOTS];
        int outOfBlocks = 0, admitted = 0, released = 0, mixed = 0;
        try (CacheGraph graph = graph(cache, device, variant, tokens, slices)) {
            for (int step = 0; step < steps; step++) {
                String at = device + " " + variant + " step " + step;
                if (random.nextInt(10) == 0 && anyAdmitted(cache)) {
                    int slot = randomAdmitted(cache, random);
                    cache.release(slot);
                    history.clear(slot);
                    released++;
                }
                if ((random.nextInt(3) == 0 || !anyAdmitted(cache)) && cache.freeBlocks() > 0 && emptySlot(cache) >= 0) {
                    int capacity = 4 + random.nextInt(BLOCK * BLOCKS_PER_SEQUENCE - 3);
                    int slot = cache.admitOnDemand(capacity);
                    prompt[slot] = tokens == 1 ? 0 : 1 + random.nextInt(Math.min(capacity, 30));
                    admitted++;
                }
                int[] counts = counts(cache, prompt, tokens, random);
                if (Arrays.stream(counts).allMatch(c -> c == 0)) {
                    continue;
                }
                fill(graph, random);
                int[] lengths = lengths(cache), held = held(cache);
                int free = cache.freeBlocks();
                try {
                    graph.step(counts);
                } catch (OutOfBlocksException e) {
                    outOfBlocks++;
                    assertArrayEquals(lengths, lengths(cache), at + ": lengths moved");
                    assertArrayEquals(held, held(cache), at + ": blocks were taken");
                    assertEquals(free, cache.freeBlocks(), at + ": the pool changed");
                    int slot = randomAdmitted(cache, random);
                    cache.release(slot);
                    history.clear(slot);
                    released++;
                    continue;
                }
                if (Arrays.stream(counts).anyMatch(c -> c > 1) && Arrays.stream(counts).anyMatch(c -> c == 1)) {
                    mixed++;
                }
                history.append(graph, counts, tokens);
                for (int s = 0; s < SLOTS; s++) {
                    if (counts[s] > 0) {
                        prompt[s] = Math.max(0, prompt[s] - counts[s]);
                    }
                }
                assertOutput(graph, history, counts, tokens, at);
                if (step % 40 == 0) {
                    // the same step judged over what the device's cache holds, as decode --check judges it
                    double error = CacheReference.worstError(graph, cache);
                    assertTrue(error < TOLERANCE, at + ": over the cache's own rows, relative L2 " + error);
                }
            }
            assertTrue(steps < 100 || outOfBlocks > 0, "the schedule never ran the pool dry");
            assertTrue(released > 0 && admitted > SLOTS, "sequences came and went: " + admitted + " in, " + released + " out");
            assertTrue(tokens == 1 || steps < 100 || mixed > 0, "no step mixed a prompt chunk with a decode token");
            for (int s = 0; s < SLOTS; s++) {
                if (cache.isAdmitted(s)) {
                    cache.release(s);
                }
            }
            assertEquals(POOL, cache.freeBlocks(), "every block back in the pool");
        }
    }

    @Test
    void aStepAfterAReleaseReusesTheBlocksWithoutARebuild() {
        KvCache cache = new KvCache(MODEL, MODEL.layers(), DTYPE, BLOCK, 2, 2, 2);
        try (DecodeGraph decode = DecodeGraph.builder(cache).device(Devices.get("jvm")).layerOptions(LAYERS).build()) {
            IllegalStateException none = assertThrows(IllegalStateException.class, decode::step);
            assertTrue(none.getMessage().contains("no sequence is admitted"), none.getMessage());
            int a = cache.admitOnDemand(16);
            assertEquals(0, cache.heldBlocks(a), "admitted on demand: no block yet");
            decode.step();
            assertEquals(1, cache.heldBlocks(a));
            assertEquals(1, cache.length(a));
            int b = cache.admit(8);
            assertEquals(0, cache.freeBlocks());
            for (int i = 1; i < BLOCK; i++) {
                decode.step(new int[] {1, 0});
            }
            OutOfBlocksException dry = assertThrows(OutOfBlocksException.class, () -> decode.step(new int[] {1, 0}));
            assertEquals(1, dry.needed());
            assertEquals(0, dry.free());
            assertEquals(BLOCK, cache.length(a), "the failed step appended nothing");
            cache.release(b);
            decode.step(new int[] {1, 0});
            assertEquals(BLOCK + 1, cache.length(a));
            assertEquals(2, cache.heldBlocks(a), "b's block went to a");
            IllegalStateException empty = assertThrows(IllegalStateException.class, () -> decode.step(new int[] {1, 1}));
            assertTrue(empty.getMessage().startsWith("newTokens[1] = 1, but slot 1 is empty"), empty.getMessage());
            IllegalArgumentException tooMany = assertThrows(IllegalArgumentException.class,
                    () -> decode.step(new int[] {2, 0}));
            assertEquals("newTokens[0] must be in [0, 1] (the step's rows per sequence), got 2", tooMany.getMessage());
            assertThrows(IllegalArgumentException.class, () -> decode.step(new int[] {1}));
        }
    }

    @Test
    void theBlockTableGoesToTheDeviceOnlyWhenItChanged() {
        List<String> devices = TestDevices.ids().stream().filter(id -> !id.equals("jvm")).toList();
        org.junit.jupiter.api.Assumptions.assumeTrue(!devices.isEmpty(),
                "no OpenCL or CUDA device here: only jvm, whose buffers are the host arrays and copy nothing");
        for (String id : devices) {
            KvCache cache = new KvCache(MODEL, MODEL.layers(), DTYPE, BLOCK, 4, 2, 2);
            long table = 4L * cache.blockTable().length;
            try (DecodeGraph decode = DecodeGraph.builder(cache).device(Devices.get(id)).layerOptions(LAYERS).build()) {
                int a = cache.admitOnDemand(2 * BLOCK);
                decode.step();                                   // the first: everything resident goes
                long perStep = decode.step().profile().copyInBytes();
                for (int i = 2; i < BLOCK; i++) {
                    assertEquals(perStep, decode.step().profile().copyInBytes(), id + ": no new block, no table");
                }
                assertEquals(perStep + table, decode.step().profile().copyInBytes(), id + ": a's second block");
                assertEquals(perStep, decode.step().profile().copyInBytes(), id);
                cache.admit(BLOCK);
                assertEquals(perStep + table, decode.step().profile().copyInBytes(), id + ": an admission");
                cache.release(a);
                assertEquals(perStep + table, decode.step().profile().copyInBytes(), id + ": a release");
                assertEquals(perStep, decode.step().profile().copyInBytes(), id);
            }
        }
    }

    private static CacheGraph graph(KvCache cache, String device, AttentionVariant variant, int tokens, int slices) {
        if (tokens == 1) {
            return DecodeGraph.builder(cache).device(Devices.get(device)).variant(variant).slices(slices)
                    .layerOptions(LAYERS).profiling(false).build();
        }
        return PrefillGraph.builder(cache, tokens).device(Devices.get(device)).variant(variant).layerOptions(LAYERS)
                .profiling(false).build();
    }

    /**
     * Each admitted sequence, at random: sits the step out, or brings the next chunk of its prompt, or one decode
     * token; a sequence at its capacity is released first.
     */
    private static int[] counts(KvCache cache, int[] prompt, int tokens, SplittableRandom random) {
        int[] counts = new int[SLOTS];
        for (int s = 0; s < SLOTS; s++) {
            if (!cache.isAdmitted(s) || random.nextInt(4) == 0) {
                continue;
            }
            int room = cache.capacity(s) - cache.length(s);
            if (room == 0) {
                continue;
            }
            int n = prompt[s] > 0 ? Math.min(prompt[s], 1 + random.nextInt(tokens)) : 1;
            counts[s] = Math.min(n, room);
        }
        return counts;
    }

    private static void fill(CacheGraph graph, SplittableRandom random) {
        for (float[] a : new float[][] {graph.queries(), graph.newKeys(), graph.newValues()}) {
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) (random.nextDouble() * 4 - 2);
            }
        }
    }

    private static void assertOutput(CacheGraph graph, History history, int[] counts, int tokens, String at) {
        int Hq = MODEL.queryHeads(), D = MODEL.headDim();
        float[] out = graph.output(), q = graph.queries();
        for (int l = 0; l < MODEL.layers(); l++) {
            for (int s = 0; s < SLOTS; s++) {
                int n = counts[s];
                float[] qs = new float[Hq * n * D], os = new float[qs.length];
                for (int h = 0; h < Hq; h++) {
                    int row = ((l * SLOTS + s) * Hq + h) * tokens * D;
                    System.arraycopy(q, row, qs, h * n * D, n * D);
                    System.arraycopy(out, row, os, h * n * D, n * D);
                    for (int i = row + n * D; i < row + tokens * D; i++) {
                        assertEquals(0f, out[i], at + ": a row sequence " + s + " did not bring is not zero");
                    }
                }
                if (n > 0) {
                    double error = ReferenceAttention.relativeL2Error(os, history.attend(l, s, qs, n));
                    assertTrue(error < TOLERANCE, at + ", layer " + l + ", sequence " + s + " (" + n + " of "
                            + history.length(l, s) + " tokens): relative L2 " + error);
                }
            }
        }
    }

    private static boolean anyAdmitted(KvCache cache) {
        return IntStream.range(0, SLOTS).anyMatch(cache::isAdmitted);
    }

    private static int emptySlot(KvCache cache) {
        return IntStream.range(0, SLOTS).filter(s -> !cache.isAdmitted(s)).findFirst().orElse(-1);
    }

    private static int randomAdmitted(KvCache cache, SplittableRandom random) {
        int[] admitted = IntStream.range(0, SLOTS).filter(cache::isAdmitted).toArray();
        return admitted[random.nextInt(admitted.length)];
    }

    private static int[] lengths(KvCache cache) {
        return IntStream.range(0, SLOTS).map(cache::length).toArray();
    }

    private static int[] held(KvCache cache) {
        return IntStream.range(0, SLOTS).map(cache::heldBlocks).toArray();
    }

    /** Each (layer, slot)'s K and V rows so far, {@code [Hkv * D]} per token, rounded as the cache stores them. */
    private static final class History {
        private final List<List<float[]>> keys = new ArrayList<>(), values = new ArrayList<>();

        History() {
            for (int i = 0; i < MODEL.layers() * SLOTS; i++) {
                keys.add(new ArrayList<>());
                values.add(new ArrayList<>());
            }
        }

        void clear(int slot) {
            for (int l = 0; l < MODEL.layers(); l++) {
                keys.get(l * SLOTS + slot).clear();
                values.get(l * SLOTS + slot).clear();
            }
        }

        int length(int layer, int slot) {
            return keys.get(layer * SLOTS + slot).size();
        }

        /** The rows the step appended: the first {@code counts[s]} of each sequence's {@code tokens}. */
        void append(CacheGraph graph, int[] counts, int tokens) {
            int Hkv = MODEL.kvHeads(), D = MODEL.headDim();
            for (int l = 0; l < MODEL.layers(); l++) {
                for (int s = 0; s < SLOTS; s++) {
                    for (int t = 0; t < counts[s]; t++) {
                        float[] k = new float[Hkv * D], v = new float[k.length];
                        for (int h = 0; h < Hkv; h++) {
                            int from = (((l * SLOTS + s) * Hkv + h) * tokens + t) * D;
                            System.arraycopy(graph.newKeys(), from, k, h * D, D);
                            System.arraycopy(graph.newValues(), from, v, h * D, D);
                            KvStorage.roundRow(k, h * D, D, DTYPE.storage());
                            KvStorage.roundRow(v, h * D, D, DTYPE.storage());
                        }
                        keys.get(l * SLOTS + s).add(k);
                        values.get(l * SLOTS + s).add(v);
                    }
                }
            }
        }

        /** float64 attention of {@code q [Hq, n, D]}, the sequence's last n tokens, over its history. */
        double[] attend(int layer, int slot, float[] q, int n) {
            int Hkv = MODEL.kvHeads(), D = MODEL.headDim();
            List<float[]> ks = keys.get(layer * SLOTS + slot), vs = values.get(layer * SLOTS + slot);
            int S = ks.size();
            float[] k = new float[Hkv * S * D], v = new float[k.length];
            for (int h = 0; h < Hkv; h++) {
                for (int j = 0; j < S; j++) {
                    System.arraycopy(ks.get(j), h * D, k, (h * S + j) * D, D);
                    System.arraycopy(vs.get(j), h * D, v, (h * S + j) * D, D);
                }
            }
            return ReferenceAttention.attend(q, k, v, new AttentionShape(1, MODEL.queryHeads(), Hkv, n, S, D), null,
                    true, (float) (1 / Math.sqrt(D)), LAYERS.get(layer));
        }
    }
}
