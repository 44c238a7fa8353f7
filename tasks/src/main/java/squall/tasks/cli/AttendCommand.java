package squall.tasks.cli;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import squall.kernels.AttentionOptions;
import squall.kernels.AttentionShape;
import squall.kernels.ReferenceAttention;
import squall.runtime.AtomicFile;
import squall.runtime.Device;
import squall.tasks.Attention;
import squall.tasks.AttentionVariant;
import squall.tasks.KvDtype;
import squall.tasks.PagedAttention;
import squall.tasks.io.Npy;
import squall.tasks.io.NpyTensor;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code squall attend}: one attention call on {@code .npy} inputs. Everything is checked before
 * anything runs, and the output is written (atomically) only when the call and {@code --check} succeed.
 */
@Command(name = "attend",
        description = {"Computes softmax(scale * q k^T) v with grouped KV heads and writes it to --out, checks it (--check), or both.",
                "Shapes come from the files: q [B, Hq, Tq, D], k and v [B, Hkv, S, D], kv-map int32 [Hq].",
                "Options change each score s = scale * q.k of query row i (position p = S - Tq + i), key j, query head h,"
                        + " in this order: --softcap C (s = C tanh(s / C)), --alibi (s -= slope[h] (p - j)), --window W"
                        + " (only keys j > p - W), --sinks (one more logit per head in the softmax, with no value)."},
        sortOptions = false)
final class AttendCommand implements Callable<Integer> {

    /** The largest relative L2 error {@code --check} accepts for float32. */
    static final double CHECK_LIMIT = 1e-5;

    /** --tile's names, the first its own: errors name the one the user typed. */
    private static final String[] TILE_NAMES = {"--tile", "--block"};
    /** --block-size's names, as {@link #TILE_NAMES}. */
    private static final String[] BLOCK_SIZE_NAMES = {"--block-size", "--page-size"};

    @Spec
    CommandSpec spec;

    @Option(names = "--q", required = true, paramLabel = "<q.npy>", description = "Queries, float32 [B, Hq, Tq, D].")
    Path q;

    @Option(names = "--k", required = true, paramLabel = "<k.npy>", description = "Keys, float32 [B, Hkv, S, D].")
    Path k;

    @Option(names = "--v", required = true, paramLabel = "<v.npy>", description = "Values, float32 [B, Hkv, S, D].")
    Path v;

    @Option(names = "--kv-map", paramLabel = "<map.npy>",
            description = "KV head of each query head, int32 [Hq]; default h / (Hq / Hkv).")
    Path kvMap;

    @Option(names = "--causal", description = "Query i sees key j iff j <= S - Tq + i (needs Tq <= S).")
    boolean causal;

    @Option(names = "--scale", paramLabel = "<x>", description = "Softmax scale; default 1/sqrt(D).")
    Float scale;

    @Mixin
    AttentionFlags flags;

    @Option(names = "--variant", paramLabel = "<variant>", converter = LowerCaseEnums.CallVariantConverter.class,
            description = "broadcast, gather or repeat; default broadcast, or gather for a --kv-map that is not h / (Hq / Hkv).")
    AttentionVariant variant;

    @Option(names = {"--tile", "--block"}, paramLabel = "<keys>", defaultValue = "" + Attention.DEFAULT_TILE,
            description = "Keys per tile of the online softmax (--block is its older name); default ${DEFAULT-VALUE}.")
    int tile;

    @Option(names = {"--block-size", "--page-size"}, paramLabel = "<tokens>", description = {"Run through a paged KV"
            + " cache of blocks of this many tokens, as decode and prefill do (--page-size is its older name): K and V"
            + " appended by the cache's kernel, blocks out of order, then the paged attention kernels (causal,"
            + " h -> h / (Hq / Hkv)); default: contiguous K and V."})
    Integer blockSize;

    @Option(names = "--kv-dtype", paramLabel = "<dtype>", converter = LowerCaseEnums.DtypeConverter.class,
            description = "With --block-size: the cache's element type, fp32, fp16, bf16 or int8; default fp32. --check judges the result on the values the cache holds.")
    KvDtype dtype;

    @Option(names = "--slices", paramLabel = "<n>", description = "With --block-size: split-KV slices per sequence (broadcast); default 1.")
    Integer slices;

    @Option(names = "--device", paramLabel = "<id>",
            description = "Device id from 'squall devices' (jvm, opencl:0, cuda:0); default the fastest present.")
    String deviceId;

    @Option(names = "--check", description = "Also compute a float64 reference; fail if the relative L2 error exceeds 1e-5.")
    boolean check;

    @Option(names = "--out", paramLabel = "<out.npy>",
            description = "Output file, float32 [B, Hq, Tq, D]; optional with --check.")
    Path out;

