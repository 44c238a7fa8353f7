package squall.tasks;

import squall.kernels.AttentionKernels;
import squall.kernels.AttentionOptions;
import squall.kernels.AttentionShape;
import squall.runtime.DataTransferMode;
import squall.runtime.Device;
import squall.runtime.DeviceLimits;
import squall.runtime.ExecutionPlan;
import squall.runtime.KernelDescriptor;
import squall.runtime.KernelLibraries;
import squall.runtime.TaskGraph;

import java.util.Arrays;
import java.util.List;

/**
 * One attention call, {@code out = softmax(scale * q k^T) v} with grouped KV heads, as a task graph
 * for any device, with any {@link AttentionOptions} (sliding window, soft-cap, ALiBi, sinks).
 *
 * <pre>{@code
 * AttentionShape shape = new AttentionShape(1, 32, 8, 1, 4096, 128);   // Llama-3-8B decode
 * Attention.Call call = Attention.call(shape, q, k, v).causal(true);
 * float[] out = call.run(Devices.get("jvm"));
 * float[] gemma = call.options(AttentionOptions.NONE.withWindow(4096).withSoftcap(50)).run(Devices.get("jvm"));
 * }</pre>
 */
public final class Attention {

    /** Keys per tile of the online softmax when none is given ({@link StepPlan#KEY_TILE}); a longer one is all the keys. */
    public static final int DEFAULT_TILE = StepPlan.KEY_TILE;

    private Attention() {
    }

    /** A call with the default scale 1/sqrt(D), no mask, the broadcast variant and the default tile. */
    public static Call call(AttentionShape shape, float[] q, float[] k, float[] v) {
        return call(shape, q, k, v, null);
    }

    /**
     * A call in which query head {@code h} reads KV head {@code kvMap[h]} ({@code null}: {@code h / G}).
     * The variant is broadcast when the map is the grouped one, gather otherwise.
     */
    public static Call call(AttentionShape shape, float[] q, float[] k, float[] v, int[] kvMap) {
        AttentionVariant variant = kvMap == null || isGroupedMap(kvMap, shape) ? AttentionVariant.BROADCAST : AttentionVariant.GATHER;
        return new Call(shape, q, k, v, kvMap, false, shape.defaultScale(), variant, DEFAULT_TILE, AttentionOptions.NONE);
    }

