package squall.kernels.testing;

import squall.kernels.AttentionShape;
import squall.kernels.KvStorage;
import squall.kernels.ReferenceAttention;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * A paged KV cache filled by hand, for testing decode kernels: sequences of different lengths whose
 * blocks are scattered over the physical blocks in random order, and the float64 reference output.
 */
public final class PagedFixture {

    public final int B, Hkv, G, D, BS, maxBlocks, numBlocks, dtype;
    public final int[] seqLens;
    /** One new token per sequence: a decode step's {@code newTokens}. */
    public final int[] oneEach;
    public final int[] blockTable;
    public final int[] kCache, vCache;
    public final float[] q;
    /** Each sequence's K and V as the cache holds them (rounded to dtype), {@code [Hkv, seqLens[b], D]}. */
    private final List<float[]> keys = new ArrayList<>(), values = new ArrayList<>();

    public PagedFixture(long seed, int B, int Hkv, int G, int D, int BS, int[] seqLens) {
        this(seed, B, Hkv, G, D, BS, seqLens, KvStorage.FP32);
    }

    public PagedFixture(long seed, int B, int Hkv, int G, int D, int BS, int[] seqLens, int dtype) {
        this.B = B;
        this.Hkv = Hkv;
        this.G = G;
        this.D = D;
        this.BS = BS;
        this.seqLens = seqLens.clone();
        this.oneEach = new int[B];
        java.util.Arrays.fill(oneEach, 1);
        this.dtype = dtype;
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
        float[] kValues = new float[numBlocks * Hkv * BS * D];
        float[] vValues = new float[kValues.length];
        java.util.Arrays.fill(kValues, Float.NaN); // rows no sequence owns must never be read
        java.util.Arrays.fill(vValues, Float.NaN);
        int next = 0;
        for (int b = 0; b < B; b++) {
            for (int blk = 0; blk < (seqLens[b] + BS - 1) / BS; blk++) {
                blockTable[b * maxBlocks + blk] = physical.get(next++);
            }
            float[] k = gaussian(random, Hkv * seqLens[b] * D), v = gaussian(random, k.length);
            for (int i = 0; i < k.length; i++) {
                k[i] = KvStorage.round(k[i], dtype);
                v[i] = KvStorage.round(v[i], dtype);
            }
            keys.add(k);
            values.add(v);
            for (int h = 0; h < Hkv; h++) {
                for (int j = 0; j < seqLens[b]; j++) {
                    int row = ((blockTable[b * maxBlocks + j / BS] * Hkv + h) * BS + j % BS) * D;
                    System.arraycopy(k, (h * seqLens[b] + j) * D, kValues, row, D);
                    System.arraycopy(v, (h * seqLens[b] + j) * D, vValues, row, D);
                }
            }
        }
        kCache = store(kValues, dtype);
        vCache = store(vValues, dtype);
        q = gaussian(random, B * Hkv * G * D);
    }

    /** Values as a cache of {@code dtype} holds them. */
    public static int[] store(float[] values, int dtype) {
        int[] cache = new int[KvStorage.ints(values.length, dtype)];
        for (int i = 0; i < values.length; i++) {
            int bits = switch (dtype) {
                case KvStorage.FP32 -> Float.floatToRawIntBits(values[i]);
                case KvStorage.FP16 -> Float.floatToFloat16(values[i]) & 0xffff;
                default -> Float.floatToRawIntBits(values[i]) >>> 16; // exact: values are already bf16
            };
            if (dtype == KvStorage.FP32) {
                cache[i] = bits;
            } else {
                cache[i / 2] |= bits << (16 * (i % 2));
            }
        }
        return cache;
    }

    /** The float64 reference of decode for every sequence: {@code [B, Hkv * G, D]}. */
    public double[] reference(float scale) {
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
