package squall.tasks;

/**
 * The memory a KV cache takes: K and V, {@code [batch, Hkv, tokens, D]} each, in every layer (int8: with one fp32
 * scale per row of D values).
 *
 * <pre>{@code
 * KvCacheSize llama = KvCacheSize.of(ModelPreset.byId("llama2-7b"), 1024, 1, KvDtype.FP16);
 * llama.totalBytes();                  // 536,870,912 (MHA, 32 KV heads)
 * llama.withKvHeads(8).totalBytes();   // 134,217,728 (as GQA)
 * }</pre>
 *
 * @param layers  transformer layers
 * @param kvHeads {@code Hkv}
 * @param headDim {@code D}
 * @param tokens  cached positions per sequence
 * @param batch   sequences
 * @param dtype   element type
 */
public record KvCacheSize(int layers, int kvHeads, int headDim, long tokens, int batch, KvDtype dtype) {

    public KvCacheSize {
        positive("layers", layers);
        positive("kvHeads", kvHeads);
        positive("headDim", headDim);
        positive("tokens", tokens);
        positive("batch", batch);
        if (dtype == null) {
            throw new IllegalArgumentException("dtype is required");
        }
        // Fails here, not later, if the total does not fit a long.
        Math.multiplyExact(layers, bytesPerLayer(kvHeads, headDim, tokens, batch, dtype));
    }

    private static void positive(String name, long value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be >= 1, got " + value);
        }
    }

    /** The KV cache of {@code model} as it is, holding {@code tokens} positions for each of {@code batch} sequences. */
    public static KvCacheSize of(ModelPreset model, long tokens, int batch, KvDtype dtype) {
        return new KvCacheSize(model.layers(), model.kvHeads(), model.headDim(), tokens, batch, dtype);
    }

    /** The same cache with another number of KV heads. */
    public KvCacheSize withKvHeads(int heads) {
        return new KvCacheSize(layers, heads, headDim, tokens, batch, dtype);
    }

    /** Bytes of K plus V in one layer. */
    public long bytesPerLayer() {
        return bytesPerLayer(kvHeads, headDim, tokens, batch, dtype);
    }

    private static long bytesPerLayer(int kvHeads, int headDim, long tokens, int batch, KvDtype dtype) {
        return dtype.kvBytes(Math.multiplyExact(tokens, batch), kvHeads, headDim);
    }

    /** Bytes of K plus V in all layers. */
    public long totalBytes() {
        return layers * bytesPerLayer();
    }
}
