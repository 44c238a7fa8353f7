package squall.tasks.cli;

import squall.tasks.CacheVariant;
import squall.tasks.KvDtype;
import squall.tasks.ModelPreset;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The Java arrays a decode or prefill run allocates on the heap (the {@code KvCache}, then the step's
 * inputs and outputs), counted before any of them is, so that a run that cannot fit fails at once with
 * what it needs and how to get it, instead of with an {@code OutOfMemoryError} after minutes of work.
 *
 * <pre>{@code
 * RunMemory memory = RunMemory.of(ModelPreset.byId("llama3-8b"), 32, 1, 4096 + 64, 16, KvDtype.FP32,
 *         CacheVariant.BROADCAST, 1, 1);
 * memory.requireFits("--context", "--context", "scripts/squall decode ...");   // BadInputException if not
 * }</pre>
 *
 * @param model          the model
 * @param layers         layers held
 * @param dtype          the cache's element type
 * @param cachePerLayer  bytes of one layer's K and V arrays, as allocated (whole blocks)
 * @param otherBytes     block table, queries, new K/V, output, split-KV partials and repeat_kv copies
 * @param largestArray   elements of the longest single array (a Java array holds fewer than 2^31)
 * @param largestName    what that array is, for the message
 * @param largestIsStep  whether that array is one of the step's (which a smaller chunk shrinks) or the cache's
 */
