package squall.device.opencl;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import squall.runtime.DeviceBuffer;
import squall.runtime.DeviceEvent;
import squall.testing.OpenClTestDevice;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Transfers through native staging memory, with a tiny staging chunk so that small arrays take the
 * path GiB arrays take: several blocking chunks, the last one partial.
 */
@Tag("opencl")
class OpenClStagingTest {

    private static final long CHUNK = 4096;

    @Test
    void arraysLargerThanTheChunkRoundTripIntact() {
        OpenClDevice device = OpenClTestDevice.opencl0();
        Random random = new Random(3);
        float[] floats = new float[10_007];
        for (int i = 0; i < floats.length; i++) {
            floats[i] = random.nextFloat();
        }
        int[] ints = random.ints(1025).toArray();
        double[] doubles = random.doubles(513).toArray();
        byte[] bytes = new byte[4097];
        random.nextBytes(bytes);
        short[] shorts = new short[3];
        try (OpenClSession session = new OpenClSession(device, true, CHUNK)) {
            for (Object array : new Object[] {floats, ints, doubles, bytes, shorts, new float[0]}) {
                DeviceBuffer buffer = session.allocate(array);
                session.copyIn(buffer, array, "in");
                Object back = java.lang.reflect.Array.newInstance(array.getClass().getComponentType(),
                        java.lang.reflect.Array.getLength(array));
                session.copyOut(buffer, back, "out");
                session.finish();
                assertArrays(array, back);
                List<DeviceEvent> events = session.drainEvents();
                long expectedBytes = buffer.bytes();
                if (expectedBytes == 0) {
                    assertEquals(List.of(), events, "an empty array needs no copy");
                } else {
                    assertEquals(2, events.size(), events.toString());
                    assertEquals(expectedBytes, events.get(0).bytes());
                    assertEquals(DeviceEvent.Kind.COPY_IN, events.get(0).kind());
                    assertEquals(DeviceEvent.Kind.COPY_OUT, events.get(1).kind());
                    assertTrue(events.get(0).nanos() > 0 && events.get(1).nanos() > 0, events.toString());
                }
            }
        }
        assertEquals(0, OpenClObjects.liveTotal(), OpenClObjects.live().toString());
    }

    @Test
    void manySmallCopiesBeforeAFinishAllArrive() {
        OpenClDevice device = OpenClTestDevice.opencl0();
        try (OpenClSession session = new OpenClSession(device, false, 1 << 20)) {
            int n = 50;
            float[][] in = new float[n][];
            float[][] out = new float[n][];
            DeviceBuffer[] buffers = new DeviceBuffer[n];
            for (int i = 0; i < n; i++) {
                in[i] = new float[1000 + i];
                java.util.Arrays.fill(in[i], i);
                out[i] = new float[in[i].length];
                buffers[i] = session.allocate(in[i]);
                session.copyIn(buffers[i], in[i], "in" + i);
                session.copyOut(buffers[i], out[i], "out" + i);
            }
            assertEquals(0, OpenClObjects.live().get(OpenClObjects.Kind.EVENT), "events were made without profiling");
            session.finish();
            for (int i = 0; i < n; i++) {
                assertArrayEquals(in[i], out[i], "array " + i);
            }
            assertEquals(List.of(), session.drainEvents(), "events were made without profiling");
        }
    }

    @Test
    void aHostArrayOfAnotherShapeIsRejected() {
        OpenClDevice device = OpenClTestDevice.opencl0();
        try (OpenClSession session = device.openSession(false)) {
            DeviceBuffer buffer = session.allocate(new float[10]);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> session.copyIn(buffer, new float[11], "x"));
            assertTrue(e.getMessage().contains("float[11]") && e.getMessage().contains("float[10]"), e.getMessage());
            assertThrows(IllegalArgumentException.class, () -> session.copyOut(buffer, new int[10], "x"));
        }
    }

    /** Offsets past 2^31 bytes, in 64 MiB chunks; needs ~8 GiB of heap, so it runs only with SQUALL_BIG_TESTS=1. */
    @Test
    void aMultiGibArrayRoundTripsIntact() {
        org.junit.jupiter.api.Assumptions.assumeTrue("1".equals(System.getenv("SQUALL_BIG_TESTS")),
                "a 2.4 GB transfer: set SQUALL_BIG_TESTS=1 (and give the JVM ~8 GiB of heap)");
        OpenClDevice device = OpenClTestDevice.opencl0();
        int n = 600_000_000; // 2.4e9 bytes
        org.junit.jupiter.api.Assumptions.assumeTrue(device.maxAllocationBytes() >= 4L * n,
                device.id() + " allows buffers of at most " + device.maxAllocationBytes() + " bytes");
        float[] in = new float[n];
        for (int i = 0; i < n; i++) {
            in[i] = i;
        }
        float[] out = new float[n];
        try (OpenClSession session = device.openSession(true)) {
            DeviceBuffer buffer = session.allocate(in);
            session.copyIn(buffer, in, "in");
            session.copyOut(buffer, out, "out");
            session.finish();
            List<DeviceEvent> events = session.drainEvents();
            assertEquals(4L * n, events.get(0).bytes());
            assertEquals(4L * n, events.get(1).bytes());
        }
        assertEquals(-1, java.util.Arrays.mismatch(in, out), "first element that differs");
        assertEquals(0, OpenClObjects.liveTotal(), OpenClObjects.live().toString());
    }

    private static void assertArrays(Object expected, Object actual) {
        switch (expected) {
            case float[] a -> assertArrayEquals(a, (float[]) actual);
            case int[] a -> assertArrayEquals(a, (int[]) actual);
            case double[] a -> assertArrayEquals(a, (double[]) actual);
            case byte[] a -> assertArrayEquals(a, (byte[]) actual);
            case short[] a -> assertArrayEquals(a, (short[]) actual);
            default -> throw new AssertionError(expected.getClass());
        }
    }
}
