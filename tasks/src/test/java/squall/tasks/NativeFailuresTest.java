package squall.tasks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import squall.runtime.CacheEntry;
import squall.runtime.Device;
import squall.tasks.cli.SquallCommand;
import squall.tasks.io.Npy;
import squall.testing.OpenClTestDevice;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Inputs that killed the JVM inside PoCL (SIGSEGV, abort: exit 139 or 134, no message), each now run in a child JVM
 * whose exit status and output are asserted: a damaged cached program binary, private arrays larger than the stack
 * of the thread that runs a work-group (a 768-token prefill chunk, {@code attend --block 1000000}), local arrays
 * larger than the device's local memory, and out-of-bounds indices under {@code SQUALL_BOUNDS_CHECKS=1}.
 */
@Tag("opencl")
class NativeFailuresTest {

    @TempDir
    Path tmp;

    private Map<String, String> cacheIn(Path folder) {
        return Map.of("SQUALL_CACHE_DIR", folder.toString());
    }

    @Test
    void aDamagedCachedProgramIsRebuiltInsteadOfReachingTheDriver() throws Exception {
        Device cl = OpenClTestDevice.opencl0();
        Path cache = tmp.resolve("cache");
        ChildJvm.Result first = ChildJvm.run(tmp.resolve("first"), cacheIn(cache), AttentionOnce.class, cl.id());
        assertEquals(0, first.status(), first::toString);
        List<Path> entries;
        try (Stream<Path> files = Files.list(cache.resolve("opencl"))) {
            entries = files.filter(f -> f.toString().endsWith(".bin")).toList();
        }
        assertFalse(entries.isEmpty(), "the first run cached its program");
        Map<Path, byte[]> whole = new LinkedHashMap<>();
        for (Path entry : entries) {
            whole.put(entry, Files.readAllBytes(entry));
        }
        Map<String, UnaryOperator<byte[]>> damages = new LinkedHashMap<>();
        for (int length : new int[] {0, 24}) {
            damages.put("truncated to " + length + " bytes", b -> Arrays.copyOf(b, Math.min(length, b.length - 1)));
        }
        damages.put("truncated by half", b -> Arrays.copyOf(b, b.length / 2));
        damages.put("missing its last byte", b -> Arrays.copyOf(b, b.length - 1));
        damages.put("one byte flipped", b -> {
            byte[] c = b.clone();
            c[c.length - 100] ^= 0x5a;
            return c;
        });
        damages.put("the raw binary of an older squall", b -> Arrays.copyOfRange(b, b.length - 4096, b.length));
        for (Map.Entry<String, UnaryOperator<byte[]>> damage : damages.entrySet()) {
            for (Map.Entry<Path, byte[]> e : whole.entrySet()) {
                Files.write(e.getKey(), damage.getValue().apply(e.getValue()));
            }
            ChildJvm.Result run = ChildJvm.run(tmp.resolve("run"), cacheIn(cache), AttentionOnce.class, cl.id());
            assertEquals(0, run.status(), damage.getKey() + ": " + run);
            assertTrue(run.err().contains("is damaged"), damage.getKey() + ": the damage is reported: " + run);
            for (Path entry : entries) {
                String key = entry.getFileName().toString().replace(".bin", "");
                assertNotNull(CacheEntry.read(entry, key).payload(), damage.getKey() + ": " + entry + " was rebuilt whole");
            }
        }
    }

    @Test
    void aPrefillChunkOf768TokensRunsOnOpenCl() throws Exception {
        Device cl = OpenClTestDevice.opencl0();
        // 1 x 768 x 8 work-items with 3,104 bytes of private arrays each: PoCL chose groups of 3072 of them, 9.5 MB
        // on the 8 MiB stack of the thread running the group, and died with SIGSEGV.
        ChildJvm.Result run = ChildJvm.run(tmp.resolve("prefill"), cacheIn(tmp.resolve("cache")), SquallCommand.class,
                "prefill", "--model", "llama3-8b", "--tokens", "768", "--layers", "1", "--device", cl.id(), "--json",
                "--no-progress");
        assertEquals(0, run.status(), run::toString);
        JsonNode report = new ObjectMapper().readTree(run.out());
        assertEquals(768, report.get("chunk").asInt());
        assertTrue(report.get("attention_ms").asDouble() > 0, run::toString);
    }

    /** q [1, 4, 2, D], k and v [1, 1, S, D]: MQA, seeded. */
    private Path[] inputs(int S, int D) throws IOException {
        SplittableRandom random = new SplittableRandom(S);
        Path q = tmp.resolve("q.npy"), k = tmp.resolve("k.npy"), v = tmp.resolve("v.npy");
        Npy.writeFloat32(q, new int[] {1, 4, 2, D}, random(random, 8 * D));
        Npy.writeFloat32(k, new int[] {1, 1, S, D}, random(random, S * D));
        Npy.writeFloat32(v, new int[] {1, 1, S, D}, random(random, S * D));
        return new Path[] {q, k, v};
    }

