package squall.tasks.io;

import squall.tasks.Saturating;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * An array read from a {@code .npy} file: its shape (row-major), its NumPy type string
 * ({@code <f4}, {@code <i4}, ...) and its elements as a flat Java array.
 *
 * <pre>{@code
 * NpyTensor q = Npy.read(Path.of("q.npy"));
 * if (q.isFloat32() && q.rank() == 4) {
 *     float[] data = q.floats();
 * }
 * }</pre>
 *
 * @param shape dimensions, outermost first; empty for a scalar
 * @param descr the header's {@code descr}, for instance {@code <f4}
 * @param data  {@code float[]}, {@code int[]}, {@code double[]}, ... as the library decoded it
 */
public record NpyTensor(int[] shape, String descr, Object data) {

    public NpyTensor {
        shape = shape.clone();
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    public int dim(int axis) {
        return shape[axis];
    }

    /** Number of elements the shape holds. */
    public long elements() {
        return elements(shape);
    }

    /**
     * The product of the dimensions, or {@link Long#MAX_VALUE} if it does not fit in a long: a crafted header
     * whose product wraps (to 0, say) must not pass for a small array.
     */
    static long elements(int[] shape) {
        if (Arrays.stream(shape).anyMatch(d -> d == 0)) {
            return 0;
        }
        return Saturating.product(Arrays.stream(shape).asLongStream().toArray());
    }

    /** The NumPy name of the element type: {@code float32}, {@code int32}, {@code float64}, ... */
    public String dtype() {
        return dtypeName(descr);
    }

    static String dtypeName(String descr) {
        String code = descr.isEmpty() ? "" : descr.substring(1);
        return switch (code) {
            case "f2" -> "float16";
            case "f4" -> "float32";
            case "f8" -> "float64";
            case "i1" -> "int8";
            case "i2" -> "int16";
            case "i4" -> "int32";
            case "i8" -> "int64";
            case "u1" -> "uint8";
            case "u2" -> "uint16";
            case "u4" -> "uint32";
            case "u8" -> "uint64";
            case "b1" -> "bool";
            default -> descr;
        };
    }

    public boolean isFloat32() {
        return "float32".equals(dtype()) && data instanceof float[];
    }

    public boolean isInt32() {
        return "int32".equals(dtype()) && data instanceof int[];
    }

    /** The elements as float32; fails unless {@link #isFloat32()}. */
    public float[] floats() {
        if (!isFloat32()) {
            throw new IllegalStateException("not a float32 array: " + dtype());
        }
        return (float[]) data;
    }

    /** The elements as int32; fails unless {@link #isInt32()}. */
    public int[] ints() {
        if (!isInt32()) {
            throw new IllegalStateException("not an int32 array: " + dtype());
        }
        return (int[]) data;
    }

    /** The shape as NumPy prints it: {@code (1, 6, 3, 64)}, {@code (6,)}, {@code ()}. */
    public String shapeText() {
        return shapeText(shape);
    }

    /** NumPy's notation for a shape: {@code (1, 6, 3, 64)}, {@code (6,)}, {@code ()}. */
    public static String shapeText(int[] shape) {
        if (shape.length == 1) {
            return "(" + shape[0] + ",)";
        }
        return Arrays.stream(shape).mapToObj(Integer::toString).collect(Collectors.joining(", ", "(", ")"));
    }

    /** The multi-dimensional index of flat (row-major) position {@code flat}, as {@code [0, 2, 5, 17]}. */
    public String indexText(long flat) {
        long[] index = new long[shape.length];
        long rest = flat;
        for (int axis = shape.length - 1; axis >= 0; axis--) {
            index[axis] = rest % shape[axis];
            rest /= shape[axis];
        }
        return Arrays.toString(index);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NpyTensor t && Arrays.equals(shape, t.shape) && descr.equals(t.descr)
                && Arrays.deepEquals(new Object[] {data}, new Object[] {t.data});
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + descr.hashCode();
    }

    @Override
    public String toString() {
        return dtype() + " " + shapeText();
    }
}
