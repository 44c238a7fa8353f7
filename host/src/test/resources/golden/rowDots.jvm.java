// The JVM device runs this kernel as written, one work-group at a time, one virtual thread per work-item (it calls localBarrier()).
static void rowDots(squall.api.KernelContext ctx, float[] a, float[] b, float[] out, int D) {
    float[] shared = ctx.allocateFloatLocalArray(D);
    float[] row = new float[D];
    int g = ctx.groupIdx;
    for (int d = ctx.localIdx; d < D; d += ctx.localGroupSizeX) {
        shared[d] = b[g * D + d];
    }
    ctx.localBarrier();
    for (int d = 0; d < D; d++) {
        row[d] = KernelMath.exp(a[ctx.globalIdx * D + d]);
    }
    out[2 * ctx.globalIdx] = dot(a, ctx.globalIdx * D, shared, 0, D);
    out[2 * ctx.globalIdx + 1] = dot(row, 0, shared, 0, D);
}
