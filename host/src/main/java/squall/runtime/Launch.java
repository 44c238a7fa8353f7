package squall.runtime;

/**
 * One kernel launch, as a plan hands it to a session.
 *
 * @param task       the task's name, for events and errors
 * @param kernel     the compiled kernel
 * @param deviceArgs per kernel parameter: a {@link DeviceBuffer} for arrays, the boxed value for
 *                   scalars, {@code null} for the context
 * @param hostArgs   the task's arguments as given (host arrays), for computing bounds and lengths
 * @param bounds     {@code @Parallel} kernels: {@code {lo0, hi0, ...}}, outermost loop first
 * @param grid       context kernels: the launch grid; {@code @Parallel} kernels: an optional local size
 */
public record Launch(String task, DeviceKernel kernel, Object[] deviceArgs, Object[] hostArgs, long[] bounds,
                     WorkerGrid grid) {
}
