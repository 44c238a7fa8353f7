package squall.examples;

import squall.api.Kernel;
import squall.api.KernelContext;
import squall.runtime.DataTransferMode;
import squall.runtime.Device;
import squall.runtime.Devices;
import squall.runtime.ExecutionPlan;
import squall.runtime.GridScheduler;
import squall.runtime.TaskGraph;
import squall.runtime.WorkerGrid1D;

/**
 * Explicit work-groups: each work-item stages one value in local memory, the group waits at a barrier, and each
 * reads back its mirror image, so every group of 64 comes out reversed. The launch shape comes from a grid.
 */
public final class ReverseInGroups {

    @Kernel
    public static void reverseInGroups(KernelContext ctx, float[] in, float[] out) {
        float[] tile = ctx.allocateFloatLocalArray(ctx.localGroupSizeX);         // shared by the work-group
        tile[ctx.localIdx] = in[ctx.globalIdx];
        ctx.localBarrier();                                                      // every value is staged
        out[ctx.globalIdx] = tile[ctx.localGroupSizeX - 1 - ctx.localIdx];
    }

    public static void main(String[] args) {
        Device device = args.length > 0 ? Devices.get(args[0]) : Devices.defaultDevice();
        int n = 1024, group = 64;
        float[] in = new float[n], out = new float[n];
        for (int i = 0; i < n; i++) in[i] = i;

        TaskGraph graph = new TaskGraph("reverse")
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, in)
                .task("groups", ReverseInGroups::reverseInGroups, new KernelContext(), in, out)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
        GridScheduler grids = new GridScheduler("reverse.groups", new WorkerGrid1D(n).setLocalWork(group, 1, 1));
        try (ExecutionPlan plan = new ExecutionPlan(graph).withDevice(device).withGridScheduler(grids)) {
            plan.execute();
        }
        System.out.printf("%s: out[0..3] = %.0f %.0f %.0f %.0f, out[64] = %.0f, out[1023] = %.0f%n",
                device.id(), out[0], out[1], out[2], out[3], out[64], out[1023]);
    }
}
