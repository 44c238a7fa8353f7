package squall.tasks.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import squall.kernels.AttentionShape;
import squall.runtime.AtomicFile;
import squall.runtime.Device;
import squall.tasks.Attention;
import squall.tasks.GqaConversion;
import squall.tasks.io.Npy;
import squall.tasks.io.NpyTensor;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code squall convert}: MHA to GQA by mean-pooling the K and V projection weights of each group of
 * heads ({@link GqaConversion}), written to {@code --out}; with {@code --compare}, how far the converted
 * model's attention is from the original's on random inputs. Everything is read, checked and computed
 * before anything is written; on failure nothing is.
 *
 * <pre>{@code
 * scripts/squall convert --k k_proj.npy --v v_proj.npy --kv-heads 8 --out gqa/ --compare
 * }</pre>
 */
@Command(name = "convert", sortOptions = false,
        description = {"Converts multi-head attention to grouped-query attention: mean-pools the K and V projection"
                + " weights of each group of G = Hq / N consecutive heads into one KV head (the GQA paper's starting"
                + " point for uptraining), and writes k_proj.npy and v_proj.npy, float32 [N * D, hidden], to --out.",
                "Weights are PyTorch nn.Linear weights, float32 [Hq * D, hidden] (out x in): rows h*D .. h*D+D-1 are"
                        + " head h; query head h maps to KV head h / G, as Llama's repeat_kv."},
        footer = {"", "Example: squall convert --k layer0/k_proj.npy --v layer0/v_proj.npy --kv-heads 8 --out gqa/ --compare"})
final class ConvertCommand implements Callable<Integer> {

    static final String LAYOUT = "[Hq * D, hidden]";
    static final int DEFAULT_COMPARE_TOKENS = 128;

    @Spec
    CommandSpec spec;

    @Option(names = "--k", required = true, paramLabel = "<k_proj.npy>", description = "K projection weight, float32 " + LAYOUT + ".")
    Path kFile;

    @Option(names = "--v", required = true, paramLabel = "<v_proj.npy>", description = "V projection weight, float32 " + LAYOUT + ".")
    Path vFile;

    @Option(names = "--kv-heads", required = true, paramLabel = "<N>", description = "KV heads of the result; must divide Hq.")
    int kvHeads;

    @Option(names = "--head-dim", defaultValue = "128", paramLabel = "<D>", description = "Head dimension; default ${DEFAULT-VALUE}. Hq = rows / D.")
    int headDim;

    @Option(names = "--out", required = true, paramLabel = "<dir>", description = "Folder for k_proj.npy and v_proj.npy (made if missing).")
    Path outDir;

    @Option(names = "--compare", description = "Also run causal attention with the original and the converted weights on"
            + " seeded random hidden states and queries, and print the relative L2 difference of the outputs.")
    boolean compare;

    @Option(names = "--tokens", paramLabel = "<T>", description = "With --compare: tokens of the random inputs; default "
            + DEFAULT_COMPARE_TOKENS + ".")
    Integer tokens;

    @Option(names = "--seed", paramLabel = "<n>", description = "With --compare: seed of the random inputs; default 0.")
    Long seed;

    @Option(names = "--device", paramLabel = "<id>", description = "With --compare: device of the attention; default the fastest present.")
    String deviceId;

