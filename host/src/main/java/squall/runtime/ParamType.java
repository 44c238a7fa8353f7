package squall.runtime;

/** The types a kernel parameter may have: primitives, one-dimensional primitive arrays, and the context. */
public enum ParamType {
    BOOLEAN(1, false), BYTE(1, false), SHORT(2, false), INT(4, false), LONG(8, false),
    FLOAT(4, false), DOUBLE(8, false),
    BYTE_ARRAY(1, true), SHORT_ARRAY(2, true), INT_ARRAY(4, true), LONG_ARRAY(8, true),
    FLOAT_ARRAY(4, true), DOUBLE_ARRAY(8, true),
    KERNEL_CONTEXT(0, false);

    private final int elementBytes;
    private final boolean array;

    ParamType(int elementBytes, boolean array) {
        this.elementBytes = elementBytes;
        this.array = array;
    }

    public boolean isArray() {
        return array;
    }

    /** Bytes per element for arrays, bytes of the value for scalars. */
    public int elementBytes() {
        return elementBytes;
    }

    /** The type of a host value, or {@code null} if squall cannot pass it to a kernel. */
    public static ParamType of(Object value) {
        return switch (value) {
            case float[] a -> FLOAT_ARRAY;
            case int[] a -> INT_ARRAY;
            case short[] a -> SHORT_ARRAY;
            case byte[] a -> BYTE_ARRAY;
            case long[] a -> LONG_ARRAY;
            case double[] a -> DOUBLE_ARRAY;
            case Float f -> FLOAT;
            case Integer i -> INT;
            case Short s -> SHORT;
            case Byte b -> BYTE;
            case Long l -> LONG;
            case Double d -> DOUBLE;
            case Boolean b -> BOOLEAN;
            case squall.api.KernelContext c -> KERNEL_CONTEXT;
            case null, default -> null;
        };
    }

    /** Number of elements of a primitive array. */
    public static int length(Object array) {
        return java.lang.reflect.Array.getLength(array);
    }

    /** The Java spelling, as in a kernel's signature. */
    public String javaName() {
        return switch (this) {
            case KERNEL_CONTEXT -> "KernelContext";
            case BYTE_ARRAY, SHORT_ARRAY, INT_ARRAY, LONG_ARRAY, FLOAT_ARRAY, DOUBLE_ARRAY ->
                    name().substring(0, name().indexOf('_')).toLowerCase() + "[]";
            default -> name().toLowerCase();
        };
    }
}
