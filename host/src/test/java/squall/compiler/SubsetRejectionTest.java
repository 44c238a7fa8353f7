package squall.compiler;

import org.junit.jupiter.api.Test;

import javax.tools.Diagnostic;
import javax.tools.JavaFileObject;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every construct outside the kernel subset fails the build with an error naming it, at the file,
 * line and column of the offending code.
 */
class SubsetRejectionTest {

    /**
     * Compiles class {@code Bad} with {@code members} in its body and asserts an error whose message contains
     * {@code message} at the first occurrence of {@code offending} in the source.
     */
    private static void assertRejected(String members, String offending, String message) {
        String source = "package bad;\n\nimport squall.api.*;\n\npublic class Bad {\n" + members + "\n}\n";
        int at = source.indexOf(offending);
        if (at < 0) {
            throw new IllegalArgumentException("'" + offending + "' is not in the source");
        }
        long line = source.substring(0, at).chars().filter(c -> c == '\n').count() + 1;
        KernelCompilation.Result result = KernelCompilation.compile("bad.Bad", source);
        assertFalse(result.success(), "compilation should fail");
        for (Diagnostic<? extends JavaFileObject> d : result.errors()) {
            boolean inside = d.getPosition() >= at && d.getPosition() < at + offending.length();
            if (d.getMessage(Locale.ROOT).contains(message) && inside) {
                assertEquals(line, d.getLineNumber(), "line");
                long lineStart = source.lastIndexOf('\n', at - 1) + 1;
                long column = d.getColumnNumber();
                assertFalse(column < at - lineStart + 1 || column > at - lineStart + offending.length(),
                        "column " + column + " should point into '" + offending + "'");
                assertEquals("/bad/Bad.java", d.getSource().getName(), "file");
                return;
            }
        }
        fail("no error containing '" + message + "' at '" + offending + "' (line " + line + "); errors:\n" + result.errorText());
    }

    private static String kernel(String body) {
        return "    @Kernel\n    public static void k(float[] a, int n) {\n" + body + "\n    }\n";
    }

    @Test
    void objectAllocation() {
        assertRejected(kernel("        Object o = new Object();"), "new Object()", "object allocation (new Object(...))");
    }

    @Test
    void privateArrayWhoseSizeIsKnownOnlyAtRunTime() {
        assertRejected(kernel("        float[] tile = new float[n];"), "n]", "a private array's size must be fixed before launch");
    }

    @Test
    void privateArrayOfSpecialisedSizeIsAccepted() {
        String source = "package good;\nimport squall.api.*;\npublic class Good {\n    @Kernel\n"
                + "    public static void k(float[] a, @Specialize int n) {\n        float[] t = new float[n * 2];\n"
                + "        t[0] = 1f;\n        a[0] = t[0];\n    }\n}\n";
        KernelCompilation.Result result = KernelCompilation.compile("good.Good", source);
        assertEquals("", result.errorText());
    }

    @Test
    void virtualCall() {
        assertRejected(kernel("        boolean d = Thread.currentThread().isDaemon();"), "Thread.currentThread().isDaemon()",
                "virtual/instance call (Thread.isDaemon(...))");
    }

    @Test
    void strings() {
        assertRejected(kernel("        String s = \"attention\";"), "\"attention\"", "a string is not supported");
    }

    @Test
    void stringVariables() {
        assertRejected(kernel("        String s = Integer.toString(n);"), "String s", "strings are not supported");
    }

    @Test
    void exceptionHandling() {
        assertRejected(kernel("        try {\n            a[0] = 1f;\n        } catch (RuntimeException e) {\n        }"),
                "try {", "exception handling (try)");
    }

    @Test
    void throwingExceptions() {
        assertRejected(kernel("        if (n < 0) {\n            throw new IllegalArgumentException();\n        }"),
                "throw new", "throwing an exception");
    }

    @Test
    void recursion() {
        assertRejected(kernel("        a[0] = depth(n);")
                        + "    static float depth(int x) {\n        return x <= 0 ? 0f : 1f + depth(x - 1);\n    }\n",
                "static float depth", "recursion (depth calls depth)");
    }