    @Override
    public Integer call() {
        Logger log = LoggerFactory.getLogger(AttendCommand.class);
        AttendInputs in = AttendInputs.load(q, k, v, kvMap);
        AttentionShape shape = in.shape();
        log.info("shape {}{}", shape, in.kvMap() == null ? "" : ", kv-map from " + kvMap);
        if (causal && shape.Tq() > shape.S()) {
            throw new BadInputException("--causal", "needs Tq <= S (the queries are the last Tq of the S positions);"
                    + " --q has Tq = " + shape.Tq() + ", --k has S = " + shape.S());
        }
        AttentionVariant chosen = chooseVariant(in);
        float softmaxScale = scale != null ? scale : shape.defaultScale();
        if (!Float.isFinite(softmaxScale)) {
            throw new BadInputException("--scale", "must be a finite number, got " + scale);
        }
        if (tile < 1) {
            throw new BadInputException(given(TILE_NAMES), "must be >= 1, got " + tile);
        }
        if (out == null && !check) {
            throw new BadInputException("--out", "name the output file, or give --check to compare the result with the"
                    + " float64 reference without writing it");
        }
        AttentionOptions options = options(in);
        requirePageable(in, options);
        requireFiniteScores(in, softmaxScale, options);
        int keys = Math.min(tile, shape.S());
        if (keys < tile) {
            log.info("{} {} is more than the S = {} keys: tiles of {}", given(TILE_NAMES), tile, shape.S(), keys);
        }
        Path target = out == null ? null : outputFile();
        Device device = DeviceOption.orDefault(deviceId);
        Attention.Call call = new Attention.Call(shape, in.q(), in.k(), in.v(), in.kvMap(), causal, softmaxScale,
                chosen, keys, options);
        requireFits(call, device);

        String where = "variant " + chosen + " (" + kernels(chosen) + ")" + (options.isNone() ? "" : " with " + options)
                + " on device " + device.id();
        log.info("running {}", where);
        long start = System.nanoTime();
        float[] result, heldK = in.k(), heldV = in.v();
        try {
            if (blockSize == null) {
                result = call.run(device);
            } else {
                PagedAttention.Result paged = PagedAttention.run(call, blockSize, kvDtype(), slices == null ? 1 : slices,
                        device);
                result = paged.out();
                heldK = paged.keys();
                heldV = paged.values();
            }
        } catch (RuntimeException e) {
            throw new CommandFailedException("attention " + where + " failed: " + e.getMessage(), e);
        }
        double millis = (System.nanoTime() - start) / 1e6;
        log.info("attention took {} ms (including kernel build and transfers)", String.format(Locale.ROOT, "%.2f", millis));
        requireFiniteOutput(result, shape, where);

        PrintWriter stdout = spec.commandLine().getOut();
        if (check) {
            // against what the cache held: a paged fp16, bf16 or int8 cache's rounding is not the kernels' error
            double error = ReferenceAttention.relativeL2Error(result, ReferenceAttention.attend(in.q(), heldK, heldV,
                    shape, call.effectiveKvMap(), causal, softmaxScale, options));
            boolean ok = error <= CHECK_LIMIT;
            stdout.printf(Locale.ROOT, "check: relative L2 error vs float64 reference %.3e (limit %.0e): %s%n",
                    error, CHECK_LIMIT, ok ? "ok" : "FAILED");
            stdout.flush();
            if (!ok) {
                throw new CommandFailedException(String.format(Locale.ROOT,
                        "--check failed: relative L2 error %.3e > %.0e for %s%s", error, CHECK_LIMIT, where,
                        out == null ? "" : "; " + out + " not written"));
            }
        }
        if (target == null) {
            stdout.printf(Locale.ROOT, "attention: %s, %.2f ms; no --out, nothing written%n", where, millis);
            stdout.flush();
            return 0;
        }
        int[] outShape = {shape.B(), shape.Hq(), shape.Tq(), shape.D()};
        try {
            Npy.writeFloat32(target, outShape, result);
        } catch (IOException e) {
            throw new CommandFailedException("cannot write " + out + ": " + e, e);
        }
        stdout.printf(Locale.ROOT, "wrote %s: float32 %s, %s, %.2f ms%n", out, NpyTensor.shapeText(outShape), where, millis);
        stdout.flush();
        return 0;
    }

    private AttentionVariant chooseVariant(AttendInputs in) {
        boolean groupedMap = in.kvMap() == null || Attention.isGroupedMap(in.kvMap(), in.shape());
        AttentionVariant chosen = variant != null ? variant : groupedMap ? AttentionVariant.BROADCAST : AttentionVariant.GATHER;
        if (chosen == AttentionVariant.BROADCAST && !groupedMap) {
            throw new BadInputException("--variant", "broadcast needs the grouped mapping h -> h / (Hq / Hkv), and this"
                    + " --kv-map is another mapping: use --variant gather");
        }
        return chosen;
    }

