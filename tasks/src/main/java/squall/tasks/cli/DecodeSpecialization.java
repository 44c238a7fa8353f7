package squall.tasks.cli;

import squall.runtime.Device;
import squall.runtime.KernelDescriptor;
import squall.runtime.TaskGraph;
import squall.tasks.AttentionVariant;
import squall.tasks.DecodeGraph;
import squall.tasks.KvCache;
import squall.tasks.KvDtype;
import squall.tasks.ModelPreset;

import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;

/**
 * The {@code @Specialize} values a kernel gets in {@code squall decode --model M} on a device, read from the task
 * graph a decode builds (one layer of the model, the decode command's fp16 cache in blocks of 16), not worked out
 * again here. The device's own variant comes first; a kernel only another variant runs is found there.
 *
 * <pre>{@code
 * DecodeSpecialization s = DecodeSpecialization.find(ModelPreset.byId("llama3-8b"), Devices.get("opencl:0"), kernel);
 * s.values(); // {BLOCK=32, BS=16, D=128, DTYPE=1, G=4}
 * }</pre>
 *
 * @param variant the decode variant whose graph runs the kernel
 * @param values  the kernel's specialisation in that graph
 */
record DecodeSpecialization(AttentionVariant variant, SortedMap<String, Integer> values) {

    /** What {@code squall decode} uses when not told: its --kv-dtype and --block-size defaults. */
    static final KvDtype DTYPE = KvDtype.FP16;
    static final int BLOCK_SIZE = 16;

    /** @return {@code null} if no decode variant runs {@code kernel} */
    static DecodeSpecialization find(ModelPreset model, Device device, KernelDescriptor kernel) {
        List<AttentionVariant> order = new ArrayList<>(List.of(AttentionVariant.values()));
        order.remove(AttentionVariant.defaultFor(device));
        order.addFirst(AttentionVariant.defaultFor(device));
        KvCache cache = KvCache.forBatch(model, 1, DTYPE, BLOCK_SIZE, 1, 4 * BLOCK_SIZE);
        for (AttentionVariant variant : order) {
            // Two slices, so that the graph has the task that merges them; slicing specialises nothing else.
            int slices = variant == AttentionVariant.BROADCAST || variant == AttentionVariant.WORKGROUP ? 2 : 1;
            try (DecodeGraph decode = DecodeGraph.builder(cache).device(device).variant(variant).slices(slices)
                    .profiling(false).build()) {
                for (TaskGraph graph : decode.plan().graphs()) {
                    for (TaskGraph.Step step : graph.steps()) {
                        if (step instanceof TaskGraph.Task task && task.kernel().owner().equals(kernel.owner())
                                && task.kernel().name().equals(kernel.name())) {
                            return new DecodeSpecialization(variant, task.specialization());
                        }
                    }
                }
            }
        }
        return null;
    }
}
