package squall.tasks.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import squall.tasks.ModelPreset;
import squall.tasks.TestDevices;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code squall prefill}: the report's fields, the causal FLOP count, chunks, and bytes on a device with its own memory. */
@Tag("opencl")
class PrefillCommandTest {

    static final String[] REQUIRED = {"device", "model", "tokens", "chunk", "chunks", "batch", "kv_dtype", "attention_ms",
            "gflops", "flops", "compile_ms", "h2d_bytes", "d2h_bytes"};

    static Cli.Result prefill(String device, String... more) {
        List<String> args = new ArrayList<>(List.of("prefill", "--model", "qwen2-7b", "--device", device, "--json"));
        args.addAll(List.of(more));
        if (!args.contains("--layers")) {
            args.addAll(List.of("--layers", "1"));
        }
        return Cli.run(args.toArray(String[]::new));
    }

    /** QK^T and PV over the causal triangle: T(T+1)/2 query-key pairs per head, 4 D FLOP each. */
    static long causalFlops(ModelPreset m, int layers, int batch, long tokens) {
        return 4L * layers * batch * m.queryHeads() * m.headDim() * tokens * (tokens + 1) / 2;
    }

    @Test
    void jsonHoldsEveryFieldAndTheCausalFlops() throws Exception {
        ModelPreset qwen = ModelPreset.byId("qwen2-7b");
        Cli.Result result = prefill("jvm", "--tokens", "48", "--chunk", "16", "--batch", "2", "--kv-dtype", "bf16");
        JsonNode r = DecodeCommandTest.json(result);
        for (String field : REQUIRED) {
            assertTrue(r.hasNonNull(field), () -> field + " missing in " + r);
        }
        assertEquals("", result.err(), result::toString);
        assertEquals(48, r.get("tokens").asInt());
        assertEquals(16, r.get("chunk").asInt());
        assertEquals(3, r.get("chunks").asInt());
        assertEquals(2, r.get("batch").asInt());
        assertEquals("bf16", r.get("kv_dtype").asText());
        assertEquals("broadcast", r.get("variant").asText());
        assertEquals(causalFlops(qwen, 1, 2, 48), r.get("flops").asLong(), "chunks add up to the whole triangle");
        assertEquals(3, r.get("per_chunk").size());
        // chunk 1 (tokens 16..31) sees the 16 before it and its own triangle
        assertEquals(4L * 2 * 28 * 128 * (16 * 16 + 16 * 17 / 2), r.get("per_chunk").get(1).get("flops").asLong());
        double ms = r.get("attention_ms").asDouble();
        assertTrue(ms > 0, r::toString);
        assertEquals(r.get("flops").asDouble() / (ms * 1e6), r.get("gflops").asDouble(), r.get("gflops").asDouble() * 1e-6);
        assertTrue(r.get("compile_ms").asDouble() >= 0, r::toString);
        assertEquals(0, r.get("h2d_bytes").asLong(), "the jvm device works on the host arrays");
    }

    @Test
    void allAtOnceByDefaultForEveryVariant() throws Exception {
        ModelPreset qwen = ModelPreset.byId("qwen2-7b");
        for (String variant : List.of("broadcast", "gather", "repeat")) {
            JsonNode r = DecodeCommandTest.json(prefill("jvm", "--tokens", "20", "--variant", variant, "--kv-dtype", "fp32"));
            assertEquals(1, r.get("chunks").asInt());
            assertEquals(20, r.get("chunk").asInt());
            assertEquals(variant, r.get("variant").asText());
            assertEquals(causalFlops(qwen, 1, 1, 20), r.get("flops").asLong());
        }
    }

    @Test
    void textReportListsTheChunks() {
        Cli.Result result = Cli.run("prefill", "--model", "llama3-8b", "--layers", "1", "--device", "jvm", "--tokens", "30",
                "--chunk", "10");
        assertEquals(0, result.status(), result::toString);
        String out = result.out();
        assertTrue(out.contains("3 chunks of 10 tokens"), out);
        assertTrue(out.lines().anyMatch(l -> l.strip().startsWith("2    30")), out);
        assertTrue(out.contains("GFLOP/s (" + KvSizeCommand.grouped(causalFlops(ModelPreset.byId("llama3-8b"), 1, 1, 30))
                + " FLOP"), out);
    }

    @Test
    void aDeviceWithItsOwnMemoryUploadsTheCacheOnceAndEachChunksInputs() throws Exception {
        List<String> devices = TestDevices.ids().stream().filter(id -> !id.equals("jvm")).toList();
        assumeTrue(!devices.isEmpty(), "no OpenCL or CUDA device here: only jvm, which copies nothing");
        ModelPreset m = ModelPreset.byId("qwen2-7b");
        int L = 2, B = 2, T = 24, C = 8, BS = 16;
        for (String id : devices) {
            JsonNode r = DecodeCommandTest.json(prefill(id, "--layers", "" + L, "--batch", "" + B, "--tokens", "" + T,
                    "--chunk", "" + C, "--block-size", "" + BS));
            long q = 4L * L * B * m.queryHeads() * C * m.headDim();
            long kv = 2 * 4L * L * B * m.kvHeads() * C * m.headDim();
            long table = 4L * B * ((T + BS - 1) / BS);
            long placeholder = 4;   // the kernels' slopes and sinks, which a plain model does not have
            // each chunk: queries, new K/V rows, and per sequence its length and the tokens it brings
            assertEquals(r.get("cache_bytes").asLong() + table + placeholder + (T / C) * (q + kv + 2 * 4L * B),
                    r.get("h2d_bytes").asLong(),
                    () -> id + ": " + r);
            assertEquals((T / C) * q, r.get("d2h_bytes").asLong(), () -> id + ": " + r);
        }
    }
}
