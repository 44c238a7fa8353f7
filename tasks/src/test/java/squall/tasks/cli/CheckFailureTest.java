package squall.tasks.cli;

import org.junit.jupiter.api.Test;
import squall.runtime.Devices;
import squall.tasks.DecodeGraph;
import squall.tasks.KvCache;
import squall.tasks.KvDtype;
import squall.tasks.ModelPreset;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --check} can fail: the same judgement {@code decode --check} and {@code prefill --check} make, over a real
 * step whose output is then spoiled by one value, reports the error beyond the limit, prints FAILED, and makes the
 * command exit 1 (the commands themselves only ever see correct kernels, so their exit 1 is this path).
 */
class CheckFailureTest {

    @Test
    void aSpoiledOutputFailsTheCheckAndExitsOne() {
        ModelPreset model = new ModelPreset("check", "check", 2, 8, 2, 32);
        KvCache cache = KvCache.forBatch(model, 2, KvDtype.FP16, 16, 2, 80);
        cache.fillRandom(0, 40, 1);
        cache.fillRandom(1, 70, 2);
        try (DecodeGraph decode = DecodeGraph.builder(cache).device(Devices.get("jvm")).build()) {
            decode.fillInputs(5);
            decode.step();
            Map<String, Object> good = new LinkedHashMap<>(Map.of("kv_dtype", "fp16"));
            assertTrue(CacheRuns.check(good, decode, cache), good::toString);
            assertEquals(0, CacheRuns.exitCode(good));
            assertEquals(0, CacheRuns.exitCode(new LinkedHashMap<>()), "no --check: exit 0");

            decode.output()[decode.output().length - 1] += 0.5f;   // one value of the last layer's last row
            Map<String, Object> spoiled = new LinkedHashMap<>(Map.of("kv_dtype", "fp16"));
            assertFalse(CacheRuns.check(spoiled, decode, cache), spoiled::toString);
            assertTrue((double) spoiled.get("check_error") > (double) spoiled.get("check_limit"), spoiled::toString);
            assertEquals(1, CacheRuns.exitCode(spoiled));
            StringWriter printed = new StringWriter();
            CacheRuns.printCheck(new PrintWriter(printed, true), spoiled);
            assertTrue(printed.toString().strip().endsWith(": FAILED"), printed::toString);

            decode.output()[0] = Float.NaN;
            Map<String, Object> nan = new LinkedHashMap<>(Map.of("kv_dtype", "fp16"));
            assertFalse(CacheRuns.check(nan, decode, cache), "a NaN fails, not passes");
            assertEquals(null, nan.get("check_error"));
            assertEquals(1, CacheRuns.exitCode(nan));
        }
    }
}
