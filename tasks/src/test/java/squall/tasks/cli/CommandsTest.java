package squall.tasks.cli;

import org.junit.jupiter.api.Test;
import squall.tasks.ModelPreset;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
    void modelsListsEveryPreset() {
        String out = ok("models").out();
        for (ModelPreset m : ModelPreset.all()) {
            List<String> cells = row(out, m.id());
            assertEquals(List.of(m.id(), m.name(), "" + m.layers(), "" + m.queryHeads(), "" + m.kvHeads(),
                    "" + m.headDim(), "" + m.groupSize(), m.kind().name()), cells);
        }
        assertEquals(List.of("qwen2-7b", "Qwen-2 7B", "28", "28", "4", "128", "7", "GQA"), row(out, "qwen2-7b"));
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
    void topLevelErrorsAreOneLine() {
        bad("name a command", new String[0]);
        bad("frobnicate", "frobnicate");
        Cli.Result help = Cli.run("--help");
        assertEquals(0, help.status());
        for (String command : List.of("attend", "devices", "models", "kv-size", "print-kernel")) {
            assertTrue(help.out().contains(command), help.out());
        }
    }
}