    @Test
    void lambdas() {
        assertRejected(kernel("        Runnable r = () -> a[0] = 1f;"), "() -> a[0] = 1f", "a lambda");
    }

    @Test
    void methodReferences() {
        assertRejected(kernel("        Runnable r = Bad::helper;") + "    static void helper() {\n    }\n",
                "Bad::helper", "a method reference");
    }

    @Test
    void mutableStaticFields() {
        assertRejected("    static float factor = 2f;\n" + kernel("        a[0] = factor;"), "factor;",
                "Bad.factor is not a static final primitive constant");
    }

    @Test
    void staticFinalConstantsAreAccepted() {
        String source = "package good;\nimport squall.api.*;\npublic class Good {\n    static final float FACTOR = 2f;\n    @Kernel\n"
                + "    public static void k(float[] a) {\n        a[0] = FACTOR * Good.FACTOR;\n    }\n}\n";
        assertEquals("", KernelCompilation.compile("good.Good", source).errorText());
    }

    @Test
    void arraysOfArraysAsParameters() {
        assertRejected("    @Kernel\n    public static void k(float[][] a) {\n    }\n", "float[][] a",
                "one-dimensional primitive arrays");
    }

    @Test
    void arraysOfArraysAsLocals() {
        assertRejected(kernel("        float[][] grid = new float[4][4];"), "new float[4][4]", "an array of arrays");
    }

    @Test
    void parallelLoopWithAStride() {
        assertRejected(kernel("        for (@Parallel int i = 0; i < n; i += 2) {\n            a[i] = 0f;\n        }"),
                "i += 2", "a @Parallel loop must be a simple counted loop");
    }

    @Test
    void parallelLoopWithAnotherCondition() {
        assertRejected(kernel("        for (@Parallel int i = 0; i <= n; i++) {\n            a[i] = 0f;\n        }"),
                "i <= n", "a @Parallel loop must be a simple counted loop");
    }

    @Test
    void parallelLoopInsideSequentialCode() {
        assertRejected(kernel("        if (n > 0) {\n            for (@Parallel int i = 0; i < n; i++) {\n"
                        + "                a[i] = 0f;\n            }\n        }"),
                "for (@Parallel", "a @Parallel loop must be the last statement");
    }

    @Test
    void parallelLoopBoundsFromLocals() {
        assertRejected(kernel("        int m = n / 2;\n        for (@Parallel int i = 0; i < m; i++) {\n"
                + "            a[i] = 0f;\n        }"), "m; i++", "may use only parameters, constants");
    }

    @Test
    void aliasingArrays() {
        assertRejected("    @Kernel\n    public static void k(float[] a, float[] b) {\n        float[] c = a;\n    }\n",
                "a;", "array 'a' may only be indexed");
    }

    @Test
    void callsOutsideTheSubset() {
        assertRejected(kernel("        a[0] = (float) Math.random();"), "Math.random()",
                "the call java.lang.Math.random(...) is not supported in kernels");
    }

    @Test
    void kernelsInTheUnnamedPackage() {
        KernelCompilation.Result result = KernelCompilation.compile("Plain",
                "import squall.api.*;\npublic class Plain {\n    @Kernel\n    public static void k(float[] a) {\n    }\n}\n");
        assertTrue(result.errorText().contains("kernel classes must be in a named package"), result.errorText());
        assertEquals(1, result.errors().size(), "the real error only, no 'cannot find symbol' after it: " + result.errorText());
    }

    @Test
    void stridedParallelLoopGetsOneError() {
        String source = "package bad;\nimport squall.api.*;\npublic class Bad {\n" + kernel(
                "        for (@Parallel int i = 0; i < n; i += 2) {\n            a[i] = 0f;\n        }") + "}\n";
        KernelCompilation.Result result = KernelCompilation.compile("bad.Bad", source);
        assertTrue(result.errorText().contains("the update must be 'i++'"), result.errorText());
        assertEquals(1, result.errors().size(), "no 'must be the last statement' after the real error: " + result.errorText());
    }