    /** The options from --window, --softcap, --alibi, --alibi-slopes and --sinks, checked. */
    private AttentionOptions options(AttendInputs in) {
        AttentionShape s = in.shape();
        if (flags.window != null && flags.window >= 1 && !causal && s.Tq() > 1) {
            throw new BadInputException("--window", "a sliding window is the last W positions up to each query's"
                    + " own: it needs --causal when --q has Tq = " + s.Tq() + " > 1 queries");
        }
        return flags.over(AttentionOptions.NONE, s.Hq());
    }

    /** --kv-dtype and --slices belong to --block-size, and the paged kernels take only some calls. */
    private void requirePageable(AttendInputs in, AttentionOptions options) {
        if (blockSize == null) {
            if (dtype != null) {
                throw new BadInputException("--kv-dtype", "is the paged cache's element type: give --block-size too");
            }
            if (slices != null) {
                throw new BadInputException("--slices", "split-KV runs over the paged cache: give --block-size too");
            }
            return;
        }
        if (blockSize < 1) {
            throw new BadInputException(given(BLOCK_SIZE_NAMES), "must be >= 1 token, got " + blockSize);
        }
        if (slices != null && slices < 1) {
            throw new BadInputException("--slices", "must be >= 1, got " + slices);
        }
        if (slices != null && slices > 1 && variant != null && variant != AttentionVariant.BROADCAST) {
            throw new BadInputException("--slices", "split-KV is for the broadcast variant, not " + variant);
        }
        Attention.Call probe = new Attention.Call(in.shape(), in.q(), in.k(), in.v(), in.kvMap(), causal,
                in.shape().defaultScale(), AttentionVariant.GATHER, 1, options);
        String problem = PagedAttention.problem(probe);
        if (problem != null) {
            throw new BadInputException(given(BLOCK_SIZE_NAMES), problem);
        }
        String dim = squall.kernels.KvStorage.headDimProblem(in.shape().D(), kvDtype().storage());
        if (!dim.isEmpty()) {
            throw new BadInputException("--kv-dtype", dim + " (--q has D = " + in.shape().D() + ")");
        }
    }

    private KvDtype kvDtype() {
        return dtype == null ? KvDtype.FP32 : dtype;
    }

    /** Scores and sums are float32: the largest a value may reach, with a margin for the sums' rounding. */
    private static final double FLOAT_LIMIT = Float.MAX_VALUE / 4.0;

    /**
     * Finite inputs whose scores or weighted sums overflow float32 give a NaN or infinite output: a bound from the
     * inputs (|q . k| is at most |q| |k|, and an output at most S times the largest |v|) refuses them up front, naming
     * what to change, instead of failing after the run.
     */
    private void requireFiniteScores(AttendInputs in, float softmaxScale, AttentionOptions options) {
        AttentionShape s = in.shape();
        float[] slopes = options.alibiSlopes();
        if (slopes != null) {
            double steepest = 0;
            for (float slope : slopes) {
                steepest = Math.max(steepest, Math.abs(slope));
            }
            if (steepest * s.S() > FLOAT_LIMIT) {
                throw new BadInputException(flags.alibiOption(), String.format(Locale.ROOT, "slopes up to"
                        + " %.3g times distances up to S = %d can overflow float32 (%.3g)", steepest, s.S(), Float.MAX_VALUE));
            }
        }
        double q = largestRowNorm(in.q(), s.D()), k = largestRowNorm(in.k(), s.D());
        if (q * k > FLOAT_LIMIT) {
            throw new BadInputException(q >= k ? "--q" : "--k", String.format(Locale.ROOT, "rows of q and k have norms up"
                    + " to %.3g and %.3g: their dot products can overflow float32 (%.3g); scale the inputs down", q, k, Float.MAX_VALUE));
        }
        if (q * k * Math.abs(softmaxScale) > FLOAT_LIMIT) {
            throw new BadInputException("--scale", String.format(Locale.ROOT, "%s times dot products of up to %.3g can"
                    + " overflow float32 (%.3g): use a smaller --scale", softmaxScale, q * k, Float.MAX_VALUE));
        }
        double v = 0;
        for (float x : in.v()) {
            v = Math.max(v, Math.abs(x));
        }
        if (v * s.S() > FLOAT_LIMIT) {
            throw new BadInputException("--v", String.format(Locale.ROOT, "values up to %.3g summed over S = %d keys can"
                    + " overflow float32 (%.3g); scale v down", v, s.S(), Float.MAX_VALUE));
        }
    }

    /** The largest L2 norm of a row of {@code D} values, in double. */
    private static double largestRowNorm(float[] rows, int D) {
        double largest = 0;
        for (int start = 0; start < rows.length; start += D) {
            double sum = 0;
            for (int d = 0; d < D; d++) {
                sum += (double) rows[start + d] * rows[start + d];
            }
            largest = Math.max(largest, Math.sqrt(sum));
        }
        return largest;
    }