    private static float[] random(SplittableRandom random, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (random.nextDouble() * 2 - 1);
        }
        return a;
    }

    @Test
    void aKeyBlockLongerThanTheKeysIsAllOfThem() throws Exception {
        Device cl = OpenClTestDevice.opencl0();
        Path[] in = inputs(2000, 8);
        // 4 x 1,000,000 scores per work-item: 16 MB, twice a worker thread's stack
        ChildJvm.Result run = ChildJvm.run(tmp.resolve("attend"), cacheIn(tmp.resolve("cache")), SquallCommand.class,
                "attend", "--q", in[0].toString(), "--k", in[1].toString(), "--v", in[2].toString(), "--block", "1000000",
                "--device", cl.id(), "--check", "--out", tmp.resolve("out.npy").toString());
        assertEquals(0, run.status(), run::toString);
        assertTrue(run.out().contains("check: relative L2 error") && run.out().contains(": ok"), run::toString);
    }

    @Test
    void aKeyBlockWhosePrivateArraysCannotFitIsRefusedWithTheLargestThatDoes() throws Exception {
        Device cl = OpenClTestDevice.opencl0();
        int S = 600_000;
        Path[] in = inputs(S, 2);
        ChildJvm.Result run = ChildJvm.run(tmp.resolve("attend"), cacheIn(tmp.resolve("cache")), SquallCommand.class,
                "attend", "--q", in[0].toString(), "--k", in[1].toString(), "--v", in[2].toString(), "--block", "" + S,
                "--device", cl.id(), "--out", tmp.resolve("out.npy").toString());
        assertEquals(2, run.status(), run::toString);
        String[] lines = run.err().lines().filter(l -> !l.isBlank()).toArray(String[]::new);
        assertEquals(1, lines.length, run::toString);
        // A work-item takes the group's 4 heads at both queries: 8 rows, each with a query row and an accumulator of
        // D = 2, a maximum, a sum and a score per key of the tile.
        long rows = 4 * 2;
        assertTrue(lines[0].startsWith("squall attend: --block: with tiles of 600000 keys each work-item's private"
                + " arrays need " + String.format(java.util.Locale.ROOT, "%,d", 4 * rows * (2 + 2 + 1 + 1 + S))
                + " bytes on " + cl.id()), run::toString);
        assertTrue(lines[0].matches(".*; use --block \\d+ or less"), run::toString);
        int largest = Integer.parseInt(lines[0].replaceAll(".*use --block (\\d+) or less", "$1"));
        assertTrue(4L * rows * (2 + 2 + 1 + 1 + largest) <= cl.privateMemoryBytes()
                && 4L * rows * (2 + 2 + 1 + 1 + largest + 1) > cl.privateMemoryBytes(), "the largest block that fits: " + largest);
        assertFalse(Files.exists(tmp.resolve("out.npy")));
    }

    @Test
    void squallBoundsChecksOneMakesEveryPlanCheckItsIndices() throws Exception {
        Device cl = OpenClTestDevice.opencl0();
        Map<String, String> env = new LinkedHashMap<>(cacheIn(tmp.resolve("cache")));
        env.put("SQUALL_BOUNDS_CHECKS", "1");
        ChildJvm.Result run = ChildJvm.run(tmp.resolve("checked"), env, OutOfBoundsRun.class, cl.id());
        assertEquals(0, run.status(), run::toString);
        assertTrue(run.out().startsWith("bounds checks: true"), run::toString);
        assertTrue(run.out().contains("kernel DeviceTestKernels.axpy (task 'axpy') on " + cl.id()), run::toString);
        assertTrue(run.out().contains("index 7 is outside array 'y' (length 7)"), run::toString);
    }

    @Test
    void aLocalArrayLargerThanTheDevicesLocalMemoryIsRefusedBeforeTheLaunch() throws Exception {
        // PoCL took the 4 MiB local argument and crashed the JVM in the launch
        Device cl = OpenClTestDevice.opencl0();
        ChildJvm.Result run = ChildJvm.run(tmp.resolve("local"), cacheIn(tmp.resolve("cache")), OutOfBoundsRun.class,
                cl.id(), "local");
        assertEquals(0, run.status(), run::toString);
        assertTrue(run.out().contains("kernel DeviceTestKernels.localOfLength (task 'local') failed to launch on " + cl.id()),
                run::toString);
        assertTrue(run.out().contains("CL_DEVICE_LOCAL_MEM_SIZE"), run::toString);
    }
}
