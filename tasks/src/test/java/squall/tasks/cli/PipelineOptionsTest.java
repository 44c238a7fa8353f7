package squall.tasks.cli;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import squall.testing.OpenClTestDevice;
import squall.tasks.io.Npy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static squall.tasks.cli.PipelineBadInputTest.bad;

/**
 * {@code squall decode} and {@code prefill} with attention options: the flags, the presets' own, what a window
 * does to the bytes a step reads, {@code --check}, and bad values.
 */
class PipelineOptionsTest {

    @TempDir
    Path tmp;

    private static JsonNode json(String... args) throws Exception {
        return DecodeCommandTest.json(Cli.run(args));
    }

    private static String[] decode(String device, String... more) {
        List<String> args = new ArrayList<>(List.of("decode", "--device", device, "--json", "--no-progress"));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    /** Llama-3 8B's K and V per token of one layer in fp16: 2 x 8 heads x 128 x 2 bytes. */
    private static final long LLAMA3_FP16_TOKEN_BYTES = 2L * 8 * 128 * 2;

    @Test
    void aWindowReadsTheWindowNotTheContext() throws Exception {
        // steady steps 1 and 2 of 3 see contexts of 602 and 603 tokens; the window keeps 100 of them
        JsonNode full = json(decode("jvm", "--model", "llama3-8b", "--layers", "2", "--context", "600", "--steps", "3"));
        JsonNode window = json(decode("jvm", "--model", "llama3-8b", "--layers", "2", "--context", "600", "--steps", "3",
                "--window", "100", "--check"));
        assertEquals(LLAMA3_FP16_TOKEN_BYTES * (602 + 603), full.get("kv_bytes_per_step").asLong(), full::toString);
        assertEquals(2 * LLAMA3_FP16_TOKEN_BYTES * 100, window.get("kv_bytes_per_step").asLong(), window::toString);
        assertEquals("[100,100]", window.get("windows").toString());
        assertTrue(window.get("check_ok").asBoolean(), window::toString);
        assertTrue(window.get("check_error").asDouble() < 1e-5, window::toString);
    }

    @Test
    void presetsBringTheirOptionsAndFlagsReplaceThem() throws Exception {
        JsonNode gemma = json(decode("jvm", "--model", "gemma2-9b", "--layers", "3", "--context", "20", "--steps", "2",
                "--check"));
        assertEquals("[4096,0,4096]", gemma.get("windows").toString());
        assertEquals(50.0, gemma.get("softcap").asDouble());
        assertTrue(gemma.get("check_ok").asBoolean(), gemma::toString);
        JsonNode oss = json(decode("jvm", "--model", "gpt-oss-20b", "--layers", "2", "--context", "300", "--steps", "2",
                "--kv-dtype", "int8", "--check"));
        assertEquals("[128,0]", oss.get("windows").toString());
        assertTrue(oss.get("sinks").asBoolean());
        assertTrue(oss.get("check_ok").asBoolean(), oss::toString);
        // int8: a byte per value and a 4-byte scale per row; layer 0 reads the window, layer 1 all 302 tokens
        assertEquals(2L * 8 * (64 + 4) * (128 + 302), oss.get("kv_bytes_per_step").asLong(), oss::toString);
        JsonNode mistral = json(decode("jvm", "--model", "mistral-7b", "--layers", "1", "--context", "8", "--steps", "2",
                "--window", "3", "--softcap", "30"));
        assertEquals("[3]", mistral.get("windows").toString());
        assertEquals(30.0, mistral.get("softcap").asDouble());
    }

    @Test
    void prefillTakesTheFlagsAndChecks() throws IOException {
        Path sinks = tmp.resolve("sinks.npy");
        Npy.writeFloat32(sinks, new int[] {8}, new float[] {1, 2, 0.5f, -1, 3, 0, 1, 2});
        Cli.Result r = Cli.run("prefill", "--device", "jvm", "--model", "gpt-oss-20b", "--kv-heads", "2", "--layers", "2",
                "--tokens", "48", "--chunk", "16", "--window", "20", "--alibi", "--check", "--no-progress");
        assertEquals(0, r.status(), r::toString);
        assertTrue(r.out().contains("options:     window 20, alibi, sinks"), r::toString);
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("check:") && l.endsWith(": ok")), r::toString);
        Cli.Result wrong = bad("--sinks", "prefill", "--device", "jvm", "--model", "gpt-oss-20b", "--layers", "1",
                "--tokens", "8", "--sinks", sinks.toString());
        assertTrue(wrong.err().contains("(64,)"), wrong::toString);
    }

    @Test
    void badValuesNameTheFlag() {
        bad("--window", decode("jvm", "--model", "llama3-8b", "--context", "8", "--steps", "2", "--window", "0"));
        bad("--softcap", decode("jvm", "--model", "llama3-8b", "--context", "8", "--steps", "2", "--softcap", "-1"));
        bad("--softcap", decode("jvm", "--model", "llama3-8b", "--context", "8", "--steps", "2", "--softcap", "NaN"));
        bad("--alibi-slopes", decode("jvm", "--model", "llama3-8b", "--context", "8", "--steps", "2", "--alibi",
                "--alibi-slopes", "x.npy"));
        bad("--sinks", decode("jvm", "--model", "llama3-8b", "--context", "8", "--steps", "2", "--sinks",
                tmp.resolve("missing.npy").toString()));
        bad("--window", "prefill", "--device", "jvm", "--model", "llama3-8b", "--tokens", "8", "--window", "-5");
    }

    @Tag("opencl")
    @Test
    void openClDecodeWithAWindowChecks() throws Exception {
        String id = OpenClTestDevice.opencl0().id();
        for (String variant : List.of("workgroup", "broadcast")) {
            JsonNode r = json(decode(id, "--model", "gemma2-9b", "--layers", "2", "--context", "300", "--steps", "2",
                    "--window", "64", "--variant", variant, "--kv-dtype", "int8", "--check"));
            assertEquals(2L * 8 * (256 + 4) * (64 + 64), r.get("kv_bytes_per_step").asLong(), r::toString);
            assertTrue(r.get("check_ok").asBoolean(), r::toString);
        }
    }
}