    /**
     * Before anything is allocated on the device or built: every tensor within the device's largest buffer and all
     * of them within its memory, and the kernel's private arrays (which grow with --tile) within a work-item's.
     */
    private void requireFits(Attention.Call call, Device device) {
        AttentionShape s = call.shape();
        String where = device.id() + " (" + device.name() + ")";
        long qBytes = 4L * s.qElements(), kvBytes = 4L * s.kvElements();
        long repeatBytes = call.variant() == AttentionVariant.REPEAT ? 4L * s.B() * s.Hq() * s.S() * s.D() : 0;
        Map<String, Long> buffers = new LinkedHashMap<>();
        buffers.put("--q", qBytes);
        buffers.put("--k", kvBytes);
        buffers.put("--v", kvBytes);
        buffers.put("--variant", repeatBytes);
        for (Map.Entry<String, Long> b : buffers.entrySet()) {
            if (b.getValue() > device.maxAllocationBytes()) {
                String what = b.getKey().equals("--variant") ? "the repeat variant's copy of K and V (" + s.Hq() + " heads)"
                        : "its tensor";
                throw new BadInputException(b.getKey(), String.format(Locale.ROOT, "%s needs %,d bytes in one buffer on %s,"
                        + " whose largest buffer is %,d bytes", what, b.getValue(), where, device.maxAllocationBytes()));
            }
        }
        long total = 2 * qBytes + 2 * kvBytes + 2 * repeatBytes;
        if (total > device.globalMemoryBytes()) {
            throw new BadInputException(kvBytes >= qBytes ? "--k" : "--q", String.format(Locale.ROOT, "q, k, v and the"
                    + " output need %,d bytes on %s, which has %,d", total, where, device.globalMemoryBytes()));
        }
        if (call.privateBytes(call.tile()) > device.privateMemoryBytes()) {
            int largest = call.largestTile(device);
            String need = String.format(Locale.ROOT, "each work-item's private arrays need %,d bytes on %s, which gives a"
                    + " work-item at most %,d", call.privateBytes(call.tile()), where, device.privateMemoryBytes());
            if (largest < 1) {
                String group = call.variant() == AttentionVariant.BROADCAST && s.groupSize() > 1
                        ? s.groupSize() + " query heads per KV head and " : "";
                throw new BadInputException("--q", "with " + group + "head dim " + s.D() + ", " + need + " even with " + given(TILE_NAMES) + " 1");
            }
            String flag = given(TILE_NAMES);
            throw new BadInputException(flag, "with tiles of " + call.tile() + " keys " + need + "; use " + flag + " "
                    + largest + " or less");
        }
    }

    /** Which of an option's {@code names} the command line used (the first if none): what its errors call it. */
    private String given(String[] names) {
        for (String arg : spec.commandLine().getParseResult().originalArgs()) {
            for (String name : names) {
                if (arg.equals(name) || arg.startsWith(name + "=")) {
                    return name;
                }
            }
        }
        return names[0];
    }

    /** The file --out names (through symbolic links), checked before anything runs: a regular file or nothing. */
    private Path outputFile() {
        try {
            return AtomicFile.target(out);
        } catch (IOException e) {
            throw new BadInputException("--out", e.getMessage());
        }
    }

    private String kernels(AttentionVariant variant) {
        if (blockSize != null) {
            String append = "PagedAttentionKernels.appendKv (" + kvDtype() + ", blocks of " + blockSize + ") + ";
            return append + switch (variant) {
                case BROADCAST -> "attendPaged" + (slices != null && slices > 1 ? " (" + slices + " slices) + combineSlices" : "");
                case GATHER -> "attendPagedGather";
                case REPEAT -> "repeatKv + attendPaged";
                case WORKGROUP -> throw new IllegalStateException("refused when the call was made");
            };
        }
        return switch (variant) {
            case BROADCAST -> "AttentionKernels.attendBroadcast";
            case GATHER -> "AttentionKernels.attendGather";
            case REPEAT -> "AttentionKernels.repeatKv + attendBroadcast";
            case WORKGROUP -> throw new IllegalStateException("the --variant converter refuses workgroup");
        };
    }

    private static void requireFiniteOutput(float[] result, AttentionShape shape, String where) {
        NpyTensor view = new NpyTensor(new int[] {shape.B(), shape.Hq(), shape.Tq(), shape.D()}, "<f4", result);
        for (int i = 0; i < result.length; i++) {
            if (!Float.isFinite(result[i])) {
                throw new CommandFailedException("attention " + where + " produced " + result[i] + " at output index "
                        + view.indexText(i) + " from finite inputs");
            }
        }
    }
}
