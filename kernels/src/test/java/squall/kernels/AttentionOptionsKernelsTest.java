package squall.kernels;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every attention kernel, called as plain Java, with random {@link AttentionOptions} against the float64 reference:
 * the contiguous kernels (broadcast, gather with a custom map, repeat) and the paged ones (broadcast with split-KV,
 * gather, repeat) over blocks of any size in scrambled order, in every stored type, int8 included. Query tiles, key
 * tiles, blocks and slices are drawn so that windows start inside tiles, tiles span blocks, and slices fall in and out
 * of the window.
 */
class AttentionOptionsKernelsTest {

    private static final double TOLERANCE = 1e-5;
    private static final int[] DTYPES = {KvStorage.FP32, KvStorage.FP16, KvStorage.BF16, KvStorage.INT8};

    private static float[] gaussian(SplittableRandom random, int n, double sigma) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) (random.nextGaussian() * sigma);
        }
        return x;
    }

    private static int[] bits(float[] x) {
        int[] b = new int[x.length];
        for (int i = 0; i < x.length; i++) {
            b[i] = Float.floatToRawIntBits(x[i]);
        }
        return b;
    }

    /** Random options for {@code Hq} heads: each feature present half the time. */
    private static AttentionOptions options(SplittableRandom random, int Hq, int S) {
        AttentionOptions o = AttentionOptions.NONE;
        if (random.nextBoolean()) {
            o = o.withWindow(1 + random.nextInt(Math.max(1, S)));
        }
        if (random.nextBoolean()) {
            o = o.withSoftcap((float) (1 + random.nextDouble() * 10));
        }
        if (random.nextBoolean()) {
            o = o.withAlibiSlopes(AttentionOptions.alibiSlopes(Hq));
        }
        if (random.nextBoolean()) {
            o = o.withSinks(gaussian(random, Hq, 2));
        }
        return o;
    }

    private static float[] orNone(float[] a) {
        return a == null ? new float[1] : a;
    }

    @Test
    void contiguousKernelsFollowTheReference() {
        SplittableRandom random = new SplittableRandom(21);
        for (int trial = 0; trial < 150; trial++) {
            int B = 1 + random.nextInt(2), Hkv = 1 + random.nextInt(3), G = 1 + random.nextInt(4);
            int D = 1 + random.nextInt(20), S = 1 + random.nextInt(80);
            int Tq = switch (random.nextInt(3)) {
                case 0 -> 1;
                case 1 -> S;
                default -> 1 + random.nextInt(S);
            };
            boolean causal = Tq == 1 ? random.nextBoolean() : true;   // a window needs the causal mask for Tq > 1
            AttentionShape s = new AttentionShape(B, Hkv * G, Hkv, Tq, S, D);
            AttentionOptions o = options(random, s.Hq(), S);
            float[] q = gaussian(random, s.qElements(), 2), k = gaussian(random, s.kvElements(), 1);
            float[] v = gaussian(random, s.kvElements(), 1);
            float scale = s.defaultScale();
            String what = s + (causal ? " causal" : "") + ", " + o;
            double[] ref = ReferenceAttention.attend(q, k, v, s, null, causal, scale, o);
            int[] blockTable = new int[B];
            for (int b = 0; b < B; b++) {
                blockTable[b] = b;
            }
            int queries = 1 + random.nextInt(4), block = 1 + random.nextInt(20);
            float[] slopes = orNone(o.alibiSlopes()), sinks = orNone(o.sinks());

            float[] broadcast = new float[s.qElements()];
            AttentionKernels.attendBroadcast(q, bits(k), bits(v), blockTable, broadcast, slopes, sinks, B, Hkv, G, Tq, S, D,
                    scale, causal, queries, block, o.flags(), o.window(), o.softcap());
            assertClose(broadcast, ref, "broadcast " + what + ", " + queries + " queries, tiles of " + block);

            // A custom map reaches the same heads in another order: the reference with that map.
            int[] map = new int[s.Hq()];
            for (int h = 0; h < s.Hq(); h++) {
                map[h] = random.nextInt(Hkv);
            }
            float[] gather = new float[s.qElements()];
            AttentionKernels.attendGather(q, bits(k), bits(v), blockTable, map, gather, slopes, sinks, B, s.Hq(), Hkv, Tq, S,
                    D, scale, causal, block, o.flags(), o.window(), o.softcap());
            assertClose(gather, ReferenceAttention.attend(q, k, v, s, map, causal, scale, o), "gather " + what);

            int[] kRep = new int[B * s.Hq() * S * D], vRep = new int[kRep.length];
            AttentionKernels.repeatKv(bits(k), bits(v), s.groupedKvMap(), kRep, vRep, B, s.Hq(), Hkv, S, D);
            float[] repeat = new float[s.qElements()];
            AttentionKernels.attendBroadcast(q, kRep, vRep, blockTable, repeat, slopes, sinks, B, s.Hq(), 1, Tq, S, D, scale,
                    causal, queries, block, o.flags(), o.window(), o.softcap());
            assertClose(repeat, ref, "repeat " + what);
        }
    }

    @Test
    void pagedKernelsFollowTheReferenceInEveryStoredType() {
        SplittableRandom random = new SplittableRandom(22);
        for (int trial = 0; trial < 120; trial++) {
            int dtype = DTYPES[trial % DTYPES.length];
            int B = 1 + random.nextInt(3), Hkv = 1 + random.nextInt(2), G = 1 + random.nextInt(4);
            int D = 4 * (1 + random.nextInt(6)), BS = 1 + random.nextInt(12);
            int Tq = random.nextBoolean() ? 1 : 1 + random.nextInt(6);
            int[] lengths = new int[B];
            int longest = 0;
            for (int b = 0; b < B; b++) {
                lengths[b] = Tq + random.nextInt(70);
                longest = Math.max(longest, lengths[b]);
            }
            int Hq = Hkv * G;
            AttentionOptions o = options(random, Hq, longest);
            Paged cache = new Paged(random, B, Hkv, D, BS, lengths, dtype);
            float[] q = gaussian(random, B * Hq * Tq * D, 2);
            float scale = (float) (1 / Math.sqrt(D));
            double[] ref = cache.reference(q, Hq, Tq, scale, o);
            float[] slopes = orNone(o.alibiSlopes()), sinks = orNone(o.sinks());
            String what = "B=" + B + " Hkv=" + Hkv + " G=" + G + " D=" + D + " BS=" + BS + " Tq=" + Tq + " dtype "
                    + dtype + ", " + o;

            int slices = 1 + random.nextInt(4), queries = 1 + random.nextInt(4), tile = 1 + random.nextInt(20);
            float[] out = new float[q.length];
            float[] partials = new float[B * Hq * Tq * slices * (D + 2)];
            int[] allTq = new int[B];
            java.util.Arrays.fill(allTq, Tq);
            PagedAttentionKernels.attendPaged(q, cache.k, cache.v, cache.table, lengths, allTq, out, partials, slopes, sinks, B,
                    Hkv, G, Tq, D, BS, cache.maxBlocks, scale, slices, queries, tile, dtype, o.flags(), o.window(),
                    o.softcap(), 0);
            if (slices > 1) {
                SplitKv.combineSlices(partials, out, B * Hq * Tq, slices, D, 0);
            }
            assertClose(out, ref, "paged broadcast " + what + ", " + slices + " slices, " + queries + " queries, tiles of "
                    + tile);

            float[] gather = new float[q.length];
            PagedAttentionKernels.attendPagedGather(q, cache.k, cache.v, cache.table, lengths, allTq, gather, slopes, sinks, B,
                    Hkv, G, Tq, D, BS, cache.maxBlocks, scale, tile, dtype, o.flags(), o.window(), o.softcap(), 0);
            assertClose(gather, ref, "paged gather " + what);

            int[] kRep = new int[cache.numBlocks * Hq * BS * D], vRep = new int[kRep.length];
            PagedAttentionKernels.repeatKv(cache.k, cache.v, kRep, vRep, cache.table, lengths, B, Hkv, G, D, BS,
                    cache.maxBlocks, dtype);
            float[] repeat = new float[q.length];
            PagedAttentionKernels.attendPaged(q, kRep, vRep, cache.table, lengths, allTq, repeat, new float[1], slopes, sinks, B,
                    Hq, 1, Tq, D, BS, cache.maxBlocks, scale, 1, queries, tile, KvStorage.FP32, o.flags(), o.window(),
                    o.softcap(), 0);
            assertClose(repeat, ref, "paged repeat " + what);
        }
    }

    private static void assertClose(float[] out, double[] ref, String what) {
        double error = ReferenceAttention.relativeL2Error(out, ref);
        assertTrue(error < TOLERANCE, what + ": relative L2 error " + error);
    }

    /** A paged cache of {@code B} sequences filled row by row as appendKv stores them, blocks in scrambled order. */
    private static final class Paged {
        final int B, Hkv, D, BS, maxBlocks, numBlocks, dtype;
        final int[] lengths, table, k, v;
        /** What the cache holds, per sequence: {@code [Hkv, length, D]}. */
        final List<float[]> keys = new ArrayList<>(), values = new ArrayList<>();

        Paged(SplittableRandom random, int B, int Hkv, int D, int BS, int[] lengths, int dtype) {
            this.B = B;
            this.Hkv = Hkv;
            this.D = D;
            this.BS = BS;
            this.lengths = lengths;
            this.dtype = dtype;
            int longest = 0, used = 0;
            for (int length : lengths) {
                longest = Math.max(longest, length);
                used += (length + BS - 1) / BS;
            }
            maxBlocks = (longest + BS - 1) / BS;
            numBlocks = used + 2;
            List<Integer> physical = new ArrayList<>();
            for (int i = 0; i < numBlocks; i++) {
                physical.add(i);
            }
            Collections.shuffle(physical, new java.util.Random(random.nextLong()));
            table = new int[B * maxBlocks];
            int ints = KvStorage.ints(numBlocks * KvStorage.blockElements(Hkv, BS, D, dtype), dtype);
            k = new int[ints];
            v = new int[ints];
            int next = 0;
            for (int b = 0; b < B; b++) {
                for (int p = 0; p < (lengths[b] + BS - 1) / BS; p++) {
                    table[b * maxBlocks + p] = physical.get(next++);
                }
                float[] kb = gaussian(random, Hkv * lengths[b] * D, 1), vb = gaussian(random, kb.length, 1);
                for (int h = 0; h < Hkv; h++) {
                    for (int j = 0; j < lengths[b]; j++) {
                        int from = (h * lengths[b] + j) * D;
                        int row = KvStorage.rowOffset(table, b * maxBlocks, j, Hkv, h, BS, D, dtype);
                        int word = dtype == KvStorage.INT8 ? KvStorage.scaleWord(table, b * maxBlocks, j, Hkv, h, BS, D) : 0;
                        KvStorage.storeRow(kb, from, k, row, word, D, dtype);
                        KvStorage.storeRow(vb, from, v, row, word, D, dtype);
                        KvStorage.roundRow(kb, from, D, dtype);
                        KvStorage.roundRow(vb, from, D, dtype);
                    }
                }
                keys.add(kb);
                values.add(vb);
            }
        }

        /** The reference output {@code [B, Hq, Tq, D]}: each sequence's last Tq tokens attend causally. */
        double[] reference(float[] q, int Hq, int Tq, float scale, AttentionOptions o) {
            double[] out = new double[B * Hq * Tq * D];
            for (int b = 0; b < B; b++) {
                AttentionShape s = new AttentionShape(1, Hq, Hkv, Tq, lengths[b], D);
                float[] qb = new float[Hq * Tq * D];
                System.arraycopy(q, b * qb.length, qb, 0, qb.length);
                double[] ref = ReferenceAttention.attend(qb, keys.get(b), values.get(b), s, null, true, scale, o);
                System.arraycopy(ref, 0, out, b * ref.length, ref.length);
            }
            return out;
        }
    }

    @Test
    void int8RowsKeepTheirLargestValueExactlyAndTheRestWithinHalfAStep() {
        SplittableRandom random = new SplittableRandom(23);
        int D = 64;
        float[] row = gaussian(random, D, 3);
        row[17] = -9.5f;   // the largest magnitude, negative
        int[] table = {0};
        int[] cache = new int[KvStorage.ints(KvStorage.blockElements(1, 1, D, KvStorage.INT8), KvStorage.INT8)];
        KvStorage.storeRow(row, 0, cache, 0, KvStorage.scaleWord(table, 0, 0, 1, 0, 1, D), D, KvStorage.INT8);
        float scale = KvStorage.scale(cache, D / 4);
        assertEquals(9.5f / 127, scale);
        assertEquals(-127f, KvStorage.load(cache, 17, KvStorage.INT8));
        float[] rounded = row.clone();
        KvStorage.roundRow(rounded, 0, D, KvStorage.INT8);
        for (int d = 0; d < D; d++) {
            assertEquals(rounded[d], scale * KvStorage.load(cache, d, KvStorage.INT8), "element " + d);
            assertTrue(Math.abs(rounded[d] - row[d]) <= scale / 2 * (1 + 1e-6), "element " + d + " within half a step");
        }
        float[] zeros = new float[D];
        KvStorage.storeRow(zeros, 0, cache, 0, D / 4, D, KvStorage.INT8);
        assertEquals(0f, KvStorage.scale(cache, D / 4));
        assertEquals(0f, KvStorage.load(cache, 5, KvStorage.INT8));
    }

    @Test
    void theAlibiSlopesAreThePapers() {
        float[] eight = AttentionOptions.alibiSlopes(8);
        for (int h = 0; h < 8; h++) {
            assertEquals((float) Math.pow(2, -(h + 1)), eight[h]);   // 2^(-8 (h + 1) / 8)
        }
        // 12 heads: the 8 slopes of 8 heads, then the 1st, 3rd, 5th and 7th of 16 heads' (2^(-0.5 (h + 1)))
        float[] twelve = AttentionOptions.alibiSlopes(12);
        for (int h = 0; h < 8; h++) {
            assertEquals(eight[h], twelve[h]);
        }
        assertArrayEquals(new float[] {(float) Math.pow(2, -0.5), (float) Math.pow(2, -1.5), (float) Math.pow(2, -2.5),
                (float) Math.pow(2, -3.5)}, java.util.Arrays.copyOfRange(twelve, 8, 12));
        assertEquals(1, AttentionOptions.alibiSlopes(1).length);
        assertEquals(0.00390625f, AttentionOptions.alibiSlopes(1)[0]);   // 2^-8
    }

    @Test
    void badOptionsAreRefusedNamingTheValue() {
        assertThrows(IllegalArgumentException.class, () -> AttentionOptions.NONE.withWindow(-1));
        assertThrows(IllegalArgumentException.class, () -> AttentionOptions.NONE.withSoftcap(-2));
        assertThrows(IllegalArgumentException.class, () -> AttentionOptions.NONE.withSoftcap(Float.NaN));
        assertThrows(IllegalArgumentException.class, () -> AttentionOptions.NONE.withSoftcap(Float.POSITIVE_INFINITY));
        assertThrows(IllegalArgumentException.class, () -> AttentionOptions.NONE.withSinks(new float[] {Float.NaN}));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AttentionOptions.NONE.withAlibiSlopes(new float[3]).requireHeads(4));
        assertTrue(e.getMessage().contains("Hq = 4"), e.getMessage());
    }
}
