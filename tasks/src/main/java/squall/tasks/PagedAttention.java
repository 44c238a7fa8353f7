package squall.tasks;

import squall.kernels.AttentionOptions;
import squall.kernels.AttentionShape;
import squall.kernels.KvStorage;
import squall.kernels.PagedAttentionKernels;
import squall.kernels.SplitKv;
import squall.runtime.DataTransferMode;
import squall.runtime.Device;
import squall.runtime.ExecutionPlan;
import squall.runtime.TaskGraph;

/**
 * An attention call run the way decode and prefill run it: its K and V appended to a paged KV cache (blocks of
 * {@code blockSize} tokens, in reverse order, stored as {@code dtype}) by {@link PagedAttentionKernels#appendKv},
 * then its queries attended by the paged kernels of its variant, split-KV with {@code slices > 1} (broadcast). The
 * paged kernels are causal and map query head {@code h} to KV head {@code h / G}, so the call must be too (or be a
 * decode, where causal changes nothing).
 *
 * <pre>{@code
 * PagedAttention.Result r = PagedAttention.run(call.causal(true), 16, KvDtype.INT8, 2, Devices.get("jvm"));
 * double[] ref = ReferenceAttention.attend(call.q(), r.keys(), r.values(), call.shape(), null, true, call.scale(),
 *         call.options());   // judged on what the cache holds
 * }</pre>
 */
public final class PagedAttention {

    private PagedAttention() {
    }

    /**
     * The output, and K and V as the cache held them ({@code [B, Hkv, S, D]}, read back from the device): what a
     * reference must attend to for the cache's rounding not to count as the kernels' error.
     */
    public record Result(float[] out, float[] keys, float[] values) {
    }

    /** Why {@code call} cannot run paged, or {@code null} when it can. */
    public static String problem(Attention.Call call) {
        AttentionShape s = call.shape();
        if (!call.causal() && s.Tq() > 1) {
            return "the paged kernels are causal (query i sees keys up to S - Tq + i): give --causal, or Tq = 1";
        }
        if (call.kvMap() != null && !Attention.isGroupedMap(call.kvMap(), s)) {
            return "the paged kernels map query head h to KV head h / (Hq / Hkv); this kv-map is another mapping";
        }
        return null;
    }

