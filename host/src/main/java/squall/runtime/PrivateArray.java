package squall.runtime;

/**
 * A private array a kernel declares ({@code float[] scores = new float[G * TILE]}), sized for one launch's
 * arguments: each work-item has its own.
 *
 * <pre>{@code
 * for (PrivateArray a : kernel.privateArrays(args)) {
 *     System.out.println(a.name() + ": " + a.bytes() + " bytes per work-item");
 * }
 * }</pre>
 *
 * @param name    the variable's name; {@code helper.name} when a helper of the kernel declares it
 * @param element {@link ParamType#FLOAT}, {@link ParamType#INT}, ...
 * @param length  elements, computed in long arithmetic: it may exceed what the kernel's int arithmetic holds
 */
public record PrivateArray(String name, ParamType element, long length) {

    /** Bytes of one work-item's copy. */
    public long bytes() {
        return length > Long.MAX_VALUE / element.elementBytes() ? Long.MAX_VALUE : length * element.elementBytes();
    }
}
