package squall.kernels;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import squall.device.jvm.JvmDevice;
import squall.kernels.testing.PagedFixture;
import squall.runtime.DataTransferMode;
import squall.runtime.Device;
import squall.runtime.ExecutionPlan;
import squall.runtime.TaskGraph;
import squall.kernels.testing.AttentionCases;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The @Parallel paged kernels on the jvm device: broadcast (with slices) and repeat, append. */
class PagedAttentionTest {

    /** The slopes and sinks of kernels without attention options. */
    private static final float[] NONE = new float[1];

    private static final Device JVM = new JvmDevice(2);

    @ParameterizedTest(name = "B={0} Hkv={1} G={2} D={3} BS={4} slices={5} dtype={6}")
    @CsvSource({
            "1, 2, 4, 64, 16, 1, 0",
            "2, 1, 7, 48, 7, 3, 1",
            "3, 2, 5, 80, 1, 2, 2",
            "1, 1, 8, 128, 32, 4, 0",
            "2, 4, 1, 24, 5, 1, 1",
    })
    void decodeBroadcastMatchesTheReference(int B, int Hkv, int G, int D, int BS, int slices, int dtype) {
        int[] lengths = new int[B];
        for (int b = 0; b < B; b++) {
            lengths[b] = 29 + 53 * b;
        }
        PagedFixture f = new PagedFixture(7L * B + G, B, Hkv, G, D, BS, lengths, dtype);
        float scale = (float) (1 / Math.sqrt(D));
        float[] out = new float[B * Hkv * G * D];
        float[] partials = new float[slices == 1 ? 1 : B * Hkv * G * slices * (D + 2)];
        TaskGraph graph = new TaskGraph("decode")
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, f.q, f.kCache, f.vCache, f.blockTable, f.seqLens, f.oneEach,
                        NONE)
                .transferToHost(DataTransferMode.UNDER_DEMAND, partials)
                .task("attend", PagedAttentionKernels::attendPaged, f.q, f.kCache, f.vCache, f.blockTable, f.seqLens,
                        f.oneEach, out, partials, NONE, NONE, B, Hkv, G, 1, D, BS, f.maxBlocks, scale, slices, 1, 16, dtype, 0, 0, 0f,
                        0);
        if (slices > 1) {
            graph.task("combine", squall.kernels.SplitKv::combineSlices, partials, out, B * Hkv * G, slices, D, 0);
        }
        graph.transferToHost(DataTransferMode.EVERY_EXECUTION, out);
        try (ExecutionPlan plan = new ExecutionPlan(graph).withDevice(JVM)) {
            plan.execute();
        }
        double error = ReferenceAttention.relativeL2Error(out, f.reference(scale));
        assertTrue(error < 1e-5, "relative L2 error " + error);
    }

    @ParameterizedTest(name = "Tq={0} S={1} BS={2} dtype={3}")
    @CsvSource({"61, 61, 16, 0", "16, 100, 7, 1", "5, 40, 1, 2", "33, 33, 33, 0"})
    void appendThenCausalPrefillMatchesTheReference(int Tq, int S, int BS, int dtype) {
        // Fill the first S - Tq tokens by hand, append the last Tq with the kernel, then attend causally.
        int B = 2, Hkv = 2, G = 3, D = 32;
        AttentionShape shape = new AttentionShape(B, Hkv * G, Hkv, Tq, S, D);
        float[][] in = AttentionCases.inputs(shape, 31L * Tq + S);
        float[] k = in[1], v = in[2];
        for (int i = 0; i < k.length; i++) {
            k[i] = KvStorage.round(k[i], dtype);
            v[i] = KvStorage.round(v[i], dtype);
        }
        int maxBlocks = (S + BS - 1) / BS;
        int[] blockTable = new int[B * maxBlocks];
        for (int i = 0; i < blockTable.length; i++) {
            blockTable[i] = blockTable.length - 1 - i; // blocks in reverse order
        }
        float[] kValues = new float[B * maxBlocks * Hkv * BS * D], vValues = new float[kValues.length];
        float[] kNew = new float[B * Hkv * Tq * D], vNew = new float[kNew.length];
        for (int b = 0; b < B; b++) {
            for (int h = 0; h < Hkv; h++) {
                for (int j = 0; j < S; j++) {
                    int from = ((b * Hkv + h) * S + j) * D;
                    if (j < S - Tq) {
                        int row = ((blockTable[b * maxBlocks + j / BS] * Hkv + h) * BS + j % BS) * D;
                        System.arraycopy(k, from, kValues, row, D);
                        System.arraycopy(v, from, vValues, row, D);
                    } else {
                        int to = ((b * Hkv + h) * Tq + j - (S - Tq)) * D;
                        System.arraycopy(k, from, kNew, to, D);
                        System.arraycopy(v, from, vNew, to, D);
                    }
                }
            }
        }
        int[] kCache = PagedFixture.store(kValues, dtype), vCache = PagedFixture.store(vValues, dtype);
        int[] seqLens = {S, S}, newTokens = {Tq, Tq};
        float[] out = new float[shape.qElements()];
        float[] partials = new float[1];
        TaskGraph graph = new TaskGraph("prefill")
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, in[0], kNew, vNew, kCache, vCache, blockTable, seqLens,
                        newTokens, NONE)
                .transferToHost(DataTransferMode.UNDER_DEMAND, partials)
                .task("append", PagedAttentionKernels::appendKv, kNew, vNew, kCache, vCache, blockTable, seqLens,
                        newTokens, B, Hkv, Tq, D, BS, maxBlocks, dtype, 0)
                .task("attend", PagedAttentionKernels::attendPaged, in[0], kCache, vCache, blockTable, seqLens,
                        newTokens, out, partials, NONE, NONE, B, Hkv, G, Tq, D, BS, maxBlocks, shape.defaultScale(), 1, 3, 8, dtype,
                        0, 0, 0f, 0)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, out, kCache);
        try (ExecutionPlan plan = new ExecutionPlan(graph).withDevice(JVM)) {
            plan.execute();
        }
        double error = ReferenceAttention.relativeL2Error(out,
                ReferenceAttention.attend(in[0], k, v, shape, null, true, shape.defaultScale()));
        assertTrue(error < 1e-5, "relative L2 error " + error);
        // the appended rows hold exactly the rounded new keys
        int row = ((blockTable[maxBlocks + (S - 1) / BS] * Hkv + 1) * BS + (S - 1) % BS) * D;
        for (int d = 0; d < D; d++) {
            assertEquals(k[((Hkv + 1) * S + S - 1) * D + d], KvStorage.read(kCache, row + d, dtype));
        }
    }

    @ParameterizedTest(name = "dtype={0}")
    @CsvSource({"0", "1", "2"})
    void repeatKvThenMhaMatchesBroadcast(int dtype) {
        int B = 2, Hkv = 2, G = 4, D = 16, BS = 8;
        PagedFixture f = new PagedFixture(99, B, Hkv, G, D, BS, new int[] {20, 9}, dtype);
        float scale = 0.25f;
        int[] kRep = new int[f.numBlocks * Hkv * G * BS * D], vRep = new int[kRep.length];
        float[] out = new float[B * Hkv * G * D];
        float[] partials = new float[1];
        TaskGraph graph = new TaskGraph("repeat")
                .transferToDevice(DataTransferMode.EVERY_EXECUTION, f.q, f.kCache, f.vCache, f.blockTable, f.seqLens, f.oneEach,
                        NONE)
                .transferToHost(DataTransferMode.UNDER_DEMAND, kRep, vRep, partials)
                .task("repeat", PagedAttentionKernels::repeatKv, f.kCache, f.vCache, kRep, vRep, f.blockTable, f.seqLens,
                        B, Hkv, G, D, BS, f.maxBlocks, dtype)
                .task("attend", PagedAttentionKernels::attendPaged, f.q, kRep, vRep, f.blockTable, f.seqLens, f.oneEach, out,
                        partials, NONE, NONE, B, Hkv * G, 1, 1, D, BS, f.maxBlocks, scale, 1, 1, 4, KvStorage.FP32, 0, 0,
                        0f, 0)
                .transferToHost(DataTransferMode.EVERY_EXECUTION, out);
        try (ExecutionPlan plan = new ExecutionPlan(graph).withDevice(JVM)) {
            plan.execute();
        }
        double error = ReferenceAttention.relativeL2Error(out, f.reference(scale));
        assertTrue(error < 1e-5, "relative L2 error " + error);
    }
}
