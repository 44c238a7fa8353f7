package squall.tasks.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import squall.tasks.AttentionKind;
import squall.tasks.KvCacheSize;
import squall.tasks.KvDtype;
import squall.tasks.ModelPreset;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code squall kv-size}: the KV cache of a model preset, per layer and in total, next to the same model
 * as MHA, GQA and MQA.
 */
@Command(name = "kv-size", description = {"KV-cache bytes of a model (K and V, all layers), and of the same model"
        + " as MHA (Hkv = Hq), GQA and MQA (Hkv = 1) side by side."}, sortOptions = false)
final class KvSizeCommand implements Callable<Integer> {

    /** KV heads of the GQA row for a model that is not GQA itself: the choice of Llama-2 70B and Llama-3. */
    static final int DEFAULT_GQA_HEADS = 8;

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "<id>", description = "Model preset id; 'squall models' lists them.")
    String model;

    @Option(names = {"--context", "--seq"}, required = true, paramLabel = "<tokens>",
            description = "Cached tokens per sequence (--seq is another name for it).")
    long seq;

    @Option(names = "--batch", defaultValue = "1", paramLabel = "<n>", description = "Sequences; default ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = {"--kv-dtype", "--dtype"}, defaultValue = "fp16", paramLabel = "<dtype>", converter = LowerCaseEnums.DtypeConverter.class,
            description = "KV cache element type: fp32, fp16, bf16 or int8; default ${DEFAULT-VALUE} (--dtype is another name for it).")
    KvDtype dtype;

    @Override
    public Integer call() {
        ModelPreset preset;
        try {
            preset = ModelPreset.byId(model);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("--model", e.getMessage());
        }
        if (seq < 1) {
            throw new BadInputException(typed("--context"), "must be >= 1 token, got " + seq);
        }
        if (batch < 1) {
            throw new BadInputException("--batch", "must be >= 1, got " + batch);
        }
        KvCacheSize own;
        try {
            own = KvCacheSize.of(preset, seq, batch, dtype);
            own.withKvHeads(preset.queryHeads()); // the largest row must fit a long too
        } catch (ArithmeticException e) {
            throw new BadInputException(typed("--context"), seq + " tokens x batch " + batch + " is more bytes than a long counts");
        }

        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "model:      %s (%s): %d layers, Hq %d, Hkv %d, head dim %d, %s%n", preset.id(),
                preset.name(), preset.layers(), preset.queryHeads(), preset.kvHeads(), preset.headDim(), preset.kind());
        out.printf(Locale.ROOT, "cache:      %s tokens x batch %d, %s (%d byte%s per element), K and V in every layer%n",
                grouped(seq), batch, dtype, dtype.bytes(), dtype.bytes() == 1 ? "" : "s");
        out.printf(Locale.ROOT, "per layer:  %s bytes (%s)%n", grouped(own.bytesPerLayer()), Bytes.binary(own.bytesPerLayer()));
        out.printf(Locale.ROOT, "total:      %s bytes (%s)%n%n", grouped(own.totalBytes()), Bytes.binary(own.totalBytes()));

        KvCacheSize mha = own.withKvHeads(preset.queryHeads());
        TextTable table = new TextTable("AS", "HKV", "GROUP", "BYTES/LAYER", "TOTAL BYTES", "TOTAL", "VS MHA")
                .alignRight(1, 2, 3, 4, 5);
        int gqaHeads = gqaHeads(preset);
        addRow(table, AttentionKind.MHA, mha, preset, mha);
        if (gqaHeads > 0) {
            addRow(table, AttentionKind.GQA, own.withKvHeads(gqaHeads), preset, mha);
        } else {
            table.row("GQA", "-", "-", "-", "-", "-", "Hq = " + preset.queryHeads() + " has no divisor between 1 and Hq");
        }
        addRow(table, AttentionKind.MQA, own.withKvHeads(1), preset, mha);
        table.print(out);
        out.println();
        out.println("* the model's own layout.");
        if (preset.kind() != AttentionKind.GQA && gqaHeads > 0) {
            out.printf(Locale.ROOT, "The model is %s, so the GQA row assumes %d KV heads (groups of %d)%s.%n",
                    preset.kind(), gqaHeads, preset.queryHeads() / gqaHeads,
                    gqaHeads == DEFAULT_GQA_HEADS ? ", as Llama-2 70B and Llama-3 use"
                            : ": " + DEFAULT_GQA_HEADS + " does not divide Hq = " + preset.queryHeads()
                            + ", so the largest divisor below it");
        }
        out.flush();
        return 0;
    }

    /** The name of option {@code primary} as the user typed it ({@code --seq} for {@code --context}), for messages. */
    private String typed(String primary) {
        return BadInputException.typed(spec.findOption(primary), spec.commandLine().getParseResult().originalArgs());
    }

    /** The model's own Hkv if it is GQA, else 8 or the largest divisor of Hq below 8 (but above 1); 0 if none. */
    static int gqaHeads(ModelPreset preset) {
        if (preset.kind() == AttentionKind.GQA) {
            return preset.kvHeads();
        }
        for (int heads = Math.min(DEFAULT_GQA_HEADS, preset.queryHeads() - 1); heads > 1; heads--) {
            if (preset.queryHeads() % heads == 0) {
                return heads;
            }
        }
        return 0;
    }

    private static void addRow(TextTable table, AttentionKind kind, KvCacheSize size, ModelPreset preset, KvCacheSize mha) {
        boolean own = size.kvHeads() == preset.kvHeads();
        double ratio = (double) mha.totalBytes() / size.totalBytes();
        String saving = kind == AttentionKind.MHA ? "1x"
                : String.format(Locale.ROOT, "%sx smaller (%.1f%% saved)", trim(ratio), 100 * (1 - 1 / ratio));
        table.row(kind + (own ? " *" : ""), size.kvHeads(), preset.queryHeads() / size.kvHeads(),
                grouped(size.bytesPerLayer()), grouped(size.totalBytes()), Bytes.binary(size.totalBytes()), saving);
    }

    private static String trim(double ratio) {
        return ratio == Math.rint(ratio) ? Long.toString((long) ratio) : String.format(Locale.ROOT, "%.2f", ratio);
    }

    static String grouped(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }
}
