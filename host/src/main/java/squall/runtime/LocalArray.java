package squall.runtime;

/**
 * A local (work-group shared) array a context kernel allocates; its length is computed at launch.
 *
 * @param name    the Java variable name
 * @param element {@link ParamType#FLOAT} or {@link ParamType#INT}
 */
public record LocalArray(String name, ParamType element) {
}
