package squall.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks the loop variable of a data-parallel loop in a {@link Kernel}: every iteration is
 * independent and may run on its own work-item.
 *
 * <p>The loop must be a simple counted loop, {@code for (@Parallel int i = lo; i < hi; i++)},
 * whose bounds depend only on the kernel's parameters and constants. Up to three loops may be
 * nested; the innermost becomes dimension 0 of the launch, so adjacent work-items take adjacent
 * values of the innermost index.
 */
@Documented
@Retention(RetentionPolicy.SOURCE)
@Target(ElementType.LOCAL_VARIABLE)
public @interface Parallel {
}
