package squall.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a {@code static void} method as a kernel: squall's kernel compiler reads its source at
 * build time, checks it against the supported subset of Java and emits a JVM variant, OpenCL C
 * and CUDA C for it.
 *
 * <p>A kernel takes primitive arrays and primitive scalars. Its data-parallel loops carry
 * {@link Parallel} on their loop variable; alternatively the kernel takes a {@link KernelContext}
 * as its first parameter and reads work-item indices from it.
 *
 * <pre>{@code
 * @Kernel
 * public static void scale(float[] x, float factor, int n) {
 *     for (@Parallel int i = 0; i < n; i++) {
 *         x[i] = x[i] * factor;
 *     }
 * }
 * }</pre>
 *
 * The method stays ordinary Java: calling it directly runs it sequentially, and that is the
 * reference semantics every device must reproduce.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.METHOD)
public @interface Kernel {
}