    @Override
    public Integer call() {
        if (kvHeads < 1) {
            throw new BadInputException("--kv-heads", "must be >= 1, got " + kvHeads);
        }
        if (headDim < 1) {
            throw new BadInputException("--head-dim", "must be >= 1, got " + headDim);
        }
        if (!compare) {
            requireAbsentWithoutCompare("--tokens", tokens);
            requireAbsentWithoutCompare("--seed", seed);
            requireAbsentWithoutCompare("--device", deviceId);
        }
        int T = tokens != null ? tokens : DEFAULT_COMPARE_TOKENS;
        if (T < 1) {
            throw new BadInputException("--tokens", "must be >= 1, got " + T);
        }
        Path dir = outputFolder();
        NpyTensor k = weight("--k", kFile);
        NpyTensor v = weight("--v", vFile);
        if (!Arrays.equals(k.shape(), v.shape())) {
            throw new BadInputException("--v", vFile + " has shape " + v.shapeText() + " but --k has " + k.shapeText()
                    + "; k and v must both be float32 " + LAYOUT);
        }
        int rows = k.dim(0), hidden = k.dim(1);
        if (rows % headDim != 0) {
            throw new BadInputException("--head-dim", headDim + " does not divide the " + rows + " rows of --k "
                    + k.shapeText() + "; the rows must be Hq * D (give the model's head dim)");
        }
        int Hq = rows / headDim;
        if (kvHeads > Hq || Hq % kvHeads != 0) {
            throw new BadInputException("--kv-heads", kvHeads + " does not divide Hq = " + Hq + " (" + rows + " rows / head"
                    + " dim " + headDim + "); choose a divisor of " + Hq);
        }
        AttendInputs.requireFinite("--k", kFile, k, "weights");
        AttendInputs.requireFinite("--v", vFile, v, "weights");
        Device device = compare ? DeviceOption.orDefault(deviceId) : null;

        float[] kPooled = GqaConversion.pool(k.floats(), rows, hidden, headDim, kvHeads);
        float[] vPooled = GqaConversion.pool(v.floats(), rows, hidden, headDim, kvHeads);
        PrintWriter out = spec.commandLine().getOut();
        String comparison = compare ? compare(k.floats(), v.floats(), kPooled, vPooled, rows, hidden, Hq, T, device) : null;

        int[] shape = {kvHeads * headDim, hidden};
        write(dir, shape, kPooled, vPooled);
        out.printf(Locale.ROOT, "wrote %s and %s: float32 %s (Hq = %d heads of %d pooled into %d KV head%s, groups of %d)%n",
                dir.resolve("k_proj.npy"), dir.resolve("v_proj.npy"), NpyTensor.shapeText(shape), Hq, headDim, kvHeads,
                kvHeads == 1 ? "" : "s", Hq / kvHeads);
        if (comparison != null) {
            out.print(comparison);
        }
        out.flush();
        return 0;
    }

    private static void requireAbsentWithoutCompare(String option, Object value) {
        if (value != null) {
            throw new BadInputException(option, "applies only with --compare");
        }
    }

