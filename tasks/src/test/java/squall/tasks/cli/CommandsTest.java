package squall.tasks.cli;

import org.junit.jupiter.api.Test;
import squall.tasks.KvCache;
import squall.tasks.ModelPreset;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code squall devices}, {@code models}, {@code kv-size}, {@code print-kernel} and the top level. */
class CommandsTest {

    private static Cli.Result ok(String... args) {
        Cli.Result result = Cli.run(args);
        assertEquals(0, result.status(), result::toString);
        assertEquals("", result.err(), result::toString);
        return result;
    }

    private static Cli.Result bad(String argument, String... args) {
        Cli.Result result = Cli.run(args);
        assertEquals(2, result.status(), result::toString);
        assertEquals(1, result.errLines().length, result::toString);
        assertTrue(result.errLines()[0].contains(argument), result::toString);
        return result;
    }

    /** The row of a table whose first column is {@code first}, split on runs of two or more spaces. */
    private static List<String> row(String table, String first) {
        return table.lines().map(l -> Arrays.asList(l.strip().split("\\s{2,}")))
                .filter(cells -> cells.getFirst().equals(first)).findFirst()
                .orElseThrow(() -> new AssertionError("no row " + first + " in\n" + table));
    }

    @Test
    void kvSizeOfA32Layer32HeadModelAt1024TokensInFp16() {
        String out = ok("kv-size", "--model", "llama2-7b", "--seq", "1024").out();
        assertTrue(out.contains("total:      536,870,912 bytes"), out);
        assertEquals(List.of("MHA *", "32", "1", "16,777,216", "536,870,912", "512.0 MiB", "1x"), row(out, "MHA *"));
        assertEquals("134,217,728", row(out, "GQA").get(4));
        assertEquals("8", row(out, "GQA").get(1));
        assertEquals("16,777,216", row(out, "MQA").get(4));
        assertTrue(row(out, "MQA").get(6).startsWith("32x smaller"), out);
        assertTrue(out.contains("The model is MHA, so the GQA row assumes 8 KV heads"), out);
    }

    @Test
    void kvSizeOfAGqaModelUsesItsOwnKvHeadsBatchAndDtype() {
        String out = ok("kv-size", "--model", "qwen2-7b", "--seq", "100", "--batch", "3", "--dtype", "fp32").out();
        long total = 2L * 28 * 4 * 100 * 128 * 4 * 3;
        assertEquals(String.format("%,d", total), row(out, "GQA *").get(4));
        assertEquals(String.format("%,d", total * 7), row(out, "MHA").get(4));
        assertTrue(row(out, "GQA *").get(6).startsWith("7x smaller"), out);
    }

    @Test
    void kvSizeRejectsBadArguments() {
        bad("--model", "kv-size", "--model", "gpt-5", "--seq", "10");
        bad("--seq", "kv-size", "--model", "llama3-8b", "--seq", "0");
        bad("--batch", "kv-size", "--model", "llama3-8b", "--seq", "1", "--batch", "-2");
        Cli.Result dtype = bad("--dtype", "kv-size", "--model", "llama3-8b", "--seq", "1", "--dtype", "fp8");
        assertTrue(dtype.err().contains("fp32, fp16, bf16, int8"), dtype::toString);
        bad("--seq", "kv-size", "--model", "llama3-8b", "--seq", String.valueOf(Long.MAX_VALUE / 4));
    }

    @Test
    void kvSizeTakesDecodesNamesAndTheOldOnesAsAliases() {
        String decodeNames = ok("kv-size", "--model", "qwen2-7b", "--context", "100", "--kv-dtype", "fp32").out();
        String oldNames = ok("kv-size", "--model", "qwen2-7b", "--seq", "100", "--dtype", "fp32").out();
        assertEquals(oldNames, decodeNames);
        assertTrue(decodeNames.contains("100 tokens x batch 1, fp32"), decodeNames);
        bad("--context", "kv-size", "--model", "llama3-8b", "--context", "0");
        bad("--seq", "kv-size", "--model", "llama3-8b", "--seq", "0");
    }

    @Test
    void prefillsBatchIsNotSaidToBeDecoded() {
        String help = ok("prefill", "--help").out();
        String batch = help.lines().filter(l -> l.strip().startsWith("--batch")).findFirst().orElseThrow();
        assertFalse(batch.contains("decoded"), batch);
    }

