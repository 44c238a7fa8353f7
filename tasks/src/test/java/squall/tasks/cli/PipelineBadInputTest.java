package squall.tasks.cli;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Bad input to {@code squall decode} and {@code squall prefill}: exit 2, one line naming the argument, nothing run. */
class PipelineBadInputTest {

    /** Llama-3 70B's K and V in fp32, every layer, per token of one sequence. */
    static final long LLAMA3_70B_FP32_BYTES_PER_TOKEN = 80L * 2 * 8 * 128 * 4;

    static Cli.Result bad(String argument, String... args) {
        Cli.Result result = Cli.run(args);
        assertEquals(2, result.status(), result::toString);
        assertEquals(1, result.errLines().length, result::toString);
        assertTrue(result.errLines()[0].contains(argument), () -> "names " + argument + ": " + result);
        assertEquals("", result.out(), result::toString);
        return result;
    }

    static String[] decode(String... more) {
        List<String> args = new ArrayList<>(List.of("decode", "--device", "jvm"));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    static String[] prefill(String... more) {
        List<String> args = new ArrayList<>(List.of("prefill", "--device", "jvm"));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    /** A context whose fp32 cache needs twice this JVM's heap, yet each layer's array stays a legal Java array. */
    static int contextBeyondTheHeap() {
        long tokens = 2 * Runtime.getRuntime().maxMemory() / LLAMA3_70B_FP32_BYTES_PER_TOKEN + 1;
        assumeTrue(tokens < 2_000_000, "this JVM's heap holds nearly any cache: " + Runtime.getRuntime().maxMemory());
        return (int) tokens;
    }

    @Test
    void decodeNamesTheBadArgument() {
        bad("--model", decode("--model", "gpt-5", "--context", "8", "--steps", "2"));
        Cli.Result context = bad("--context", decode("--model", "llama3-8b", "--context", "0", "--steps", "2"));
        assertTrue(context.err().contains(">= 1"), context::toString);
        bad("--steps", decode("--model", "llama3-8b", "--context", "8", "--steps", "0"));
        bad("--steps", decode("--model", "llama3-8b", "--context", "8", "--steps", "-3"));
        bad("--context", decode("--model", "llama3-8b", "--context", "2147483600", "--steps", "64"));
        bad("--kv-dtype", decode("--model", "llama3-8b", "--context", "8", "--steps", "2", "--kv-dtype", "fp8"));
        bad("--layers", decode("--model", "llama3-8b", "--context", "8", "--steps", "2", "--layers", "0"));
        bad("--layers", decode("--model", "llama3-8b", "--context", "8", "--steps", "2", "--layers", "33"));
        bad("--batch", decode("--model", "llama3-8b", "--context", "8", "--steps", "2", "--batch", "0"));
        bad("--block-size", decode("--model", "llama3-8b", "--context", "8", "--steps", "2", "--block-size", "0"));
        bad("--variant", decode("--model", "llama3-8b", "--context", "8", "--steps", "2", "--variant", "flash"));
        bad("--slices", decode("--model", "llama3-8b", "--context", "8", "--steps", "2", "--slices", "0"));
        bad("--slices", decode("--model", "llama3-8b", "--context", "8", "--steps", "2", "--variant", "gather", "--slices", "2"));
        bad("--layout", decode("--model", "llama3-8b", "--context", "8", "--steps", "2", "--layout", "coalesced"));
        bad("--device", "decode", "--model", "llama3-8b", "--context", "8", "--steps", "2", "--device", "tpu:7");
        bad("--context", "decode", "--model", "llama3-8b", "--steps", "2");
    }

    @Test
    void aCacheBeyondTheHeapSaysWhatItNeedsAndHowToGetIt() {
        int context = contextBeyondTheHeap();
        Cli.Result result = bad("--context", decode("--model", "llama3-70b", "--context", "" + context, "--steps", "1",
                "--kv-dtype", "fp32"));
        String line = result.errLines()[0];
        assertTrue(line.contains("GiB of Java heap"), line);
        assertTrue(line.contains("--kv-dtype fp16 or bf16"), line);
        assertTrue(line.contains("SQUALL_JAVA_OPTS=-Xmx") || line.contains("this machine") || line.contains("machine with"), line);
        bad("--tokens", prefill("--model", "llama3-70b", "--tokens", "" + context, "--chunk", "1", "--kv-dtype", "fp32"));
    }

    @Test
    void aLayerLongerThanAJavaArrayIsRefusedUpFront() {
        Cli.Result result = bad("--context", decode("--model", "llama3-70b", "--context", "3000000", "--steps", "1",
                "--kv-dtype", "fp32", "--layers", "1"));
        assertTrue(result.err().contains("more than a Java array holds"), result::toString);
        Cli.Result chunk = bad("--chunk", prefill("--model", "llama3-8b", "--tokens", "16384", "--layers", "32"));
        assertTrue(chunk.err().contains("queries of a step"), chunk::toString);
    }

    @Test
    void prefillNamesTheBadArgument() {
        bad("--model", prefill("--model", "nope", "--tokens", "8"));
        bad("--tokens", prefill("--model", "llama3-8b", "--tokens", "0"));
        Cli.Result workgroup = bad("--variant", prefill("--model", "llama3-8b", "--tokens", "8", "--variant", "workgroup"));
        assertTrue(workgroup.err().contains("decode"), workgroup::toString);
        Cli.Result divides = bad("--chunk", prefill("--model", "llama3-8b", "--tokens", "10", "--chunk", "4"));
        assertTrue(divides.err().contains("such as 2"), divides::toString);
        bad("--chunk", prefill("--model", "llama3-8b", "--tokens", "10", "--chunk", "11"));
        bad("--chunk", prefill("--model", "llama3-8b", "--tokens", "10", "--chunk", "0"));
        bad("--kv-dtype", prefill("--model", "llama3-8b", "--tokens", "8", "--kv-dtype", "int4"));
        bad("--layers", prefill("--model", "qwen2-7b", "--tokens", "8", "--layers", "29"));
        bad("--batch", prefill("--model", "qwen2-7b", "--tokens", "8", "--batch", "-1"));
    }

    @Test
    void aSizeTooLargeNamesTheOptionThatMadeIt() {
        Cli.Result slices = bad("--slices", decode("--model", "llama3-8b", "--context", "64", "--steps", "1", "--slices",
                "100000000", "--layers", "1"));
        assertTrue(slices.errLines()[0].startsWith("squall decode: --slices: the split-KV partials"), slices::toString);
        Cli.Result batch = bad("--batch", decode("--model", "llama3-8b", "--context", "16", "--steps", "1", "--batch",
                "20000000", "--layers", "1"));
        assertTrue(batch.errLines()[0].startsWith("squall decode: --batch: "), batch::toString);
    }

    @Test
    void aHugeBlockSizeIsTheContextNotGigabytes() throws Exception {
        Cli.Result result = Cli.run(decode("--model", "llama3-8b", "--context", "60", "--steps", "4", "--layers", "1",
                "--block-size", "100000000", "--json"));
        assertEquals(0, result.status(), result::toString);
        com.fasterxml.jackson.databind.JsonNode r = new com.fasterxml.jackson.databind.ObjectMapper().readTree(result.out());
        assertEquals(64, r.get("block_size").asInt(), "a block of the sequence's 64 tokens");
        assertEquals(2L * 64 * 8 * 128 * 2, r.get("cache_bytes").asLong(), "one block's K and V, fp16");
    }
}
