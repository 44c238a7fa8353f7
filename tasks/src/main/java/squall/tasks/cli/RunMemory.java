package squall.tasks.cli;

import squall.runtime.Device;
import squall.tasks.KvCacheShape;
import squall.tasks.KvDtype;
import squall.tasks.ModelPreset;
import squall.tasks.Saturating;
import squall.tasks.StepPlan;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The arrays a decode or prefill run allocates (the {@code KvCache}, then the step's inputs and outputs), counted
 * before any of them is, so that a run that cannot fit fails at once, naming the option that made it too large and
 * what it needs, instead of with an {@code OutOfMemoryError} after minutes of work or a device error after the
 * cache was filled. Sizes are computed in exact arithmetic: a product that would overflow counts as too large.
 *
 * <pre>{@code
 * KvCacheShape shape = KvCacheShape.forBatch(ModelPreset.byId("llama3-8b"), 32, KvDtype.FP32, 16, 1, 4096 + 64);
 * StepPlan plan = StepPlan.of(shape, 4096 + 64, device, StepPlan.Phase.DECODE, 1, StepPlan.Options.DEFAULTS);
 * RunMemory memory = RunMemory.of(plan, new RunMemory.Options("--context", null));
 * memory.requireFits("scripts/squall decode ...");   // BadInputException naming the option if not
 * memory.requireFitsDevice(Devices.get("opencl:0"));
 * }</pre>
 *
 * @param model  the model
 * @param layers layers held
 * @param dtype  the cache's element type
 * @param arrays every array of the run, the largest first
 * @param values each option that sets a size, with its value, in the command's spelling
 */
record RunMemory(ModelPreset model, int layers, KvDtype dtype, List<Array> arrays, Map<String, Long> values) {

    /** Heap left free for everything else the JVM allocates (class metadata lives elsewhere). */
    static final long RESERVE = 64L << 20;
    /** A Java array's longest length, with the headroom some JVMs keep. */
    static final long MAX_ARRAY = Integer.MAX_VALUE - 16;
    /** What scripts/squall gives the JVM unless SQUALL_JAVA_OPTS says otherwise. */
    static final String SCRIPT_DEFAULT = "-XX:MaxRAMPercentage=75";

    /**
     * The options of a command that set sizes.
     *
     * @param capacity the option that sets each sequence's length ({@code --context}, {@code --tokens})
     * @param step     the option that sets the tokens per step ({@code --chunk}), or {@code null} for one token
     */
    record Options(String capacity, String step) {
    }

    /**
     * One kind of array.
     *
     * @param what     what it is, for messages
     * @param elements its length, 4 bytes each ({@link Long#MAX_VALUE} when it overflowed)
     * @param copies   how many such arrays the run holds
     * @param cache    whether it belongs to the cache (a 16-bit dtype halves it)
     * @param scaledBy the options that make it longer
     */
    record Array(String what, long elements, long copies, boolean cache, List<String> scaledBy) {
        long bytes() {
            return product(4, elements);
        }

        long totalBytes() {
            return product(copies, bytes());
        }
    }

    /** The arrays of a run of {@code plan}'s steps: its cache's, then its steps'. */
    static RunMemory of(StepPlan plan, Options options) {
        KvCacheShape shape = plan.shape();
        ModelPreset model = shape.model();
        int layers = shape.layers(), batch = shape.sequences(), blockSize = shape.blockSize();
        int tokensPerStep = plan.tokens(), slices = plan.slices();
        long D = model.headDim(), Hq = model.queryHeads(), Hkv = model.kvHeads();
        KvDtype dtype = shape.dtype();

        Map<String, Long> values = new LinkedHashMap<>();
        values.put(options.capacity(), plan.capacity());
        if (options.step() != null) {
            values.put(options.step(), (long) tokensPerStep);
        }
        values.put("--batch", (long) batch);
        values.put("--layers", (long) layers);
        values.put("--slices", (long) slices);
        List<String> cacheScale = List.of(options.capacity(), "--batch");
        List<String> stepScale = options.step() == null ? List.of("--batch", "--layers")
                : List.of(options.step(), "--batch", "--layers");
        List<Array> arrays = new ArrayList<>(List.of(
                new Array("one layer's K cache (" + shape.numBlocks() + " blocks x " + Hkv + " KV heads x " + blockSize
                        + " tokens x head dim " + D + ", " + dtype + ")", shape.cacheInts(), product(2, layers), true,
                        cacheScale),
                new Array("the repeat_kv copy of a layer's cache (" + Hq + " heads)", plan.repeatInts(), 2, false, cacheScale),
                new Array("the block table", shape.blockTableInts(), 1, false, cacheScale),
                new Array("the queries of a step (" + layers + " layers x batch " + batch + " x " + Hq + " heads x "
                        + tokensPerStep + " tokens x head dim " + D + ")", plan.queryFloats(), 2, false, stepScale),
                new Array("the new K and V rows of a step", plan.newRowFloats(), 2, false, stepScale),
                new Array("the split-KV partials (" + slices + " slices)", plan.partialsFloats(), 1, false,
                        options.step() == null ? List.of("--slices", "--batch") : List.of("--slices", options.step(), "--batch")),
                new Array("the sequence lengths", batch, 1, false, List.of("--batch"))));
        arrays.sort(Comparator.comparingLong(Array::elements).reversed());
        return new RunMemory(model, layers, dtype, List.copyOf(arrays), values);
    }

    /** The product of the factors, or {@link Long#MAX_VALUE} if it overflows: too large is too large. */
    static long product(long... factors) {
        return Saturating.product(factors);
    }

    long cacheBytes() {
        return arrays.stream().filter(Array::cache).mapToLong(Array::totalBytes).reduce(0, Saturating::sum);
    }

    long totalBytes() {
        return arrays.stream().mapToLong(Array::totalBytes).reduce(0, Saturating::sum);
    }

    private long otherBytes() {
        return arrays.stream().filter(a -> !a.cache()).mapToLong(Array::totalBytes).reduce(0, Saturating::sum);
    }

    /** Bytes of one layer's K and V. */
    private long cachePerLayer() {
        return arrays.stream().filter(Array::cache).mapToLong(a -> product(2, a.bytes())).reduce(0, Saturating::sum);
    }

    /** The option to blame for {@code array}: of the options that scale it, the one set largest. */
    String blame(Array array) {
        String worst = array.scaledBy().getFirst();
        for (String option : array.scaledBy()) {
            if (values.getOrDefault(option, 1L) > values.getOrDefault(worst, 1L)) {
                worst = option;
            }
        }
        return worst;
    }

    /** {@code --context 2000064, --batch 1}: the options that scale {@code array}, with their values. */
    private String settings(Array array) {
        List<String> parts = new ArrayList<>();
        for (String option : array.scaledBy()) {
            parts.add(option + " " + values.get(option));
        }
        return String.join(", ", parts);
    }

    /** "a smaller --batch, --context or --layers": the blamed option first. */
    private String smaller(String blamed, List<String> options) {
        List<String> all = new ArrayList<>(List.of(blamed));
        options.stream().filter(o -> !o.equals(blamed)).forEach(all::add);
        return "a smaller " + (all.size() == 1 ? all.getFirst()
                : String.join(", ", all.subList(0, all.size() - 1)) + " or " + all.getLast());
    }

    /** The array with the most bytes in all: what to blame for a total that does not fit. */
    private Array heaviest() {
        return arrays.stream().max(Comparator.comparingLong(Array::totalBytes)).orElseThrow();
    }

    /** Heap this JVM can still give: its maximum less what is in use now. */
    static long availableHeap() {
        Runtime r = Runtime.getRuntime();
        return r.maxMemory() - (r.totalMemory() - r.freeMemory());
    }

    /**
     * Fails with a {@link BadInputException} if an array would be longer than Java allows or everything would not
     * fit in the heap; the message names the option to blame, what is needed and the ways to get there.
     *
     * @param rerun the command as the user would type it again
     */
    void requireFits(String rerun) {
        for (Array a : arrays) {
            if (a.elements() > MAX_ARRAY) {
                String option = blame(a);
                throw new BadInputException(option, String.format(Locale.ROOT, "%s would have %s elements (%s), more"
                                + " than a Java array holds (%,d); use %s%s", a.what(), count(a.elements()), settings(a),
                        MAX_ARRAY, smaller(option, a.scaledBy()), dtype == KvDtype.FP32 && a.cache() ? ", or --kv-dtype fp16" : ""));
            }
        }
        long available = availableHeap();
        if (Saturating.sum(totalBytes(), RESERVE) <= available) {
            return;
        }
        Array heaviest = heaviest();
        String argument = blame(heaviest);
        StringBuilder how = new StringBuilder();
        if (dtype == KvDtype.FP32) {
            how.append("--kv-dtype fp16 or bf16 (half the cache), ");
        }
        long layersThatFit = (available - RESERVE - otherBytes()) / Math.max(1, cachePerLayer());
        if (layers > 1 && layersThatFit >= 1) {
            how.append("--layers ").append(Math.min(layersThatFit, layers - 1)).append(" (what fits), ");
        }
        how.append(smaller(argument, heaviest.scaledBy()));
        long ram = physicalMemory();
        // more heap helps only while the machine has the memory behind it
        if (ram == 0 || gibibytesToAsk() * (1L << 30) <= ram * 0.9) {
            how.append(", or more heap: SQUALL_JAVA_OPTS=-Xmx").append(gibibytesToAsk()).append("g ").append(rerun)
                    .append(" (scripts/squall gives the JVM ").append(SCRIPT_DEFAULT).append(" by default)");
        }
        throw new BadInputException(argument, String.format(Locale.ROOT,
                "the KV cache needs %s of Java heap (%s, %d layers, %s, K and V) plus %s for the block table and the"
                        + " step's arrays, and this JVM has %s free (maximum heap %s%s). Use %s",
                Bytes.binary(cacheBytes()), model.id(), layers, dtype, Bytes.binary(otherBytes()),
                Bytes.binary(available), Bytes.binary(Runtime.getRuntime().maxMemory()),
                ram == 0 ? "" : ", on a machine with " + Bytes.binary(ram), how));
    }

    /**
     * Fails with a {@link BadInputException} naming the option to blame if one of the run's arrays is larger than the
     * largest buffer {@code device} allocates, or all of them more than its memory: checked before the cache is
     * allocated and filled, which takes long at the sizes where it matters.
     */
    void requireFitsDevice(Device device) {
        String where = device.id() + " (" + device.name() + ")";
        for (Array a : arrays) {
            if (a.bytes() > device.maxAllocationBytes()) {
                String option = blame(a);
                throw new BadInputException(option, String.format(Locale.ROOT, "%s would need %s in one buffer (%s), and"
                                + " the largest buffer %s allocates is %s; use %s%s", a.what(), bytes(a.bytes()), settings(a),
                        where, Bytes.binary(device.maxAllocationBytes()), smaller(option, a.scaledBy()),
                        dtype == KvDtype.FP32 && a.cache() ? ", or --kv-dtype fp16" : ""));
            }
        }
        if (totalBytes() > device.globalMemoryBytes()) {
            Array heaviest = heaviest();
            String option = blame(heaviest);
            List<String> ways = new ArrayList<>(heaviest.scaledBy());
            if (heaviest.cache() && !ways.contains("--layers")) {
                ways.add("--layers");
            }
            throw new BadInputException(option, String.format(Locale.ROOT, "the run needs %s on %s (%s for the KV cache"
                            + " of %d layers), which has %s of memory; use %s", bytes(totalBytes()), where,
                    bytes(cacheBytes()), layers, Bytes.binary(device.globalMemoryBytes()), smaller(option, ways)));
        }
    }

    private static String count(long n) {
        return n == Long.MAX_VALUE ? "more than 2^63" : String.format(Locale.ROOT, "%,d", n);
    }

    private static String bytes(long n) {
        return n == Long.MAX_VALUE ? "more than 2^63 bytes" : Bytes.binary(n);
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
                Bytes.binary(totalBytes()), Bytes.binary(availableHeap()), gibibytesToAsk(), rerun));
    }
}
