package squall.runtime;

/**
 * One parameter of a kernel, as the kernel compiler saw it.
 *
 * @param name        the Java name
 * @param type        its type
 * @param access      for arrays: whether the kernel reads and/or writes it
 * @param specialized {@code true} for {@link squall.api.Specialize} parameters, compiled in as constants
 * @param lengthUsed  for arrays: the kernel reads {@code name.length}, passed to devices as an extra argument
 */
public record KernelParam(String name, ParamType type, Access access, boolean specialized, boolean lengthUsed) {
}
