package squall.tasks.cli;

import org.junit.jupiter.api.Test;
import squall.tasks.TestDevices;

import java.util.Arrays;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** {@code squall devices --measure}, with tiny probes: the table's shape and consistency, not the machine's speed. */
class DevicesMeasureTest {

    private static final String[] TINY = {"--probe-mib", "1", "--fma-items", "4096"};

    /** The measurement table's row for {@code id}: cells split on runs of two or more spaces. */
    private static List<String> row(String out, String id) {
        String table = out.substring(out.indexOf("MEASURED"));
        return table.lines().map(l -> Arrays.asList(l.strip().split("\\s{2,}")))
                .filter(cells -> cells.getFirst().equals(id)).findFirst()
                .orElseThrow(() -> new AssertionError("no row " + id + " in\n" + out));
    }

    private static String[] args(String... extra) {
        List<String> all = new java.util.ArrayList<>(List.of("devices", "--devices", String.join(",", TestDevices.ids())));
        all.addAll(List.of(TINY));
        all.addAll(List.of(extra));
        return all.toArray(String[]::new);
    }

    /** A peak's cells: the peak, which probe set it, the device's and the host's figures. */
    private static void assertPeak(String id, List<String> cells) {
        double peak = Double.parseDouble(cells.get(0));
        String setBy = cells.get(1);
        double device = Double.parseDouble(cells.get(2));
        double host = cells.get(3).equals("-") ? Double.NaN : Double.parseDouble(cells.get(3));
        assertTrue(Set.of("device", "host").contains(setBy), id + ": " + cells);
        assertTrue(device > 0, id + ": " + cells);
        assertEquals(setBy.equals("host") ? host : device, peak, id + ": the peak is the figure SET BY names: " + cells);
        assertTrue(Double.isNaN(host) || peak >= Math.max(device, host) - 0.01, id + ": not the higher: " + cells);
    }

    @Test
    void printsEachDevicesReadBandwidthAndFmaThroughputAndWhichProbeSetThem() {
        Cli.Result r = Cli.run(args());
        assertEquals(0, r.status(), r::toString);
        assertTrue(r.out().contains("measuring now (1 MiB read, 4096 FMA work-items)"), r::toString);
        assertEquals(List.of("MEASURED", "READ GB/S", "SET BY", "DEVICE", "HOST", "FMA GFLOP/S", "SET BY", "DEVICE", "HOST",
                "WHEN"), row(r.out(), "MEASURED"));
        for (String id : TestDevices.ids()) {
            List<String> cells = row(r.out(), id);
            assertEquals(10, cells.size(), cells::toString);
            assertPeak(id + " read", cells.subList(1, 5));
            assertPeak(id + " fma", cells.subList(5, 9));
            assertEquals("now", cells.get(9));
        }
        assertTrue(r.out().contains("DEVICE: a kernel on the device; HOST: the JVM on the host CPU"), r::toString);
    }

    @Test
    void theCLoopRunsBesideTheProbesInTheSameRun() {
        assumeTrue(CLoop.gccPresent(), "no gcc on the PATH: the C loop cannot be built here");
        Cli.Result r = Cli.run(args("--c-loop", "--rounds", "2"));
        assertEquals(0, r.status(), r::toString);
        List<String> c = row(r.out(), "C loop");
        assertTrue(Double.parseDouble(c.get(1)) > 0 && Double.parseDouble(c.get(2)) > 0, c::toString);
        assertTrue(c.get(3).startsWith(CLoop.COMPILER + ", "), c::toString);
        for (String id : TestDevices.ids()) {
            assertTrue(r.out().lines().anyMatch(l -> l.startsWith(id + ": read ") && l.contains(" % of the C loop")),
                    r::toString);
        }
    }

    @Test
    void theCLoopsOutputIsParsedOrRefused() {
        CLoop c = CLoop.parse("read 26.31 GB/s threads 2 bytes 1073741824\nfma 190.22 GFLOP/s threads 2 lanes 8 chains 12\n");
        assertEquals(new CLoop(26.31, 190.22, 2), c);
        assertEquals(new CLoop(27, 190.22, 2), c.best(new CLoop(27, 100, 2)), "each figure the better of two runs");
        assertEquals(c, c.best(null));
        IllegalStateException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> CLoop.parse("Segmentation fault"));
        assertTrue(e.getMessage().contains("Segmentation fault"), e.getMessage());
    }

    @Test
    void badSizesAndDevicesAreRefusedBeforeAnythingIsMeasured() {
        for (String[] bad : List.of(new String[] {"--probe-mib", "0"}, new String[] {"--probe-mib", "4096"},
                new String[] {"--fma-items", "0"}, new String[] {"--rounds", "0"}, new String[] {"--devices", "opencl:99"})) {
            Cli.Result r = Cli.run(concat(new String[] {"devices"}, bad));
            assertEquals(2, r.status(), r::toString);
            assertTrue(r.err().contains(bad[0]), r::toString);
            assertTrue(!r.out().contains("MEASURED"), r::toString);
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