    @Test
    void aMistypedCommandOrOptionGetsASuggestion() {
        Cli.Result command = bad("devcies", "devcies");
        assertTrue(command.errLines()[0].contains("no command 'devcies'; did you mean 'devices'"), command::toString);
        // the unknown option is the mistake, not the required --context it made missing
        Cli.Result option = bad("--contxt", "decode", "--model", "llama3-8b", "--contxt", "64", "--steps", "1");
        assertTrue(option.errLines()[0].contains("unknown option '--contxt'; did you mean '--context'"), option::toString);
        Cli.Result kernel = bad("NAME", "print-kernel", "pagedattentionkernels.AttendPaged");
        assertTrue(kernel.errLines()[0].contains("did you mean 'PagedAttentionKernels.attendPaged'?"), kernel::toString);
    }

    @Test
    void modelsListsEveryPreset() {
        String out = ok("models").out();
        for (ModelPreset m : ModelPreset.all()) {
            List<String> cells = row(out, m.id());
            assertEquals(List.of(m.id(), m.name(), "" + m.layers(), "" + m.queryHeads(), "" + m.kvHeads(),
                    "" + m.headDim(), "" + m.groupSize(), m.kind().name()), cells.subList(0, 8));
        }
        assertEquals(List.of("qwen2-7b", "Qwen-2 7B", "28", "28", "4", "128", "7", "GQA", "-", "-", "-"), row(out, "qwen2-7b"));
        // the published configurations: sliding_window, attn_logit_softcapping, layer_types, sinks
        assertEquals(List.of("mistral-7b", "Mistral 7B", "32", "32", "8", "128", "4", "GQA", "4096", "-", "-"),
                row(out, "mistral-7b"));
        assertEquals(List.of("gemma2-9b", "Gemma-2 9B", "42", "16", "8", "256", "2", "GQA", "4096 (alternate layers)",
                "50", "-"), row(out, "gemma2-9b"));
        assertEquals(List.of("gpt-oss-20b", "gpt-oss 20B", "24", "64", "8", "64", "8", "GQA", "128 (alternate layers)",
                "-", "yes"), row(out, "gpt-oss-20b"));
    }

    @Test
    void devicesListsTheJvmDeviceByItsId() {
        String out = ok("devices").out();
        assertTrue(out.lines().findFirst().orElseThrow().startsWith("ID "), out);
        List<String> jvm = row(out, "jvm");
        assertEquals("jvm", jvm.get(2));
        assertEquals("jvm", jvm.get(3));
        assertTrue(jvm.get(4).contains("threads="), out);
    }

    @Test
    void printKernelListsTheThreeKernels() {
        List<String> names = ok("print-kernel", "--list").out().lines().toList();
        assertTrue(names.containsAll(List.of("AttentionKernels.attendBroadcast", "AttentionKernels.attendGather",
                "AttentionKernels.repeatKv")), names::toString);
    }

    @Test
    void printKernelPrintsEachTarget() {
        String opencl = ok("print-kernel", "AttentionKernels.attendBroadcast").out();
        assertTrue(opencl.contains("__kernel void attendBroadcast("), opencl);
        String cuda = ok("print-kernel", "attendGather", "--target", "cuda").out();
        assertTrue(cuda.contains("__global__") && cuda.contains("attendGather("), cuda);
        String java = ok("print-kernel", "squall.kernels.AttentionKernels.repeatKv", "--target", "java").out();
        assertTrue(java.contains("repeatKv"), java);
        assertTrue(!java.contains("__kernel") && !java.contains("__global__"), java);
    }

    @Test
    void printKernelRejectsUnknownNamesAndTargets() {
        bad("NAME", "print-kernel", "flashAttention");
        bad("NAME", "print-kernel");
        bad("--target", "print-kernel", "attendGather", "--target", "metal");
    }

