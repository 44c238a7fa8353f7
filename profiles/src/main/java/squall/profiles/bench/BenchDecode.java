package squall.profiles.bench;

import squall.profiles.MachineInfo;
import squall.runtime.Devices;
import squall.tasks.AttentionVariant;
import squall.tasks.DecodeGraph;
import squall.tasks.KvCache;
import squall.tasks.KvDtype;
import squall.tasks.ModelPreset;


/**
 * A decode pipeline for benchmarks: a {@link DecodeGraph} on a cache filled to {@code context} tokens,
 * with Llama-3-8B heads (Hq 32, D 128) and {@code kvHeads} KV heads. A step appends a token, so the
 * cache has room for {@value #ROOM} more, and {@link #refillIfFull()} puts it back to {@code context}
 * (outside the measured time) when it is full: the context drifts by at most {@value #ROOM} tokens.
 */
final class BenchDecode implements AutoCloseable {

    static final int ROOM = 256;
    private static final int HQ = 32, HEAD_DIM = 128;

    private final KvCache cache;
    private final DecodeGraph graph;
    private final int context;
    final int layers;

    /**
     * @param layers 0 for enough layers that one step's K/V is twice the CPU's last-level cache, so the step
     *               streams from memory as a model's does
     */
    BenchDecode(String device, String variant, int kvHeads, int context, int layers, String kvDtype, boolean profiling) {
        KvDtype dtype = KvDtype.parse(kvDtype);
        this.layers = layers > 0 ? layers : layersPastCache(kvHeads, context, dtype);
        ModelPreset model = new ModelPreset("bench", "Llama-3 8B heads", this.layers, HQ, kvHeads, HEAD_DIM);
        this.context = context;
        cache = KvCache.forBatch(model, this.layers, dtype, 16, 1, context + ROOM);
        cache.fillRandom(0, context, 42);
        DecodeGraph.Builder builder = DecodeGraph.builder(cache).device(Devices.get(device)).profiling(profiling);
        if (!variant.equals("default")) {
            builder.variant(AttentionVariant.parse(variant));
        }
        graph = builder.build();
        graph.fillInputs(7);
    }

    /** Layers whose K/V at {@code context} is at least twice the last-level cache. */
    static int layersPastCache(int kvHeads, int context, KvDtype dtype) {
        long perLayer = 2L * kvHeads * HEAD_DIM * context * dtype.bytes();
        long wanted = 2 * MachineInfo.lastLevelCacheOrAssumed();
        return (int) Math.max(1, (wanted + perLayer - 1) / perLayer);
    }

    /** One decode step, every layer. */
    void step() {
        graph.step();
    }

    /** Back to {@code context} tokens when the next step would not fit; call outside the measured time. */
    void refillIfFull() {
        if (cache.length(0) + 1 > cache.capacity(0)) {
            // The device's copy of the first tokens is unchanged: only the length goes back.
            cache.truncate(0, context);
        }
    }

    @Override
    public void close() {
        graph.close();
    }
}
