package squall.device.cuda;

import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import squall.runtime.KernelDescriptor;
import squall.runtime.KernelLibraries;
import squall.runtime.KernelParam;
import squall.runtime.KernelTarget;
import squall.runtime.ParamType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_DOUBLE;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The arguments a launch passes match, one for one, the parameters of the generated CUDA entry
 * point, for every kernel on the class path: names, order and C types.
 */
class CudaArgumentsTest {

    private static final Pattern ENTRY = Pattern.compile("extern \"C\" __global__ void \\w+\\(([^)]*)\\)");

    /** A buffer at a made-up address: the arguments are only packed here, never launched. */
    private static CudaBuffer buffer(ParamType type, long length, long address) {
        return new CudaBuffer(null, address, type, length);
    }

    private static Object zero(ParamType type) {
        return switch (type) {
            case BOOLEAN -> true;
            case BYTE -> (byte) 0;
            case SHORT -> (short) 0;
            case INT -> 0;
            case LONG -> 0L;
            case FLOAT -> 0f;
            case DOUBLE -> 0d;
            default -> null;
        };
    }

    private static List<CudaArguments.Argument> arguments(KernelDescriptor k) {
        Object[] deviceArgs = new Object[k.params().size()];
        for (int i = 0; i < deviceArgs.length; i++) {
            ParamType t = k.params().get(i).type();
            deviceArgs[i] = t.isArray() ? buffer(t, 10 + i, 0x1000L * (i + 1)) : zero(t);
        }
        return CudaArguments.of(k, deviceArgs, b -> (CudaBuffer) b, new int[k.localArrays().size()]);
    }

