package squall.tasks;

import squall.api.KernelContext;
import squall.kernels.AttentionOptions;
import squall.kernels.PagedAttentionKernels;
import squall.kernels.SplitKv;
import squall.runtime.Device;
import squall.runtime.DeviceType;
import squall.runtime.KernelDescriptor;
import squall.runtime.KernelLibraries;
import squall.runtime.TaskGraph;
import squall.runtime.WorkerGrid1D;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Launch choices for {@link PagedAttentionKernels#decodeWorkGroup}, and the tasks that run it.
 *
 * <pre>{@code
 * WorkGroupDecode.Launch launch = WorkGroupDecode.launch(device, B, Hkv, G, D).withSlices(4);
 * launch.addTasks(graph, q, kCache, vCache, blockTable, seqLens, newTokens, out, partials, slopes, sinks, BS, maxBlocks, scale,
 *         KvStorage.FP16, AttentionOptions.NONE, 0);
 * }</pre>
 */
public final class WorkGroupDecode {

    /** How a work-group walks memory; see {@link PagedAttentionKernels#decodeWorkGroup}. */
    public enum Layout {
        /** Adjacent work-items read adjacent addresses: GPUs. */
        COALESCED,
        /** Each work-item streams its own contiguous rows: CPUs. */
        CONTIGUOUS;

        public static Layout parse(String name) {
            return valueOf(name.toUpperCase(Locale.ROOT));
        }

        /**
         * The layout that suits a device of this type, as a guess: {@link LayoutProbe#fasterLayout} measures it,
         * and {@link StepPlan} uses that.
         */
        public static Layout preferredBy(Device device) {
            return device.type() == DeviceType.GPU || device.type() == DeviceType.ACCELERATOR ? COALESCED : CONTIGUOUS;
        }

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Largest tile of keys staged at once; more buys little once the tile hides the load latency. */
    static final int MAX_TILE = 64;
    /** Local memory a launch uses at most, so that several work-groups fit on a GPU multiprocessor. */
    static final long LOCAL_BUDGET = 32 << 10;

    private static final KernelDescriptor KERNEL = KernelLibraries.find(PagedAttentionKernels.class, "decodeWorkGroup");

    private WorkGroupDecode() {
    }

    /**
     * The launch of one decode attention call.
     *
     * @param localSize work-items per group
     * @param tile      keys staged in local memory at a time
     * @param perItem   outputs each work-item owns: ceil(G * D / localSize)
     * @param slices    pieces the sequence is split into (split-KV); 1 writes {@code out} directly
     */
    public record Launch(int B, int Hkv, int G, int D, Layout layout, int localSize, int tile, int perItem, int slices) {

        public Launch {
            StepPlan.requireSlices(slices);
        }

        public Launch withSlices(int n) {
            return new Launch(B, Hkv, G, D, layout, localSize, tile, perItem, n);
        }

        public Launch withLayout(Layout l) {
            return new Launch(B, Hkv, G, D, l, localSize, tile, perItem, slices);
        }

        /** Floats of the split-KV partials buffer, {@code [B, Hkv * G, slices, D + 2]}; 1 when there is one slice. */
        public int partialsLength() {
            return Math.toIntExact(SplitKv.partialsLength((long) B * Hkv * G, slices, D));
        }

        /**
         * Adds the attention task of layer {@code layer} and, with several slices, the task that merges them, named as
         * {@link StepTask} names them, each with its grid. {@code q} and {@code out} hold every layer's rows
         * ({@code [L, B, Hkv * G, D]}); {@code partials} must hold {@link #partialsLength()} floats and be declared in
         * a transfer of the graph, and so must {@code slopes} and {@code sinks} (the layer's per-head arrays of
         * {@code options}, or placeholders).
         */
        public void addTasks(TaskGraph graph, float[] q, int[] kCache, int[] vCache, int[] blockTable, int[] seqLens,
                             int[] newTokens, float[] out, float[] partials, float[] slopes, float[] sinks, int blockSize, int maxBlocks,
                             float scale, int dtype, AttentionOptions options, int layer) {
            tasks(q, kCache, vCache, blockTable, seqLens, newTokens, out, partials, slopes, sinks, blockSize, maxBlocks, scale, dtype,
                    options, layer).forEach(t -> t.addTo(graph));
        }

        /** The tasks {@link #addTasks} adds; arrays may be {@code null} where only sizes matter. */
        List<TaskLaunch> tasks(float[] q, int[] kCache, int[] vCache, int[] blockTable, int[] seqLens, int[] newTokens,
                               float[] out,
                               float[] partials, float[] slopes, float[] sinks, int blockSize, int maxBlocks, float scale,
                               int dtype, AttentionOptions options, int layer) {
            List<TaskLaunch> tasks = new ArrayList<>(List.of(new TaskLaunch(StepTask.ATTEND.taskName(layer), KERNEL,
                    new Object[] {new KernelContext(), q, kCache, vCache, blockTable, seqLens, newTokens, out, partials,
                            slopes, sinks,
                            B, Hkv, G, D, blockSize, maxBlocks, scale, slices, tile, localSize, perItem,
                            layout == Layout.COALESCED ? 1 : 0, dtype, options.flags(), options.window(), options.softcap(),
                            layer},
                    new WorkerGrid1D((long) B * Hkv * slices * localSize).setLocalWork(localSize, 1, 1))));
            if (slices > 1) {
                tasks.add(TaskLaunch.of(StepTask.COMBINE.taskName(layer), KernelLibraries.find(SplitKv.class, "combineSlices"),
                        partials, out, B * Hkv * G, slices, D, layer * B * Hkv * G));
            }
            return tasks;
        }

        /** Bytes of the kernel's local arrays per work-group, as its descriptor sizes them for this launch. */
        long localBytes() {
            TaskLaunch attend = tasks(null, null, null, null, null, null, null, null, null, null, 1, 1, 1, 0,
                    AttentionOptions.NONE, 0).getFirst();
            KernelContext sizes = new KernelContext();
            sizes.localGroupSizeX = localSize;
            int[] lengths = KERNEL.localArrayLengths(attend.args(), sizes);
            long bytes = 0;
            for (int i = 0; i < lengths.length; i++) {
                bytes += (long) lengths[i] * KERNEL.localArrays().get(i).element().elementBytes();
            }
            return bytes;
        }
    }

    /**
     * Bytes of local memory left free beside the kernel's own arrays: one row of D floats, which the launch has always
     * kept (the kernel once staged its query row there). Giving it to the tiles lengthens each by about one key, which
     * changes every work-group launch: a change to make when it can be measured on a GPU.
     */
    static long reserveBytes(int D) {
        return 4L * D;
    }

    /**
     * The launch that suits {@code device} for this shape, one slice: the largest tile of keys (up to
     * {@value #MAX_TILE}) whose local arrays fit the device's local memory, at most {@link #LOCAL_BUDGET}.
     */
    public static Launch launch(Device device, int B, int Hkv, int G, int D) {
        Layout layout = Layout.preferredBy(device);
        int localSize = switch (device.type()) {
            case GPU, ACCELERATOR -> 128;
            case CPU -> 64;
            // Each work-item is a virtual thread on the JVM: a few wide ones beat many narrow ones.
            case JVM -> 8;
        };
        localSize = Math.min(localSize, device.maxWorkGroupSize());
        long budget = Math.min(device.localMemoryBytes(), LOCAL_BUDGET) - reserveBytes(D);
        int perItem = (G * D + localSize - 1) / localSize;
        Launch launch = new Launch(B, Hkv, G, D, layout, localSize, MAX_TILE, perItem, 1);
        while (launch.tile() > 1 && launch.localBytes() > budget) {
            launch = new Launch(B, Hkv, G, D, layout, localSize, launch.tile() - 1, perItem, 1);
        }
        return launch;
    }

    /**
     * Slices for split-KV decoding: enough work-groups to keep every compute unit busy (GPUs hide
     * memory latency with many resident groups: 8 per multiprocessor; CPUs want about two per core),
     * but no slice shorter than a minimum (64 keys on a GPU, 256 elsewhere), below which merging the
     * slices costs more than it saves.
     */
    public static int slicesFor(Device device, int B, int Hkv, int context) {
        boolean gpu = device.type() == DeviceType.GPU || device.type() == DeviceType.ACCELERATOR;
        int groups = B * Hkv;
        int target = (gpu ? 8 : 2) * device.computeUnits();
        int wanted = Math.max(1, (target + groups - 1) / groups);
        int affordable = Math.max(1, context / (gpu ? 64 : 256));
        return Math.min(wanted, affordable);
    }
}
