package squall.testing;

import org.junit.jupiter.api.Assumptions;
import squall.device.cuda.CudaDevice;
import squall.runtime.Device;
import squall.runtime.Devices;

import java.util.Locale;
import java.util.Map;

/**
 * What the CUDA tests of every module share: the GPU (or the reason to skip), and the values {@code @Specialize}
 * parameters get.
 */
public final class CudaTestSupport {

    /** The tag of tests that need an NVIDIA GPU: {@code ./mvnw verify -Dgroups=gpu} runs only them. */
    public static final String GPU = "gpu";

    private CudaTestSupport() {
    }

    /** {@code cuda:0}, or the test is skipped saying why there is none. */
    public static CudaDevice gpu() {
        for (Device d : Devices.all()) {
            if (d instanceof CudaDevice cuda) {
                return cuda;
            }
        }
        String why = Devices.unavailableBackends().getOrDefault("cuda", "the CUDA driver found no GPU");
        Assumptions.abort("no CUDA device: " + why);
        throw new AssertionError("unreachable");
    }

    /**
     * A sensible value for a {@code @Specialize} parameter, by its name: head dimension 128, group 4, key tile 16;
     * anything else (the cache's block size {@code BS} among them) 8.
     */
    public static int specializationValue(String parameter) {
        return switch (parameter.toUpperCase(Locale.ROOT)) {
            case "D", "HEAD_DIM", "HEADDIM" -> 128;
            case "G", "GROUP", "GROUP_SIZE" -> 4;
            case "TILE" -> 16;
            default -> 8;
        };
    }

    public static Map<String, Integer> specialization(squall.runtime.KernelDescriptor kernel) {
        Map<String, Integer> values = new java.util.TreeMap<>();
        kernel.params().stream().filter(squall.runtime.KernelParam::specialized)
                .forEach(p -> values.put(p.name(), specializationValue(p.name())));
        return values;
    }
}
