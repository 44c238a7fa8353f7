package squall.tasks;

/**
 * How query heads share KV heads: one each (MHA), a group each (GQA) or all one (MQA).
 *
 * <pre>{@code
 * AttentionKind.of(32, 8);   // GQA (Llama-3 8B)
 * AttentionKind.of(71, 1);   // MQA (Falcon 7B)
 * }</pre>
 */
public enum AttentionKind {
    /** Multi-head attention: {@code Hkv = Hq}. */
    MHA,
    /** Grouped-query attention: {@code 1 < Hkv < Hq}. */
    GQA,
    /** Multi-query attention: {@code Hkv = 1}. */
    MQA;

    /** The kind of a model with {@code queryHeads} query heads and {@code kvHeads} KV heads. */
    public static AttentionKind of(int queryHeads, int kvHeads) {
        if (kvHeads < 1 || kvHeads > queryHeads) {
            throw new IllegalArgumentException("need 1 <= Hkv <= Hq, got Hq = " + queryHeads + ", Hkv = " + kvHeads);
        }
        if (kvHeads == queryHeads) {
            return MHA;
        }
        return kvHeads == 1 ? MQA : GQA;
    }
}
