package squall.tasks;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import squall.kernels.ReferenceAttention;
import squall.runtime.DataTransferMode;
import squall.kernels.AttentionOptions;
import squall.runtime.Device;
import squall.runtime.ExecutionPlan;
import squall.runtime.TaskGraph;
import squall.kernels.testing.PagedFixture;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The GQA work-group kernel on the jvm device, over paged caches, against the float64 reference of
 * the values the cache holds (so fp16 and bf16 caches meet the fp32 tolerance too).
 */
@Tag("opencl")
class WorkGroupDecodeTest {

    @ParameterizedTest(name = "B={0} Hkv={1} G={2} D={3} BS={4} slices={5} {6} dtype={7}")
    @CsvSource({
            "1, 2, 4, 64, 16, 1, coalesced, 0",
            "1, 2, 4, 64, 16, 1, contiguous, 0",
            "2, 1, 5, 48, 7, 1, coalesced, 1",
            "2, 1, 7, 80, 16, 3, contiguous, 2",
            "3, 2, 6, 32, 1, 2, coalesced, 0",
            "1, 4, 1, 128, 32, 1, contiguous, 1",
            "1, 1, 16, 256, 16, 4, coalesced, 2",
            "2, 2, 3, 24, 5, 5, contiguous, 0",
    })
    void matchesTheReference(int B, int Hkv, int G, int D, int BS, int slices, String layout, int dtype) {
        for (String id : TestDevices.ids()) {
            matchesTheReference(squall.runtime.Devices.get(id), B, Hkv, G, D, BS, slices, layout, dtype);
        }
    }

    private void matchesTheReference(Device device, int B, int Hkv, int G, int D, int BS, int slices, String layout,
                                     int dtype) {
        int[] lengths = new int[B];
        for (int b = 0; b < B; b++) {
            lengths[b] = 37 + 61 * b; // different lengths, none a multiple of BS
        }
        PagedFixture f = new PagedFixture(B * 1000L + G, B, Hkv, G, D, BS, lengths, dtype);
        float scale = (float) (1 / Math.sqrt(D));
        WorkGroupDecode.Launch launch = WorkGroupDecode.launch(device, B, Hkv, G, D)
                .withLayout(WorkGroupDecode.Layout.parse(layout)).withSlices(slices);
        float[] out = new float[B * Hkv * G * D];
        float[] partials = new float[launch.partialsLength()];
        TaskGraph graph = new TaskGraph("decode")
                .transferToDevice(DataTransferMode.FIRST_EXECUTION, f.kCache, f.vCache, f.blockTable, f.seqLens,
                        f.oneEach)
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, f.q)
                .transferToHost(DataTransferMode.UNDER_DEMAND, partials);
        float[] none = new float[1];
        graph.transferToDevice(DataTransferMode.FIRST_EXECUTION, none);
        launch.addTasks(graph, f.q, f.kCache, f.vCache, f.blockTable, f.seqLens, f.oneEach, out, partials,
                none, none, BS, f.maxBlocks, scale, dtype, AttentionOptions.NONE, 0);
        graph.transferToHost(DataTransferMode.EVERY_EXECUTION, out);
        try (ExecutionPlan plan = new ExecutionPlan(graph).withDevice(device)) {
            plan.execute();
        }
        double error = ReferenceAttention.relativeL2Error(out, f.reference(scale));
        assertTrue(error < 1e-5, device.id() + ": relative L2 error " + error + " with " + launch);
    }
}
