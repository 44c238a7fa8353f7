// The JVM device runs this kernel as written, one work-group at a time, one virtual thread per work-item (it calls localBarrier()).
static void blockSum(squall.api.KernelContext ctx, float[] in, float[] sums) {
    float[] partial = ctx.allocateFloatLocalArray(ctx.localGroupSizeX);
    int lid = ctx.localIdx;
    partial[lid] = in[ctx.globalIdx];
    ctx.localBarrier();
    for (int stride = ctx.localGroupSizeX / 2; stride > 0; stride /= 2) {
        if (lid < stride) {
            partial[lid] += partial[lid + stride];
        }
        ctx.localBarrier();
    }
    if (lid == 0) {
        sums[ctx.groupIdx] = partial[0];
    }
}
