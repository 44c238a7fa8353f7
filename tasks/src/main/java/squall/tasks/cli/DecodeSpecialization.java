package squall.tasks.cli;

import squall.runtime.Device;
import squall.runtime.KernelDescriptor;
import squall.tasks.AttentionVariant;
import squall.tasks.KvCache;
import squall.tasks.KvCacheShape;
import squall.tasks.KvDtype;
import squall.tasks.ModelPreset;
import squall.tasks.StepPlan;
import squall.tasks.TaskLaunch;

import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;

/**
 * The {@code @Specialize} values a kernel gets in {@code squall decode --model M} on a device, read from the
 * {@link StepPlan} a decode resolves (one layer of the model, the decode command's fp16 cache in blocks of
 * {@link KvCache#DEFAULT_BLOCK_SIZE}), not worked out again here. The device's own variant comes first; a kernel only
 * another variant runs is found there.
 *
 * <pre>{@code
 * DecodeSpecialization s = DecodeSpecialization.find(ModelPreset.byId("llama3-8b"), Devices.get("opencl:0"), kernel);
 * s.values(); // attendPaged: {BS=256, D=128, DTYPE=1, G=4, QUERIES=1, TILE=64}
 * }</pre>
 *
 * @param variant the decode variant whose plan runs the kernel
 * @param values  the kernel's specialisation in that plan
 */
record DecodeSpecialization(AttentionVariant variant, SortedMap<String, Integer> values) {

    /** What {@code squall decode} uses when not told: its --kv-dtype and --block-size defaults. */
    static final KvDtype DTYPE = KvDtype.FP16;
    static final int BLOCK_SIZE = KvCache.DEFAULT_BLOCK_SIZE;

    /** @return {@code null} if no decode variant runs {@code kernel} */
    static DecodeSpecialization find(ModelPreset model, Device device, KernelDescriptor kernel) {
        List<AttentionVariant> order = new ArrayList<>(List.of(AttentionVariant.values()));
        order.remove(AttentionVariant.defaultFor(device));
        order.addFirst(AttentionVariant.defaultFor(device));
        int context = 4 * BLOCK_SIZE;
        KvCacheShape shape = KvCacheShape.forBatch(model, 1, DTYPE, BLOCK_SIZE, 1, context);
        for (AttentionVariant variant : order) {
            // Two slices, so that the plan has the task that merges them; slicing specialises nothing else.
            StepPlan plan = StepPlan.of(shape, context, device, StepPlan.Phase.DECODE, 1,
                    new StepPlan.Options(variant, variant.splitsKv() ? 2 : null, null));
            for (TaskLaunch task : plan.tasks(0, StepPlan.TaskArrays.NONE, null, null)) {
                if (task.kernel().owner().equals(kernel.owner()) && task.kernel().name().equals(kernel.name())) {
                    return new DecodeSpecialization(variant, task.specialization());
                }
            }
        }
        return null;
    }
}