    @Test
    void printKernelPutsInTheValuesADecodeOfTheModelUses() {
        ModelPreset llama = ModelPreset.byId("llama3-8b");
        String java = ok("print-kernel", "PagedAttentionKernels.attendPaged", "--model", "llama3-8b", "--device", "jvm").out();
        assertTrue(java.startsWith("// The JVM variant takes @Specialize values as arguments: BS=" + KvCache.DEFAULT_BLOCK_SIZE), java);
        assertTrue(java.contains("// Built on jvm") && java.contains("nothing to build at run time"), java);
        String opencl = ok("print-kernel", "PagedAttentionKernels.attendPaged", "--model", "llama3-8b").out();
        // G = Hq / Hkv, D the head dim, BS and the fp16 storage the decode command's defaults, no attention options
        // (Llama 3 has none), one query per work-item (decode), TILE its keys per softmax tile
        String expected = "// Specialised for BS=" + KvCache.DEFAULT_BLOCK_SIZE + ", D=" + llama.headDim() + ", DTYPE="
                + squall.kernels.KvStorage.FP16 + ", G=" + llama.queryHeads() / llama.kvHeads() + ", OPTIONS=0, QUERIES=1,"
                + " TILE=64 (the device compiles this source with -D SQUALL_BS=" + KvCache.DEFAULT_BLOCK_SIZE;
        assertTrue(opencl.lines().anyMatch(l -> l.startsWith(expected)), opencl);
        assertFalse(opencl.lines().skip(2).anyMatch(l -> l.contains("SQUALL_")), "every value is in:\n" + opencl);
        assertTrue(opencl.contains("float m[" + llama.queryHeads() / llama.kvHeads() + " * 1]"), opencl);
    }

    @Test
    void printKernelDefinesSomeValuesAndSaysWhichAreLeft() {
        String partial = ok("print-kernel", "PagedAttentionKernels.attendPaged", "--define", "G=4", "--define", "D=64").out();
        assertTrue(partial.contains("// Specialised for D=64, G=4"), partial);
        assertTrue(partial.contains("// Still to be defined (-D NAME=value): SQUALL_BS, SQUALL_QUERIES, SQUALL_TILE, SQUALL_DTYPE,"
                + " SQUALL_OPTIONS"), partial);
        assertTrue(partial.contains("float m[4 * SQUALL_QUERIES]") && partial.contains("SQUALL_BS"), partial);
        Cli.Result unknown = bad("--define", "print-kernel", "attendPaged", "--define", "Q=1");
        assertTrue(unknown.errLines()[0].contains("has no @Specialize parameter 'Q'; it has G, D, BS, QUERIES, TILE, DTYPE, OPTIONS"), unknown::toString);
        bad("--define", "print-kernel", "attendPaged", "--define", "G=four");
        bad("--target", "print-kernel", "attendPaged", "--device", "jvm", "--target", "cuda");
        bad("--model", "print-kernel", "AttentionKernels.attendBroadcast", "--model", "llama3-8b");
    }

    @Test
    void printKernelOnAnOpenClDeviceShowsTheBuild() {
        List<String> opencl = squall.tasks.TestDevices.ids().stream().filter(id -> id.startsWith("opencl:")).toList();
        org.junit.jupiter.api.Assumptions.assumeFalse(opencl.isEmpty(), "no OpenCL device here (CI has PoCL; other tests fail there without it)");
        String device = opencl.getFirst();
        String out = ok("print-kernel", "SplitKv.combineSlices", "--define", "D=128", "--device", device).out();
        assertTrue(out.contains("__kernel void combineSlices("), out);
        assertTrue(out.contains("// Built on " + device + "\n// compiler: clBuildProgram on " + device), out);
        assertTrue(out.contains("// options:  -D SQUALL_D=128\n"), out);
        assertTrue(out.contains("// log:"), out);
        Cli.Result missing = bad("--device", "print-kernel", "PagedAttentionKernels.attendPaged", "--define", "G=4", "--device", device);
        assertTrue(missing.errLines()[0].contains("missing D, BS, QUERIES, TILE, DTYPE"), missing::toString);
    }

    @Test
    void runAnswersHelpWithItsOwnUsageAndPassesEverythingAfterTheProgramOn() {
        String help = ok("run", "--help").out();
        assertTrue(help.startsWith("Usage: squall run "), help);
        assertTrue(help.contains("--class-path") && help.contains("PROGRAM") && help.contains("ARGS"), help);
        Cli.Result missing = bad("PROGRAM", "run", "NoSuchProgram", "--help");
        assertTrue(missing.errLines()[0].contains("no class 'NoSuchProgram'"), "--help after the program is the program's: " + missing);
    }

    @Test
    void topLevelErrorsAreOneLine() {
        bad("name a command", new String[0]);
        bad("frobnicate", "frobnicate");
        Cli.Result help = Cli.run("--help");
        assertEquals(0, help.status());
        for (String command : List.of("attend", "devices", "models", "kv-size", "print-kernel", "run")) {
            assertTrue(help.out().contains(command), help.out());
        }
    }
}
