package squall.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks an {@code int} kernel parameter whose value is fixed when the task graph is built (a head
 * dimension, a group size, a block size). Devices compile the kernel with the value as a
 * preprocessor constant ({@code -D NAME=value}), which lets the C compiler unroll loops and size
 * private arrays; one compiled program is kept per distinct set of values.
 *
 * <p>A private array such as {@code new float[G * D]} is allowed only when its size is built from
 * compile-time constants and specialised parameters.
 */
@Documented
@Retention(RetentionPolicy.CLASS)
@Target(ElementType.PARAMETER)
public @interface Specialize {
}