    /**
     * One attention call; immutable, checked when built.
     *
     * @param kvMap   KV head of each query head, or {@code null} for {@code h / (Hq / Hkv)}
     * @param options the window, soft-cap, ALiBi slopes and sinks; a window needs {@code causal} when Tq > 1
     */
    public record Call(AttentionShape shape, float[] q, float[] k, float[] v, int[] kvMap, boolean causal,
                       float scale, AttentionVariant variant, int tile, AttentionOptions options) {

        /** A call of plain attention. */
        public Call(AttentionShape shape, float[] q, float[] k, float[] v, int[] kvMap, boolean causal, float scale,
                    AttentionVariant variant, int tile) {
            this(shape, q, k, v, kvMap, causal, scale, variant, tile, AttentionOptions.NONE);
        }

        public Call {
            requireLength("q", q, shape.qElements(), "[B, Hq, Tq, D]");
            requireLength("k", k, shape.kvElements(), "[B, Hkv, S, D]");
            requireLength("v", v, shape.kvElements(), "[B, Hkv, S, D]");
            if (kvMap != null) {
                if (kvMap.length != shape.Hq()) {
                    throw new IllegalArgumentException("kvMap must have Hq = " + shape.Hq() + " entries, got " + kvMap.length);
                }
                for (int h = 0; h < kvMap.length; h++) {
                    if (kvMap[h] < 0 || kvMap[h] >= shape.Hkv()) {
                        throw new IllegalArgumentException("kvMap[" + h + "] = " + kvMap[h] + " is outside [0, Hkv = "
                                + shape.Hkv() + ")");
                    }
                }
            } else if (!shape.isGrouped()) {
                throw new IllegalArgumentException("Hq = " + shape.Hq() + " is not a multiple of Hkv = " + shape.Hkv()
                        + ": give a kvMap naming each query head's KV head");
            }
            if (variant == null || !AttentionVariant.forCalls().contains(variant)) {
                throw new IllegalArgumentException("an attention call runs the broadcast, gather or repeat variant, got "
                        + variant + (variant == AttentionVariant.WORKGROUP ? " (a decode step's kernel: DecodeGraph)" : ""));
            }
            if (variant == AttentionVariant.BROADCAST && kvMap != null && !isGroupedMap(kvMap, shape)) {
                throw new IllegalArgumentException("the broadcast variant needs the grouped mapping h -> h / (Hq / Hkv);"
                        + " this kvMap is another mapping: use the gather variant");
            }
            if (causal && shape.Tq() > shape.S()) {
                throw new IllegalArgumentException("causal attention needs Tq <= S (the queries are the last Tq of the S"
                        + " positions), got Tq = " + shape.Tq() + ", S = " + shape.S());
            }
            if (tile < 1) {
                throw new IllegalArgumentException("tile must be >= 1, got " + tile);
            }
            if (!Float.isFinite(scale)) {
                throw new IllegalArgumentException("scale must be finite, got " + scale);
            }
            if (options == null) {
                throw new IllegalArgumentException("options must not be null: AttentionOptions.NONE is plain attention");
            }
            options.requireHeads(shape.Hq());
            if (options.window() > 0 && !causal && shape.Tq() > 1) {
                throw new IllegalArgumentException("a window of " + options.window() + " keys needs the causal mask when"
                        + " Tq = " + shape.Tq() + " > 1 (each query sees the last W positions up to its own)");
            }
        }

        private static void requireLength(String name, float[] array, int expected, String layout) {
            if (array == null || array.length != expected) {
                throw new IllegalArgumentException(name + " must hold " + expected + " floats " + layout + ", got "
                        + (array == null ? "null" : array.length));
            }
        }

        public Call causal(boolean on) {
            return new Call(shape, q, k, v, kvMap, on, scale, variant, tile, options);
        }

        public Call scale(float s) {
            return new Call(shape, q, k, v, kvMap, causal, s, variant, tile, options);
        }

        public Call variant(AttentionVariant which) {
            return new Call(shape, q, k, v, kvMap, causal, scale, which, tile, options);
        }

        /** The call with tiles of {@code keys} keys per online-softmax step. */
        public Call tile(int keys) {
            return new Call(shape, q, k, v, kvMap, causal, scale, variant, keys, options);
        }

        public Call options(AttentionOptions o) {
            return new Call(shape, q, k, v, kvMap, causal, scale, variant, tile, o);
        }

        /** The ALiBi slopes the kernels read: the options', or a placeholder where there are none. */
        float[] slopes() {
            return perHead(options.alibiSlopes());
        }

        /** The sinks the kernels read: the options', or a placeholder where there are none. */
        float[] sinks() {
            return perHead(options.sinks());
        }

        /** The mapping in effect: {@code kvMap}, or {@code h / G}. */
        public int[] effectiveKvMap() {
            return kvMap != null ? kvMap : shape.groupedKvMap();
        }

        /** The task graph writing the result into {@code out} ({@code [B, Hq, Tq, D]}). */
        public TaskGraph graph(String name, float[] out) {
            requireLength("out", out, shape.qElements(), "[B, Hq, Tq, D]");
            int[] map = variant == AttentionVariant.BROADCAST ? null : effectiveKvMap();
            int[] kBits = bits(k), vBits = bits(v);   // the kernels read K/V as a KV cache stores fp32 ...
            int[] blockTable = new int[shape.B()];    // ... in one block per sequence
            Arrays.setAll(blockTable, b -> b);
            int[] kRep = null, vRep = null;
            TaskGraph graph = new TaskGraph(name);
            if (variant == AttentionVariant.REPEAT) {
                kRep = new int[shape.B() * shape.Hq() * shape.S() * shape.D()];
                vRep = new int[kRep.length];
            }
            float[] slopes = slopes(), sinks = sinks();
            graph.transferToDevice(DataTransferMode.EVERY_EXECUTION, map == null ? new Object[] {q, kBits, vBits, blockTable,
                    slopes, sinks} : new Object[] {q, kBits, vBits, blockTable, map, slopes, sinks});
            if (kRep != null) {
                // kRep and vRep live on the device only: never copied unless asked for.
                graph.transferToHost(DataTransferMode.UNDER_DEMAND, kRep, vRep);
            }
            for (TaskLaunch launch : launches(out, kBits, vBits, blockTable, map, kRep, vRep, slopes, sinks, tile)) {
                launch.addTo(graph);
            }
            return graph.transferToHost(DataTransferMode.EVERY_EXECUTION, out);
        }

        private static int[] bits(float[] x) {
            int[] b = new int[x.length];
            for (int i = 0; i < x.length; i++) {
                b[i] = Float.floatToRawIntBits(x[i]);
            }
            return b;
        }

        private static KernelDescriptor kernel(String name) {
            return KernelLibraries.find(AttentionKernels.class, name);
        }

        /** The call's launches with {@code keys} per tile; the arrays may be {@code null} where only sizes matter. */
        private List<TaskLaunch> launches(float[] out, int[] kBits, int[] vBits, int[] blockTable, int[] map,
                                          int[] kRep, int[] vRep, float[] slopes, float[] sinks, int tile) {
            AttentionShape s = shape;
            int keys = Math.min(tile, s.S()); // a tile longer than the keys is all the keys
            int flags = options.flags(), window = options.window();
            float cap = options.softcap();
            return switch (variant) {
                case BROADCAST -> List.of(TaskLaunch.of("attend", kernel("attendBroadcast"),
                        new Object[] {q, kBits, vBits, blockTable, out, slopes, sinks, s.B(), s.Hkv(), s.groupSize(), s.Tq(),
                                s.S(), s.D(), scale, causal, StepPlan.queryTile(s.groupSize(), s.D(), s.Tq()), keys, flags,
                                window, cap}));
                case GATHER -> List.of(TaskLaunch.of("attend", kernel("attendGather"),
                        new Object[] {q, kBits, vBits, blockTable, map, out, slopes, sinks, s.B(), s.Hq(), s.Hkv(), s.Tq(), s.S(),
                                s.D(), scale, causal, keys, flags, window, cap}));
                case REPEAT -> List.of(
                        TaskLaunch.of("repeat", kernel("repeatKv"),
                                new Object[] {kBits, vBits, map, kRep, vRep, s.B(), s.Hq(), s.Hkv(), s.S(), s.D()}),
                        TaskLaunch.of("attend", kernel("attendBroadcast"),
                                new Object[] {q, kRep, vRep, blockTable, out, slopes, sinks, s.B(), s.Hq(), 1, s.Tq(), s.S(), s.D(),
                                        scale, causal, StepPlan.queryTile(1, s.D(), s.Tq()), keys, flags, window, cap}));
                case WORKGROUP -> throw new IllegalStateException("refused when the call was made");
            };
        }

        /** Bytes of one work-item's private arrays in the call's most demanding kernel, with {@code keys} per tile. */
        public long privateBytes(int keys) {
            long most = 0;
            for (TaskLaunch launch : launches(null, null, null, null, null, null, null, null, null, keys)) {
                most = Math.max(most, DeviceLimits.privateBytes(launch.kernel(), launch.args()));
            }
            return most;
        }

        /**
         * The largest key tile, at most S, whose private arrays fit a work-item of {@code device}; 0 if not even a
         * tile of one key fits (the group of query heads and the head dim alone are too large).
         */
        public int largestTile(Device device) {
            long limit = device.privateMemoryBytes();
            int lo = 0, hi = shape.S();
            while (lo < hi) {   // private memory grows with the tile: the last tile that fits
                int mid = lo + (hi - lo + 1) / 2;
                if (privateBytes(mid) <= limit) {
                    lo = mid;
                } else {
                    hi = mid - 1;
                }
            }
            return lo;
        }

        /** Runs the call once on {@code device} and returns the output. */
        public float[] run(Device device) {
            float[] out = new float[shape.qElements()];
            try (ExecutionPlan plan = new ExecutionPlan(graph("attention", out)).withDevice(device)) {
                plan.execute();
            }
            return out;
        }
    }

    /** A per-head array for the kernels: {@code values}, or one unused float where there are none. */
    static float[] perHead(float[] values) {
        return values != null ? values : new float[1];
    }

    /** {@code true} if {@code kvMap} is {@code h -> h / (Hq / Hkv)}. */
    public static boolean isGroupedMap(int[] kvMap, AttentionShape shape) {
        if (!shape.isGrouped()) {
            return false;
        }
        return Arrays.equals(kvMap, shape.groupedKvMap());
    }
}