    @Test
    void kernelsThatReturnValues() {
        assertRejected("    @Kernel\n    public static int k(float[] a) {\n        return 0;\n    }\n",
                "public static int k", "kernels return void");
    }

    @Test
    void instanceKernels() {
        assertRejected("    @Kernel\n    public void k(float[] a) {\n    }\n", "public void k", "kernels must be static");
    }

    /** A context kernel with {@code body}. */
    private static String contextKernel(String body) {
        return "    @Kernel\n    public static void k(KernelContext ctx, float[] a, int n) {\n"
                + "        float[] tile = ctx.allocateFloatLocalArray(64);\n" + body + "\n    }\n";
    }

    private static final String DIVERGES = "localBarrier() is reached by only some work-items of a group";

    @Test
    void aBarrierUnderAWorkItemCondition() {
        assertRejected(contextKernel("        if (ctx.localIdx < 4) {\n            ctx.localBarrier();\n        }"),
                "ctx.localBarrier()", DIVERGES);
    }

    @Test
    void aBarrierAfterAWorkItemReturns() {
        assertRejected(contextKernel("        if (ctx.localIdx == 0) {\n            return;\n        }\n"
                + "        tile[ctx.localIdx] = 1f;\n        ctx.localBarrier();\n        a[ctx.globalIdx] = tile[0];"),
                "ctx.localBarrier()", "the return under the condition 'ctx.localIdx == 0'");
    }

    @Test
    void aBarrierInALoopWhoseCountDependsOnTheWorkItem() {
        // through a variable and a helper: the trip count differs between work-items
        assertRejected(contextKernel("        int item = twice(ctx.localIdx);\n        for (int i = 0; i < item; i++) {\n"
                + "            ctx.localBarrier();\n        }") + "    static int twice(int x) {\n        return 2 * x;\n    }\n",
                "ctx.localBarrier()", DIVERGES);
    }

    @Test
    void aBarrierInALoopSomeWorkItemsLeaveEarly() {
        assertRejected(contextKernel("        for (int i = 0; i < n; i++) {\n            ctx.localBarrier();\n"
                + "            if (a[ctx.globalIdx] > n) {\n                break;\n            }\n        }"),
                "ctx.localBarrier()", "the break under the condition 'a[ctx.globalIdx] > n'");
    }

    @Test
    void aBarrierUnderAConditionOnAPrivateArrayOfWorkItemValues() {
        assertRejected(contextKernel("        float[] mine = new float[2];\n        mine[0] = ctx.globalIdx;\n"
                + "        if (mine[0] > 3f) {\n            ctx.localBarrier();\n        }"), "ctx.localBarrier()", DIVERGES);
    }

    @Test
    void barriersThatEveryWorkItemReachesAreAccepted() {
        // uniform conditions (the group, sizes, parameters, shared memory at a uniform index), guarded work between
        // barriers, and a j that varies in one loop but not in another
        String source = "package good;\nimport squall.api.*;\npublic class Barriers {\n    @Kernel\n"
                + "    public static void k(KernelContext ctx, float[] a, int n) {\n"
                + "        float[] tile = ctx.allocateFloatLocalArray(64);\n"
                + "        int item = ctx.localIdx;\n"
                + "        for (int j = item; j < 64; j += ctx.localGroupSizeX) {\n            tile[j] = a[j];\n        }\n"
                + "        ctx.localBarrier();\n"
                + "        if (ctx.groupIdx % 2 == 0 && n > 3) {\n"
                + "            for (int j = 0; j < n; j++) {\n"
                + "                if (item < 8) {\n                    tile[item] = tile[item] + 1f;\n                }\n"
                + "                ctx.localBarrier();\n            }\n        }\n"
                + "        if (tile[0] > 0f) {\n            ctx.localBarrier();\n        }\n"
                + "        a[ctx.globalIdx] = tile[item];\n    }\n}\n";
        KernelCompilation.Result result = KernelCompilation.compile("good.Barriers", source);
        assertEquals("", result.errorText());
    }
}