    /** Runs {@code call} on {@code device} through a paged cache. */
    public static Result run(Attention.Call call, int blockSize, KvDtype dtype, int slices, Device device) {
        String problem = problem(call);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        AttentionShape s = call.shape();
        int storage = dtype.storage();
        String dim = KvStorage.headDimProblem(s.D(), storage);
        if (!dim.isEmpty()) {
            throw new IllegalArgumentException(dim);
        }
        if (blockSize < 1 || slices < 1) {
            throw new IllegalArgumentException("blockSize and slices must be >= 1, got " + blockSize + " and " + slices);
        }
        if (slices > 1 && call.variant() != AttentionVariant.BROADCAST) {
            throw new IllegalArgumentException("split-KV (slices > 1) is for the broadcast variant, not " + call.variant());
        }
        int B = s.B(), Hkv = s.Hkv(), G = s.groupSize(), Hq = s.Hq(), Tq = s.Tq(), S = s.S(), D = s.D();
        int BS = Math.min(blockSize, S);
        int maxBlocks = (S + BS - 1) / BS;
        int numBlocks = B * maxBlocks;
        int[] table = new int[numBlocks];
        for (int i = 0; i < numBlocks; i++) {
            table[i] = numBlocks - 1 - i;   // blocks in reverse order: no block follows its predecessor
        }
        int ints = KvStorage.ints(Math.multiplyExact(numBlocks, KvStorage.blockElements(Hkv, BS, D, storage)), storage);
        int[] kCache = new int[ints], vCache = new int[ints];
        int[] seqLens = new int[B];
        java.util.Arrays.fill(seqLens, S);
        // every sequence appends all S rows, then attends with all Tq queries
        int[] appended = new int[B], queried = new int[B];
        java.util.Arrays.fill(appended, S);
        java.util.Arrays.fill(queried, Tq);
        float[] out = new float[s.qElements()];
        float[] partials = new float[slices == 1 ? 1 : B * Hq * Tq * slices * (D + 2)];
        float[] slopes = call.slopes(), sinks = call.sinks();
        AttentionOptions o = call.options();
        int flags = o.flags(), window = o.window();
        float cap = o.softcap(), scale = call.scale();
        int tile = Math.min(call.tile(), S);
        TaskGraph graph = new TaskGraph("paged")
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, call.q(), call.k(), call.v(), kCache, vCache, table,
                        seqLens, appended, queried, slopes, sinks)
                .transferToHost(DataTransferMode.UNDER_DEMAND, partials)
                // K and V are [B, Hkv, S, D]: the new rows of one layer whose S tokens are appended at once
                .task("append", PagedAttentionKernels::appendKv, call.k(), call.v(), kCache, vCache, table, seqLens, appended, B,
                        Hkv, S, D, BS, maxBlocks, storage, 0);
        switch (call.variant()) {
            case BROADCAST -> {
                graph.task("attend", PagedAttentionKernels::attendPaged, call.q(), kCache, vCache, table, seqLens, queried, out,
                        partials, slopes, sinks, B, Hkv, G, Tq, D, BS, maxBlocks, scale, slices,
                        StepPlan.queryTile(G, D, Tq), tile, storage, flags, window, cap, 0);
                if (slices > 1) {
                    graph.task("combine", SplitKv::combineSlices, partials, out, B * Hq * Tq, slices, D, 0);
                }
            }
            case GATHER -> graph.task("attend", PagedAttentionKernels::attendPagedGather, call.q(), kCache, vCache, table,
                    seqLens, queried, out, slopes, sinks, B, Hkv, G, Tq, D, BS, maxBlocks, scale, tile, storage, flags, window, cap,
                    0);
            case REPEAT -> {
                int[] kRep = new int[numBlocks * Hq * BS * D], vRep = new int[kRep.length];
                graph.transferToHost(DataTransferMode.UNDER_DEMAND, kRep, vRep)
                        .task("repeat", PagedAttentionKernels::repeatKv, kCache, vCache, kRep, vRep, table, seqLens, B,
                                Hkv, G, D, BS, maxBlocks, storage)
                        .task("attend", PagedAttentionKernels::attendPaged, call.q(), kRep, vRep, table, seqLens, queried,
                                out,
                                partials, slopes, sinks, B, Hq, 1, Tq, D, BS, maxBlocks, scale, 1,
                                StepPlan.queryTile(1, D, Tq), tile, KvStorage.FP32, flags, window, cap, 0);
            }
        }
        graph.transferToHost(DataTransferMode.EVERY_EXECUTION, out, kCache, vCache);
        try (ExecutionPlan plan = new ExecutionPlan(graph).withDevice(device)) {
            plan.execute();
        }
        return new Result(out, held(kCache, table, s, BS, maxBlocks, storage), held(vCache, table, s, BS, maxBlocks, storage));
    }

    /** The values of a cache as {@code [B, Hkv, S, D]}. */
    private static float[] held(int[] cache, int[] table, AttentionShape s, int BS, int maxBlocks, int storage) {
        float[] values = new float[s.kvElements()];
        int i = 0;
        for (int b = 0; b < s.B(); b++) {
            for (int h = 0; h < s.Hkv(); h++) {
                for (int j = 0; j < s.S(); j++) {
                    for (int d = 0; d < s.D(); d++) {
                        values[i++] = KvStorage.readValue(cache, table, b * maxBlocks, j, s.Hkv(), h, BS, s.D(), storage, d);
                    }
                }
            }
        }
        return values;
    }
}
