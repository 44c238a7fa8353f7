package squall.compiler;

import org.junit.jupiter.api.Test;
import squall.runtime.KernelTarget;

import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A kernel calls static helpers of another class compiled with it, whichever class javac types first. */
class CrossClassHelperTest {

    private static final String SHARED = """
            package lib;

            public final class Shared {
                private Shared() {
                }

                public static float twice(float x) {
                    return scaled(x, 2.0f);
                }

                private static float scaled(float x, float by) { // private: only the helper's own class names it
                    return x * by;
                }

                public static void fill(float[] a, int from, int n, float value) {
                    for (int i = 0; i < n; i++) {
                        a[from + i] = twice(value);
                    }
                }
            }
            """;

    private static final String KERNELS = """
            package app;

            import lib.Shared;
            import squall.api.Kernel;
            import squall.api.Parallel;

            public final class Kernels {
                @Kernel
                public static void doubled(float[] x, float[] y) {
                    for (@Parallel int i = 0; i < y.length; i++) {
                        y[i] = Shared.twice(x[i]);
                    }
                }

                @Kernel
                public static void filled(float[] y, int rows, int n) {
                    for (@Parallel int r = 0; r < rows; r++) {
                        Shared.fill(y, r * n, n, 1.5f);
                    }
                }
            }
            """;

    @Test
    void helpersOfAnotherClassArePrintedWithTheirClassName() {
        KernelCompilation.Result result = KernelCompilation.compile(List.of(
                new KernelCompilation.Unit("lib.Shared", SHARED), new KernelCompilation.Unit("app.Kernels", KERNELS)));
        assertTrue(result.success(), result.errorText());
        String opencl = result.generated("app.Kernels", "filled", KernelTarget.OPENCL);
        assertTrue(opencl.contains("void Shared_fill_g(__global float* a, int from, int n, float value)"),
                opencl);
        assertTrue(opencl.contains("float Shared_twice(float x)"), opencl);
        assertTrue(opencl.contains("float Shared_scaled(float x, float by)"), opencl);
        assertTrue(result.generated("app.Kernels", "doubled", KernelTarget.CUDA).contains("__device__ float Shared_twice("));
    }

    @Test
    void theOutputDoesNotDependOnWhichClassIsTypedFirst() {
        KernelCompilation.Result kernelsFirst = KernelCompilation.compile(List.of(
                new KernelCompilation.Unit("app.Kernels", KERNELS), new KernelCompilation.Unit("lib.Shared", SHARED)));
        KernelCompilation.Result helpersFirst = KernelCompilation.compile(List.of(
                new KernelCompilation.Unit("lib.Shared", SHARED), new KernelCompilation.Unit("app.Kernels", KERNELS)));
        assertTrue(kernelsFirst.success(), kernelsFirst.errorText());
        assertTrue(helpersFirst.success(), helpersFirst.errorText());
        for (String kernel : List.of("doubled", "filled")) {
            for (KernelTarget target : KernelTarget.values()) {
                assertEquals(helpersFirst.generated("app.Kernels", kernel, target),
                        kernelsFirst.generated("app.Kernels", kernel, target), kernel + " " + target);
            }
        }
    }

    @Test
    void aRuleBrokenInAnotherClassIsReportedAtItsOwnLine() {
        String bad = SHARED.replace("return x * by;", "String s = \"no\";\n        return x * by;");
        KernelCompilation.Result result = KernelCompilation.compile(List.of(
                new KernelCompilation.Unit("app.Kernels", KERNELS), new KernelCompilation.Unit("lib.Shared", bad)));
        assertFalse(result.success());
        var error = result.errors().getFirst();
        assertTrue(error.getSource().toUri().toString().endsWith("lib/Shared.java"), error.getSource().toUri().toString());
        assertEquals(12, error.getLineNumber(), result.errorText());
        assertTrue(error.getMessage(Locale.ROOT).contains("string"), result.errorText());
    }

    @Test
    void aKernelOfAnotherClassCannotBeCalled() {
        String other = """
                package lib;

                import squall.api.Kernel;
                import squall.api.Parallel;

                public final class Other {
                    @Kernel
                    public static void k(float[] y) {
                        for (@Parallel int i = 0; i < y.length; i++) {
                            y[i] = 1.0f;
                        }
                    }
                }
                """;
        String caller = KERNELS.replace("Shared.fill(y, r * n, n, 1.5f);", "lib.Other.k(y);");
        KernelCompilation.Result result = KernelCompilation.compile(List.of(
                new KernelCompilation.Unit("app.Kernels", caller), new KernelCompilation.Unit("lib.Shared", SHARED),
                new KernelCompilation.Unit("lib.Other", other)));
        assertFalse(result.success());
        assertTrue(result.errorText().contains("a kernel cannot call another kernel"), result.errorText());
    }
}