record RunMemory(ModelPreset model, int layers, KvDtype dtype, long cachePerLayer, long otherBytes, long largestArray,
                 String largestName, boolean largestIsStep) {

    /** Heap left free for everything else the JVM allocates (class metadata lives elsewhere). */
    static final long RESERVE = 64L << 20;
    /** A Java array's longest length, with the headroom some JVMs keep. */
    static final long MAX_ARRAY = Integer.MAX_VALUE - 16;
    /** What scripts/squall gives the JVM unless SQUALL_JAVA_OPTS says otherwise. */
    static final String SCRIPT_DEFAULT = "-XX:MaxRAMPercentage=75";

    /**
     * @param capacity      tokens each sequence has room for
     * @param tokensPerStep 1 for decode, the chunk for prefill
     * @param slices        split-KV slices (1 when not split)
     */
    static RunMemory of(ModelPreset model, int layers, int batch, long capacity, int blockSize, KvDtype dtype,
                        CacheVariant variant, int tokensPerStep, int slices) {
        long D = model.headDim(), Hq = model.queryHeads(), Hkv = model.kvHeads();
        long blocksEach = (capacity + blockSize - 1) / blockSize;
        long numBlocks = batch * blocksEach;
        long elements = numBlocks * Hkv * blockSize * D;
        long cacheInts = dtype == KvDtype.FP32 ? elements : (elements + 1) / 2;
        long qFloats = (long) layers * batch * Hq * tokensPerStep * D;
        long kvNewFloats = (long) layers * batch * Hkv * tokensPerStep * D;
        long partials = slices > 1 ? batch * Hq * tokensPerStep * slices * (D + 2) : 1;
        long repeatInts = variant == CacheVariant.REPEAT ? numBlocks * Hq * blockSize * D : 0;
        long other = 4 * (numBlocks + 2 * qFloats + 2 * kvNewFloats + partials + 2 * repeatInts + batch);

        List<Object[]> arrays = new ArrayList<>(List.of(
                new Object[] {cacheInts, "one layer's K cache (" + numBlocks + " blocks x " + Hkv + " KV heads x "
                        + blockSize + " tokens x head dim " + D + ", " + dtype + ")", false},
                new Object[] {repeatInts, "the repeat_kv copy of a layer's cache (" + Hq + " heads)", false},
                new Object[] {qFloats, "the queries of a step (" + layers + " layers x batch " + batch + " x " + Hq
                        + " heads x " + tokensPerStep + " tokens x head dim " + D + ")", true},
                new Object[] {partials, "the split-KV partials (" + slices + " slices)", true}));
        Object[] largest = arrays.stream().max((a, b) -> Long.compare((long) a[0], (long) b[0])).orElseThrow();
        return new RunMemory(model, layers, dtype, 2 * 4 * cacheInts, other, (long) largest[0], (String) largest[1],
                (boolean) largest[2]);
    }

    long cacheBytes() {
        return layers * cachePerLayer;
    }

    long totalBytes() {
        return cacheBytes() + otherBytes;
    }

    /** Heap this JVM can still give: its maximum less what is in use now. */
    static long availableHeap() {
        Runtime r = Runtime.getRuntime();
        return r.maxMemory() - (r.totalMemory() - r.freeMemory());
    }

    /**
     * Fails with a {@link BadInputException} if an array would be longer than Java allows or everything
     * would not fit in the heap; the message says how much is needed and the ways to get there.
     *
     * @param argument     the option that sets the cache's length ({@code --context}, {@code --tokens})
     * @param stepArgument the option that sets the tokens per step ({@code --chunk}), or the same
     * @param rerun        the command as the user would type it again
     */
    void requireFits(String argument, String stepArgument, String rerun) {
        if (largestArray > MAX_ARRAY) {
            String option = largestIsStep ? stepArgument : argument;
            throw new BadInputException(option, String.format(Locale.ROOT, "%s would have %,d elements, more than a"
                    + " Java array holds (%,d); use a smaller %s, --layers or --batch%s", largestName, largestArray,
                    MAX_ARRAY, option, dtype == KvDtype.FP32 && !largestIsStep ? ", or --kv-dtype fp16" : ""));
        }
        long available = availableHeap();
        if (totalBytes() + RESERVE <= available) {
            return;
        }
        StringBuilder how = new StringBuilder();
        if (dtype == KvDtype.FP32) {
            how.append("--kv-dtype fp16 or bf16 (half the cache), ");
        }
        long layersThatFit = (available - RESERVE - otherBytes) / Math.max(1, cachePerLayer);
        if (layers > 1 && layersThatFit >= 1) {
            how.append("--layers ").append(Math.min(layersThatFit, layers - 1)).append(" (what fits), ");
        }
        how.append("a smaller ").append(argument);
        if (!stepArgument.equals(argument)) {
            how.append(", ").append(stepArgument);
        }
        how.append(" or --batch");
        long ram = physicalMemory();
        // more heap helps only while the machine has the memory behind it
        if (ram == 0 || gibibytesToAsk() * (1L << 30) <= ram * 0.9) {
            how.append(", or more heap: SQUALL_JAVA_OPTS=-Xmx").append(gibibytesToAsk()).append("g ").append(rerun)
                    .append(" (scripts/squall gives the JVM ").append(SCRIPT_DEFAULT).append(" by default)");
        }
        throw new BadInputException(argument, String.format(Locale.ROOT,
                "the KV cache needs %s of Java heap (%s, %d layers, %s, K and V) plus %s for the block table and the"
                        + " step's arrays, and this JVM has %s free (maximum heap %s%s). Use %s",
                KvSizeCommand.binary(cacheBytes()), model.id(), layers, dtype, KvSizeCommand.binary(otherBytes),
                KvSizeCommand.binary(available), KvSizeCommand.binary(Runtime.getRuntime().maxMemory()),
                ram == 0 ? "" : ", on a machine with " + KvSizeCommand.binary(ram), how));
    }

    /** Whole GiB of heap that hold this run with room to spare. */
    private long gibibytesToAsk() {
        return (long) Math.ceil((totalBytes() + RESERVE) * 1.1 / (1L << 30)) + 1;
    }

    /** The machine's memory in bytes, or 0 if the JVM cannot tell (a jlink'ed runtime without jdk.management). */
    private static long physicalMemory() {
        try {
            if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
                return os.getTotalMemorySize();
            }
        } catch (LinkageError e) {
            // the message then leaves the machine's memory out
        }
        return 0;
    }

    /** The error of an {@code OutOfMemoryError} despite {@link #requireFits} (the heap was too fragmented, say). */
    BadInputException outOfMemory(String argument, String rerun) {
        return new BadInputException(argument, String.format(Locale.ROOT, "the JVM ran out of heap allocating %s for the"
                        + " KV cache and the step's arrays (%s free before); give it more: SQUALL_JAVA_OPTS=-Xmx%dg %s",
                KvSizeCommand.binary(totalBytes()), KvSizeCommand.binary(availableHeap()), gibibytesToAsk(), rerun));
    }
}
