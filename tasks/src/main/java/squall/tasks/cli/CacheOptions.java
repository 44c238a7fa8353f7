package squall.tasks.cli;

import picocli.CommandLine.Option;
import squall.runtime.Device;
import squall.tasks.KvCache;
import squall.tasks.KvDtype;
import squall.tasks.ModelPreset;

/**
 * The options {@code squall decode} and {@code squall prefill} share: the model and its KV cache, the
 * device, the seed and how to report. Each getter checks its value and names the option when it is wrong.
 */
final class CacheOptions {

    @Option(names = "--model", required = true, paramLabel = "<id>", description = "Model preset id; 'squall models' lists them.")
    String model;

    @Option(names = "--kv-heads", paramLabel = "<n>", description = {"Force the model's KV heads (it must divide its query heads):"
            + " the query-head count for MHA, 1 for MQA; default the model's own."})
    Integer kvHeads;

    @Option(names = "--batch", defaultValue = "1", paramLabel = "<n>", description = "Sequences in the batch, each with its own cache; default ${DEFAULT-VALUE}.")
    int batch;

    @Option(names = "--layers", paramLabel = "<n>", description = "Layers to run (the first n); default all of the model's.")
    Integer layers;

    @Option(names = "--kv-dtype", defaultValue = "fp16", paramLabel = "<dtype>", converter = LowerCaseEnums.DtypeConverter.class,
            description = "KV cache element type: fp32, fp16, bf16 or int8 (symmetric, one fp32 scale per row); default ${DEFAULT-VALUE}.")
    KvDtype dtype;

    @Option(names = "--block-size", defaultValue = "" + KvCache.DEFAULT_BLOCK_SIZE, paramLabel = "<tokens>",
            description = "Tokens per block of the paged cache; default ${DEFAULT-VALUE}.")
    int blockSize;

    @Option(names = "--device", paramLabel = "<id>",
            description = "Device id from 'squall devices' (jvm, opencl:0, cuda:0); default the fastest present.")
    String deviceId;

    @Option(names = "--seed", defaultValue = "0", paramLabel = "<n>", description = "Seed of the random cache and inputs; default ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--check", description = {"After the last step, compare every layer's output with the float64"
            + " reference over the keys and values the cache holds (so fp16, bf16 and int8 are judged on what they"
            + " store); print the worst relative L2 error and exit 1 if it is above the dtype's bound (1e-5)."})
    boolean check;

    @Option(names = "--json", description = "Print one JSON object instead of the text report.")
    boolean json;

    @Option(names = "--peak", description = {"Also give the run as a share of the device's measured peak: decode's KV"
            + " GB/s of its read bandwidth, prefill's GFLOP/s of its FMA throughput, naming the probe that set it"
            + " (as 'squall devices --measure' prints them: measured once per device, then remembered)."})
    boolean peak;

    @Option(names = "--progress", negatable = true, description = {"Show a progress bar on standard error (--no-progress: never);"
            + " default: only on a terminal, for work that lasts more than a second, and without -v."})
    Boolean progress;

    ModelPreset preset() {
        ModelPreset preset;
        try {
            preset = ModelPreset.byId(model);
        } catch (IllegalArgumentException e) {
            throw new BadInputException("--model", e.getMessage());
        }
        if (kvHeads == null || kvHeads == preset.kvHeads()) {
            return preset;
        }
        if (kvHeads < 1 || preset.queryHeads() % kvHeads != 0) {
            throw new BadInputException("--kv-heads", "must divide " + preset.id() + "'s " + preset.queryHeads()
                    + " query heads, got " + kvHeads);
        }
        return preset.withKvHeads(kvHeads, preset.name() + " with " + kvHeads + " KV heads");
    }

    /** The layers to run: {@code --layers}, or all of the model's. */
    int layers(ModelPreset preset) {
        int n = layers == null ? preset.layers() : layers;
        if (n < 1 || n > preset.layers()) {
            throw new BadInputException("--layers", "must be in [1, " + preset.layers() + "] for " + preset.id() + ", got " + n);
        }
        return n;
    }

    int batch() {
        if (batch < 1) {
            throw new BadInputException("--batch", "must be >= 1, got " + batch);
        }
        return batch;
    }

    /**
     * Tokens per cache block; a block larger than a sequence's {@code capacity} is the capacity (more would only be
     * allocated and never used: 10^6-token blocks for a 64-token context took gigabytes).
     */
    int blockSize(long capacity) {
        if (blockSize < 1) {
            throw new BadInputException("--block-size", "must be >= 1 token, got " + blockSize);
        }
        return (int) Math.min(blockSize, Math.max(1, capacity));
    }

    /** The dtype, if the model's head dim suits it (16-bit types pack pairs, int8 fours). */
    KvDtype dtype(ModelPreset preset) {
        String problem = squall.kernels.KvStorage.headDimProblem(preset.headDim(), dtype.storage());
        if (!problem.isEmpty()) {
            throw new BadInputException("--kv-dtype", problem + " (" + preset.id() + "): use fp32");
        }
        return dtype;
    }

    Device device() {
        return DeviceOption.orDefault(deviceId);
    }
}
