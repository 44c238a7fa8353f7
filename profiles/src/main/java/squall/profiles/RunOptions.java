package squall.profiles;

import java.util.List;

/**
 * What a profile run was asked to do, as {@code profile.json} records it.
 *
 * @param prefillTokens tokens of the prefill workload, 0 for none
 * @param warmup        untimed steps before the timed ones (the first compiles and copies the cache in)
 */
public record RunOptions(String model, List<String> devices, List<Integer> contexts, List<String> variants, int layers,
                         int batch, String kvDtype, int steps, int warmup, int prefillTokens, int blockSize) {

    public RunOptions {
        devices = List.copyOf(devices);
        contexts = List.copyOf(contexts);
        variants = List.copyOf(variants);
    }
}
