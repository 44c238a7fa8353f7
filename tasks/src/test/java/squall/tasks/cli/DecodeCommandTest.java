package squall.tasks.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import squall.runtime.Devices;
import squall.tasks.LayoutProbe;
import squall.tasks.ModelPreset;
import squall.tasks.TestDevices;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code squall decode}: the report's fields and their values, text and JSON, and the progress bar. */
@Tag("opencl")
class DecodeCommandTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String[] REQUIRED = {"device", "model", "context", "steps", "batch", "kv_dtype", "ms_per_step",
            "kv_bytes_per_step", "gbps", "h2d_bytes_per_step", "d2h_bytes_per_step", "compile_ms"};

    static JsonNode json(Cli.Result result) throws Exception {
        assertEquals(0, result.status(), result::toString);
        assertEquals(1, result.out().lines().count(), () -> "one JSON object on one line: " + result);
        return JSON.readTree(result.out());
    }

    static Cli.Result decode(String device, String... more) {
        List<String> args = new ArrayList<>(List.of("decode", "--model", "llama3-8b", "--device", device, "--json"));
        args.addAll(List.of(more));
        if (!args.contains("--layers")) {
            args.addAll(List.of("--layers", "1"));
        }
        return Cli.run(args.toArray(String[]::new));
    }

    /** K and V bytes the steady state reads per step: step i (from 0) reads context + i + 1 tokens per sequence. */
    static long kvBytesPerSteadyStep(ModelPreset m, int layers, int batch, int context, int steps, int bytes) {
        long tokens = 0;
        for (int i = 1; i < steps; i++) {
            tokens += context + i + 1;
        }
        return Math.round(2.0 * layers * batch * m.kvHeads() * m.headDim() * bytes * tokens / (steps - 1));
    }

    @Test
    void jsonHoldsEveryFieldWithTheBytesTheShapeReads() throws Exception {
        ModelPreset llama = ModelPreset.byId("llama3-8b");
        Cli.Result result = decode("jvm", "--context", "40", "--steps", "5", "--batch", "2", "--kv-dtype", "fp32",
                "--block-size", "7", "--seed", "3");
        JsonNode r = json(result);
        for (String field : REQUIRED) {
            assertTrue(r.hasNonNull(field), () -> field + " missing in " + r);
        }
        assertEquals("", result.err(), "no progress bar where standard error is not a terminal");
        assertEquals("jvm", r.get("device").asText());
        assertEquals("llama3-8b", r.get("model").asText());
        assertEquals(40, r.get("context").asInt());
        assertEquals(5, r.get("steps").asInt());
        assertEquals(2, r.get("batch").asInt());
        assertEquals(1, r.get("layers").asInt());
        assertEquals("fp32", r.get("kv_dtype").asText());
        assertEquals(7, r.get("block_size").asInt());
        assertEquals("broadcast", r.get("variant").asText(), "the jvm device's default");
        assertEquals(4, r.get("steady_state_steps").asInt());
        assertEquals(kvBytesPerSteadyStep(llama, 1, 2, 40, 5, 4), r.get("kv_bytes_per_step").asLong());
        // 2 sequences x 45 tokens of room, in blocks of 7: 7 blocks each
        assertEquals(1L * 2 * 2 * 7 * 8 * 7 * 128 * 4, r.get("cache_bytes").asLong());
        assertTrue(r.get("ms_per_step").asDouble() > 0, r::toString);
        assertTrue(r.get("ms_per_step_median").asDouble() > 0, r::toString);
        assertTrue(r.get("wall_ms_per_step").asDouble() > 0, r::toString);
        double gbps = r.get("gbps").asDouble();
        assertEquals(r.get("kv_bytes_per_step").asDouble() / (r.get("ms_per_step").asDouble() * 1e6), gbps, gbps * 1e-6,
                "GB/s is the mean step's bytes over its time");
        assertTrue(r.get("compile_ms").asDouble() >= 0, r::toString);
        JsonNode first = r.get("first_step");
        assertEquals(2L * 2 * 41 * 8 * 128 * 4, first.get("kv_bytes").asLong(), "the first step reads context + 1 tokens");
        assertTrue(first.get("ms").asDouble() > 0, r::toString);
        JsonNode perStep = r.get("per_step");
        assertEquals(4, perStep.size(), "one entry per steady step");
        for (int i = 0; i < perStep.size(); i++) {
            // steady step i reads context + 2 + i tokens of both sequences' K and V
            assertEquals(2L * 2 * (42 + i) * 8 * 128 * 4, perStep.get(i).get("kv_bytes").asLong(), "steady step " + i);
            assertTrue(perStep.get(i).get("ms").asDouble() > 0, r::toString);
        }
        // the jvm device computes on the host arrays themselves: nothing crosses
        assertEquals(0, r.get("h2d_bytes_per_step").asLong());
        assertEquals(0, r.get("d2h_bytes_per_step").asLong());
        assertEquals(0, first.get("h2d_bytes").asLong());
    }

    @Test
    void sixteenBitCachesReadHalfTheBytes() throws Exception {
        ModelPreset llama = ModelPreset.byId("llama3-8b");
        for (String dtype : List.of("fp16", "bf16")) {
            JsonNode r = json(decode("jvm", "--context", "33", "--steps", "3", "--kv-dtype", dtype));
            assertEquals(dtype, r.get("kv_dtype").asText());
            assertEquals(kvBytesPerSteadyStep(llama, 1, 1, 33, 3, 2), r.get("kv_bytes_per_step").asLong(), r::toString);
        }
    }

    @Test
    void everyVariantRunsWithItsSlicesAndLayout() throws Exception {
        JsonNode broadcast = json(decode("jvm", "--context", "600", "--steps", "2", "--variant", "broadcast", "--slices", "3"));
        assertEquals(3, broadcast.get("slices").asInt());
        assertTrue(broadcast.get("layout").isNull());
        JsonNode workgroup = json(decode("jvm", "--context", "20", "--steps", "2", "--variant", "workgroup",
                "--layout", "coalesced", "--slices", "2"));
        assertEquals("workgroup", workgroup.get("variant").asText());
        assertEquals("coalesced", workgroup.get("layout").asText());
        assertEquals(2, workgroup.get("slices").asInt());
        // Which layout is faster is measured once per device and remembered; the run must use what was remembered.
        String measured = json(decode("jvm", "--context", "20", "--steps", "2", "--variant", "workgroup")).get("layout").asText();
        assertEquals(LayoutProbe.fasterLayout(Devices.get("jvm")).toString(), measured,
                "the jvm device's layout when none is named");
        for (String variant : List.of("gather", "repeat")) {
            JsonNode r = json(decode("jvm", "--context", "20", "--steps", "2", "--variant", variant));
            assertEquals(variant, r.get("variant").asText());
            assertEquals(1, r.get("slices").asInt());
        }
    }

    @Test
    void oneStepHasNoSteadyState() throws Exception {
        JsonNode r = json(decode("jvm", "--context", "8", "--steps", "1"));
        assertEquals(0, r.get("steady_state_steps").asInt());
        assertTrue(r.get("ms_per_step").isNull(), r::toString);
        assertTrue(r.get("first_step").get("ms").asDouble() > 0, r::toString);
        Cli.Result text = Cli.run("decode", "--model", "llama3-8b", "--layers", "1", "--device", "jvm", "--context", "8",
                "--steps", "1");
        assertEquals(0, text.status(), text::toString);
        assertTrue(text.out().contains("steady state: none"), text::toString);
    }

    @Test
    void textReportHasTheSteadyStateTable() {
        Cli.Result result = Cli.run("decode", "--model", "mistral-7b", "--layers", "1", "--device", "jvm", "--context", "16",
                "--steps", "4");
        assertEquals(0, result.status(), result::toString);
        String out = result.out();
        assertTrue(out.contains("model:       mistral-7b (Mistral 7B): 1 of 32 layers, Hq 32, Hkv 8, head dim 128, GQA"), out);
        assertTrue(out.contains("steady state, 3 steps"), out);
        assertTrue(out.lines().anyMatch(l -> l.startsWith("attention ms/step")), out);
        assertTrue(out.contains("KV read per step:     " + KvSizeCommand.grouped(2L * 8 * 128 * 2 * (16 + 3))), out);
        assertTrue(out.contains("first step:"), out);
    }

    @Test
    void progressBarOnRequestAndNeverWithNoProgress() {
        Cli.Result shown = decode("jvm", "--context", "16", "--steps", "3", "--progress");
        assertEquals(0, shown.status(), shown::toString);
        assertTrue(shown.err().contains("filling KV cache"), shown::toString);
        assertTrue(shown.err().contains("decode") && shown.err().contains("3/3 steps"), shown::toString);
        assertEquals(1, shown.out().lines().count(), "the bar stays off standard output");
        Cli.Result hidden = decode("jvm", "--context", "16", "--steps", "3", "--no-progress");
        assertEquals("", hidden.err(), hidden::toString);
    }

    /** On a device with its own memory, a step sends q, new K/V and the lengths, and brings back the output. */
    @Test
    void aDeviceWithItsOwnMemoryMovesOnlyTheNewTokenPerStep() throws Exception {
        List<String> devices = TestDevices.ids().stream().filter(id -> !id.equals("jvm")).toList();
        assumeTrue(!devices.isEmpty(), "no OpenCL or CUDA device here: only jvm, which copies nothing");
        ModelPreset m = ModelPreset.byId("llama3-8b");
        int L = 2, B = 3, context = 50, BS = 16;
        for (String id : devices) {
            JsonNode r = json(decode(id, "--layers", "" + L, "--batch", "" + B, "--context", "" + context, "--steps", "3",
                    "--block-size", "" + BS, "--kv-dtype", "fp16"));
            long q = (long) L * B * m.queryHeads() * m.headDim() * 4;
            long kv = 2L * L * B * m.kvHeads() * m.headDim() * 4;
            // per sequence: its length, and the tokens it brings to the step
            assertEquals(q + kv + 2 * 4L * B, r.get("h2d_bytes_per_step").asLong(), () -> id + ": " + r);
            assertEquals(q, r.get("d2h_bytes_per_step").asLong(), () -> id + ": " + r);
            long blocksEach = (context + 3 + BS - 1) / BS;
            // and one float: the placeholder the kernels get for the slopes and sinks a plain model does not have
            assertEquals(r.get("h2d_bytes_per_step").asLong() + r.get("cache_bytes").asLong() + 4L * B * blocksEach + 4,
                    r.get("first_step").get("h2d_bytes").asLong(), () -> id + ": the first step uploads the cache and"
                            + " block table too: " + r);
        }
    }

    @Test
    void kvHeadsForcesMhaOrMqaAndTheBytesFollow() throws Exception {
        JsonNode gqa = json(decode("jvm", "--context", "64", "--steps", "2"));
        JsonNode mha = json(decode("jvm", "--context", "64", "--steps", "2", "--kv-heads", "32"));
        JsonNode mqa = json(decode("jvm", "--context", "64", "--steps", "2", "--kv-heads", "1"));
        assertEquals(8, gqa.get("kv_heads").asInt());
        assertEquals(32, mha.get("kv_heads").asInt());
        assertEquals(1, mqa.get("kv_heads").asInt());
        assertEquals(4 * gqa.get("kv_bytes_per_step").asLong(), mha.get("kv_bytes_per_step").asLong());
        assertEquals(gqa.get("kv_bytes_per_step").asLong(), 8 * mqa.get("kv_bytes_per_step").asLong());
        Cli.Result bad = decode("jvm", "--context", "64", "--steps", "2", "--kv-heads", "5");
        assertEquals(2, bad.status());
        assertTrue(bad.err().contains("--kv-heads") && bad.err().contains("must divide llama3-8b's 32 query heads"), bad.err());
    }
}
