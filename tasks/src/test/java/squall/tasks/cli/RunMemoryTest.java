package squall.tasks.cli;

import org.junit.jupiter.api.Test;
import squall.device.jvm.JvmDevice;
import squall.runtime.ForwardingDevice;
import squall.tasks.AttentionVariant;
import squall.tasks.KvCacheShape;
import squall.tasks.KvDtype;
import squall.tasks.ModelPreset;
import squall.tasks.StepPlan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a decode or prefill run must hold, checked against a device's limits before anything is allocated. */
class RunMemoryTest {

    static final ModelPreset LLAMA = ModelPreset.byId("llama3-8b");

    /** A device with PoCL's limits on this machine: 2 GiB buffers, 4 GiB of memory. */
    static final class Limited extends ForwardingDevice {
        private final long largest, memory;

        Limited(long largest, long memory) {
            super(new JvmDevice(1));
            this.largest = largest;
            this.memory = memory;
        }

        @Override
        public long maxAllocationBytes() {
            return largest;
        }

        @Override
        public long globalMemoryBytes() {
            return memory;
        }
    }

    private static RunMemory decode(int layers, int batch, long capacity, int slices) {
        StepPlan plan = StepPlan.of(KvCacheShape.forBatch(LLAMA, layers, KvDtype.FP16, 16, batch, capacity), capacity,
                new JvmDevice(1), StepPlan.Phase.DECODE, 1, new StepPlan.Options(AttentionVariant.BROADCAST, slices, null));
        return RunMemory.of(plan, new RunMemory.Options("--context", null));
    }

    @Test
    void aLayerLargerThanTheDevicesLargestBufferNamesTheContext() {
        // 1.1M tokens x 8 KV heads x 128 x 2 bytes: 2.1 GiB in one layer's K
        BadInputException e = assertThrows(BadInputException.class,
                () -> decode(1, 1, 1_100_000, 1).requireFitsDevice(new Limited(2L << 30, 4L << 30)));
        assertEquals("--context", e.argument());
        assertTrue(e.getMessage().contains("one layer's K cache") && e.getMessage().contains("in one buffer (--context 1100000,"
                + " --batch 1)") && e.getMessage().contains("the largest buffer jvm"), e.getMessage());
    }

    @Test
    void aRunLargerThanTheDevicesMemoryNamesWhatToShrink() {
        // 32 layers of 65,536 tokens: 8 GiB of cache, each layer 128 MiB
        BadInputException e = assertThrows(BadInputException.class,
                () -> decode(32, 1, 65_536, 1).requireFitsDevice(new Limited(2L << 30, 4L << 30)));
        assertEquals("--context", e.argument());
        assertTrue(e.getMessage().contains("which has 4.0 GiB of memory; use a smaller --context, --batch or --layers"),
                e.getMessage());
        decode(16, 1, 65_536, 1).requireFitsDevice(new Limited(2L << 30, 5L << 30));
    }

    @Test
    void theOptionBlamedIsTheOneThatMadeTheArrayLarge() {
        BadInputException slices = assertThrows(BadInputException.class,
                () -> decode(1, 1, 64, 100_000_000).requireFits("rerun"));
        assertEquals("--slices", slices.argument());
        assertTrue(slices.getMessage().contains("split-KV partials"), slices.getMessage());
        BadInputException batch = assertThrows(BadInputException.class,
                () -> decode(1, 20_000_000, 16, 1).requireFits("rerun"));
        assertEquals("--batch", batch.argument(), batch.getMessage());
        BadInputException context = assertThrows(BadInputException.class,
                () -> decode(1, 1, 2_100_000_000L, 1).requireFits("rerun"));
        assertEquals("--context", context.argument(), context.getMessage());
    }

    @Test
    void productsThatOverflowALongAreTooLargeNotSmall() {
        RunMemory huge = decode(32, Integer.MAX_VALUE, Integer.MAX_VALUE, Integer.MAX_VALUE);
        BadInputException e = assertThrows(BadInputException.class, () -> huge.requireFits("rerun"));
        assertTrue(e.getMessage().contains("more than 2^63"), e.getMessage());
        assertEquals(Long.MAX_VALUE, RunMemory.product(1L << 40, 1L << 40));
    }
}