    @TestFactory
    List<DynamicTest> everyKernelsArgumentsMatchItsCudaSignature() {
        List<DynamicTest> tests = new ArrayList<>();
        for (KernelDescriptor k : KernelLibraries.all()) {
            tests.add(DynamicTest.dynamicTest(k.qualifiedName(), () -> {
                Matcher m = ENTRY.matcher(k.source(KernelTarget.CUDA));
                assertTrue(m.find(), "no entry point in the generated source");
                List<String> cParams = List.of(m.group(1).split(",\\s*"));
                List<CudaArguments.Argument> args = arguments(k);
                assertEquals(cParams.size(), args.size(), () -> "C: " + cParams + "\nargs: " + args);
                for (int i = 0; i < args.size(); i++) {
                    String c = cParams.get(i).trim();
                    String cName = c.substring(c.lastIndexOf(' ') + 1).replace("*", "");
                    String cType = c.substring(0, c.lastIndexOf(' ')).replace("const ", "").trim();
                    CudaArguments.Argument a = args.get(i);
                    // C reserves some Java names (global, local, half): the compiler appends an underscore.
                    String javaName = cName.endsWith("_") ? cName.substring(0, cName.length() - 1) : cName;
                    assertEquals(javaName, a.name(), "argument " + i);
                    String expected = switch (a.type()) {
                        case LONG -> c.contains("*") ? cType : "long long";
                        case BOOLEAN, INT -> "int";
                        case FLOAT -> "float";
                        case DOUBLE -> "double";
                        case SHORT -> "short";
                        case BYTE -> "signed char";
                        default -> "?";
                    };
                    if (!c.contains("*")) {
                        assertEquals(expected, cType, "C type of argument " + i + " '" + cName + "'");
                    } else {
                        assertEquals(ParamType.LONG, a.type(), "a pointer argument travels as a 64-bit address");
                    }
                }
            }));
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> everyBoundsCheckedBuildTakesTheErrorRecordAndTheLengthsLast() {
        List<DynamicTest> tests = new ArrayList<>();
        for (KernelDescriptor k : KernelLibraries.all()) {
            if (k.checkedSource(KernelTarget.CUDA) == null) {
                continue;
            }
            tests.add(DynamicTest.dynamicTest(k.qualifiedName(), () -> {
                Matcher m = ENTRY.matcher(k.checkedSource(KernelTarget.CUDA));
                assertTrue(m.find(), "no entry point in the checked source");
                List<String> cParams = List.of(m.group(1).split(",\\s*"));
                Object[] hostArgs = new Object[k.params().size()];
                for (int i = 0; i < hostArgs.length; i++) {
                    ParamType t = k.params().get(i).type();
                    hostArgs[i] = t == ParamType.FLOAT_ARRAY ? new float[10 + i] : t == ParamType.INT_ARRAY ? new int[10 + i]
                            : t.isArray() ? java.lang.reflect.Array.newInstance(float.class, 0) : zero(t);
                }
                int[] lengths = squall.runtime.BoundsChecks.lengths(k, hostArgs, new int[k.localArrays().size()]);
                List<CudaArguments.Argument> args = CudaArguments.withBoundsChecks(arguments(k), 0x9000L, lengths);
                assertEquals(cParams.size(), args.size(), () -> "C: " + cParams + "\nargs: " + args);
                int first = args.size() - lengths.length - 1;
                assertEquals("int* squall_error", cParams.get(first).trim());
                assertEquals(0x9000L, args.get(first).value());
                for (int i = first + 1; i < cParams.size(); i++) {
                    String c = cParams.get(i).trim();
                    assertTrue(c.matches("const int squall_\\w+_length"), c);
                    assertEquals(ParamType.INT, args.get(i).type());
                }
            }));
        }
        assertTrue(tests.size() > 10, "the checked builds are on the class path");
        return tests;
    }

    @Test
    void lengthsFollowTheParameterOrder() {
        KernelDescriptor k = KernelLibraries.find(CudaTestKernels.class, "groupSums");
        List<String> names = arguments(k).stream().map(CudaArguments.Argument::name).toList();
        assertEquals(List.of("in", "sums", "positives", "in_length", "sums_length", "partial_offset", "counts_offset"), names);
    }

    @Test
    void packedValuesAreWhatTheKernelReads() {
        KernelDescriptor k = KernelLibraries.find(CudaTestKernels.class, "allTypes");
        Object[] deviceArgs = {buffer(ParamType.FLOAT_ARRAY, 7, 0xA0), buffer(ParamType.DOUBLE_ARRAY, 7, 0xB0),
                buffer(ParamType.LONG_ARRAY, 7, 0xC0), buffer(ParamType.INT_ARRAY, 7, 0xD0), buffer(ParamType.SHORT_ARRAY, 7, 0xE0),
                buffer(ParamType.BYTE_ARRAY, 7, 0xF0), 1.5f, 2.25, 1L << 40, -3, (short) -4, (byte) 5, false};
        List<CudaArguments.Argument> args = CudaArguments.of(k, deviceArgs, b -> (CudaBuffer) b, new int[0]);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment params = CudaArguments.pack(args, arena);
            assertEquals(14, args.size());
            long[] pointers = {0xA0, 0xB0, 0xC0, 0xD0, 0xE0, 0xF0};
            for (int i = 0; i < 6; i++) {
                assertEquals(pointers[i], value(params, i).get(JAVA_LONG, 0));
            }
            assertEquals(1.5f, value(params, 6).get(JAVA_FLOAT, 0));
            assertEquals(2.25, value(params, 7).get(JAVA_DOUBLE, 0));
            assertEquals(1L << 40, value(params, 8).get(JAVA_LONG, 0));
            assertEquals(-3, value(params, 9).get(JAVA_INT, 0));
            assertEquals((short) -4, value(params, 10).get(JAVA_SHORT, 0));
            assertEquals((byte) 5, value(params, 11).get(JAVA_BYTE, 0));
            assertEquals(0, value(params, 12).get(JAVA_INT, 0), "false is int 0");
            assertEquals(7, value(params, 13).get(JAVA_INT, 0), "f_length");
        }
    }

    private static MemorySegment value(MemorySegment params, int i) {
        return params.getAtIndex(ADDRESS, i).reinterpret(8);
    }

    @Test
    void aWrongScalarOrBufferNamesTheParameter() {
        KernelDescriptor k = KernelLibraries.find(CudaTestKernels.class, "offsetFill");
        IllegalArgumentException scalar = assertThrows(IllegalArgumentException.class, () -> CudaArguments.of(k,
                new Object[] {buffer(ParamType.FLOAT_ARRAY, 3, 8), 0, 3L, 1f}, b -> (CudaBuffer) b, new int[0]));
        assertTrue(scalar.getMessage().contains("'to'") && scalar.getMessage().contains("int"), scalar.getMessage());
        IllegalArgumentException array = assertThrows(IllegalArgumentException.class, () -> CudaArguments.of(k,
                new Object[] {buffer(ParamType.INT_ARRAY, 3, 8), 0, 3, 1f}, b -> (CudaBuffer) b, new int[0]));
        assertTrue(array.getMessage().contains("'out'") && array.getMessage().contains("float[]"), array.getMessage());
        KernelParam specialized = KernelLibraries.find(CudaTestKernels.class, "tileTranspose").params().get(5);
        assertTrue(specialized.specialized(), "TILE is compiled in and never passed");
    }
}