    /** The folder to write in, or the nearest existing folder above it, must be a writable folder. */
    private Path outputFolder() {
        Path dir = outDir.toAbsolutePath().normalize();
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw new BadInputException("--out", outDir + " is a file; name a folder (k_proj.npy and v_proj.npy go in it)");
        }
        Path existing = dir;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null || !Files.isDirectory(existing) || !Files.isWritable(existing)) {
            throw new BadInputException("--out", "cannot write in " + existing + " (to make " + dir + ")");
        }
        if (existing.equals(dir)) {
            for (String name : new String[] {"k_proj.npy", "v_proj.npy"}) {
                try {
                    AtomicFile.target(dir.resolve(name));
                } catch (IOException e) {
                    throw new BadInputException("--out", e.getMessage());
                }
            }
        }
        return dir;
    }

    private static NpyTensor weight(String option, Path file) {
        NpyTensor t = AttendInputs.read(option, file);
        if (!t.isFloat32()) {
            throw new BadInputException(option, file + " holds " + t.dtype() + " " + t.shapeText() + "; expected float32 " + LAYOUT);
        }
        if (t.rank() != 2) {
            throw new BadInputException(option, file + " has shape " + t.shapeText() + " (" + t.rank() + " dimensions);"
                    + " expected float32 " + LAYOUT + ", an nn.Linear weight (2 dimensions)");
        }
        if (t.dim(0) < 1 || t.dim(1) < 1) {
            throw new BadInputException(option, file + " has shape " + t.shapeText() + "; expected float32 " + LAYOUT
                    + " with both dimensions >= 1");
        }
        return t;
    }

    /** Causal attention with the original (MHA) and the pooled (GQA) K/V on the same inputs; the report's lines. */
    private String compare(float[] k, float[] v, float[] kPooled, float[] vPooled, int rows, int hidden, int Hq, int T,
                           Device device) {
        SplittableRandom random = new SplittableRandom(seed != null ? seed : 0);
        float[] x = gaussian(random, T * hidden);
        float[] q = gaussian(random, Hq * T * headDim);
        int pooledRows = kvHeads * headDim;
        float[] kMha = GqaConversion.project(x, T, k, rows, hidden, headDim);
        float[] vMha = GqaConversion.project(x, T, v, rows, hidden, headDim);
        float[] kGqa = GqaConversion.project(x, T, kPooled, pooledRows, hidden, headDim);
        float[] vGqa = GqaConversion.project(x, T, vPooled, pooledRows, hidden, headDim);
        AttentionShape mha = new AttentionShape(1, Hq, Hq, T, T, headDim);
        AttentionShape gqa = new AttentionShape(1, Hq, kvHeads, T, T, headDim);
        float[] outMha, outGqa;
        try {
            outMha = Attention.call(mha, q, kMha, vMha).causal(true).run(device);
            outGqa = Attention.call(gqa, q, kGqa, vGqa).causal(true).run(device);
        } catch (RuntimeException e) {
            throw new CommandFailedException("--compare: attention on device " + device.id() + " failed: " + e.getMessage(), e);
        }
        int G = Hq / kvHeads;
        return String.format(Locale.ROOT, "compare: %d tokens of seeded random hidden states and queries, causal attention"
                        + " on %s%n"
                        + "  attention output, GQA (%d KV heads) vs MHA (%d heads): relative L2 difference %.6e%n"
                        + "  K, pooled (repeated to %d heads) vs original:        relative L2 difference %.6e%n"
                        + "  V, pooled (repeated to %d heads) vs original:        relative L2 difference %.6e%n",
                T, device.id(), kvHeads, Hq, relativeL2(outGqa, outMha),
                Hq, relativeL2(repeatHeads(kGqa, G, T * headDim), kMha),
                Hq, relativeL2(repeatHeads(vGqa, G, T * headDim), vMha));
    }

    private static float[] gaussian(SplittableRandom random, int n) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) random.nextGaussian();
        }
        return a;
    }

    /** {@code [N, rest]} to {@code [N * G, rest]}: head {@code h} is head {@code h / G} (repeat_kv). */
    private static float[] repeatHeads(float[] heads, int G, int perHead) {
        int n = heads.length / perHead;
        float[] out = new float[n * G * perHead];
        for (int h = 0; h < n * G; h++) {
            System.arraycopy(heads, (h / G) * perHead, out, h * perHead, perHead);
        }
        return out;
    }

    /** {@code ||a - b|| / ||b||}, in double. */
    static double relativeL2(float[] a, float[] b) {
        double diff = 0, norm = 0;
        for (int i = 0; i < a.length; i++) {
            double d = (double) a[i] - b[i];
            diff += d * d;
            norm += (double) b[i] * b[i];
        }
        return norm == 0 ? (diff == 0 ? 0 : Double.POSITIVE_INFINITY) : Math.sqrt(diff / norm);
    }

    /**
     * Both files or neither: each is staged beside its target ({@link AtomicFile}), then both are moved into place.
     * Folders made here are removed again if staging fails.
     */
    private void write(Path dir, int[] shape, float[] kPooled, float[] vPooled) {
        Path existing = dir;
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        try {
            Files.createDirectories(dir);
            try (AtomicFile.Staged k = AtomicFile.stage(dir.resolve("k_proj.npy"), Npy.float32(shape, kPooled));
                 AtomicFile.Staged v = AtomicFile.stage(dir.resolve("v_proj.npy"), Npy.float32(shape, vPooled))) {
                k.commit();
                v.commit();
            }
        } catch (IOException | RuntimeException e) {
            try {
                for (Path made = dir; made != null && !made.equals(existing); made = made.getParent()) {
                    Files.deleteIfExists(made);
                }
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw new CommandFailedException("cannot write the converted weights to " + dir + ": " + e, e);
        }
    }
}
