package squall.tasks;

import squall.kernels.AttentionShape;
import squall.kernels.ReferenceAttention;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * A paged KV cache filled by hand, for testing decode kernels: sequences of different lengths whose
 * blocks are scattered over the physical blocks in random order, and the float64 reference output.
 */
final class PagedFixture {

    final int B, Hkv, G, D, BS, maxBlocks, numBlocks;
    final int[] seqLens;
    final int[] blockTable;
    final float[] kCache, vCache, q;
    /** Each sequence's logical K and V, {@code [Hkv, seqLens[b], D]}. */
    private final List<float[]> keys = new ArrayList<>(), values = new ArrayList<>();

    PagedFixture(long seed, int B, int Hkv, int G, int D, int BS, int[] seqLens) {
        this.B = B;
        this.Hkv = Hkv;
        this.G = G;
        this.D = D;
        this.BS = BS;
        this.seqLens = seqLens.clone();
        Random random = new Random(seed);
        int longest = 0;
        int used = 0;
        for (int len : seqLens) {
            longest = Math.max(longest, len);
            used += (len + BS - 1) / BS;
        }
        maxBlocks = (longest + BS - 1) / BS;
        numBlocks = used + 3; // a few blocks nobody owns
        List<Integer> physical = new ArrayList<>();
        for (int i = 0; i < numBlocks; i++) {
            physical.add(i);
        }
        Collections.shuffle(physical, random);
        blockTable = new int[B * maxBlocks];
        kCache = new float[numBlocks * Hkv * BS * D];
        vCache = new float[kCache.length];
        for (int i = 0; i < kCache.length; i++) {
            kCache[i] = Float.NaN; // rows no sequence owns must never be read
            vCache[i] = Float.NaN;
        }
        int next = 0;
        for (int b = 0; b < B; b++) {
            for (int blk = 0; blk < (seqLens[b] + BS - 1) / BS; blk++) {
                blockTable[b * maxBlocks + blk] = physical.get(next++);
            }
            float[] k = gaussian(random, Hkv * seqLens[b] * D), v = gaussian(random, k.length);
            keys.add(k);
            values.add(v);
            for (int h = 0; h < Hkv; h++) {
                for (int j = 0; j < seqLens[b]; j++) {
                    int row = ((blockTable[b * maxBlocks + j / BS] * Hkv + h) * BS + j % BS) * D;
                    System.arraycopy(k, (h * seqLens[b] + j) * D, kCache, row, D);
                    System.arraycopy(v, (h * seqLens[b] + j) * D, vCache, row, D);
                }
            }
        }
        q = gaussian(random, B * Hkv * G * D);
    }

    /** The float64 reference of decode for every sequence: {@code [B, Hkv * G, D]}. */
    double[] reference(float scale) {
        double[] out = new double[B * Hkv * G * D];
        for (int b = 0; b < B; b++) {
            AttentionShape s = new AttentionShape(1, Hkv * G, Hkv, 1, seqLens[b], D);
            float[] qb = new float[Hkv * G * D];
            System.arraycopy(q, b * qb.length, qb, 0, qb.length);
            double[] ref = ReferenceAttention.attend(qb, keys.get(b), values.get(b), s, null, false, scale);
            System.arraycopy(ref, 0, out, b * ref.length, ref.length);
        }
        return out;
    }

    private static float[] gaussian(Random random, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = (float) random.nextGaussian();
        }
        return x;
    }
}
