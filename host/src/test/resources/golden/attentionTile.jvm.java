// The JVM device runs this kernel as written, one work-group at a time, one virtual thread per work-item (it calls localBarrier()).
static void attentionTile(squall.api.KernelContext ctx, float[] q, int[] keys, int[] values, float[] out, int G, int TILE, int D) {
    float[] rows = ctx.allocateFloatLocalArray(G * D);
    for (int i = ctx.localIdx; i < G * D; i += ctx.localGroupSizeX) {
        rows[i] = q[ctx.groupIdx * G * D + i];
    }
    ctx.localBarrier();
    if (ctx.localIdx == 0) {
        float[] scores = new float[G * TILE];
        float[] acc = new float[G * D];
        int first = ctx.groupIdx * TILE * D;
        KernelMath.dotRows(rows, 0, G, keys, first, KernelMath.HALF, TILE, D, scores, 0, TILE);
        for (int r = 0; r < G; r++) {
            float max = KernelMath.maxOf(scores, r * TILE, TILE);
            float sum = KernelMath.exponentiate(scores, r * TILE, TILE, max);
            KernelMath.axpyRows(scores, r * TILE, TILE, 1, values, first, KernelMath.HALF, TILE, D, acc, r * D);
            for (int d = 0; d < D; d++) {
                out[(ctx.groupIdx * G + r) * D + d] = acc[r * D + d] / sum;
            }
        }
    }
}
