package squall.profiles.bench;

import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * One decode step of the pipeline ({@code DecodeGraph}): for every layer, append the new token's K/V to
 * the paged cache on the device and attend Hq = 32 query heads (D = 128) to it. The cache stays on the
 * device; a step sends the queries and new rows and brings back the output, as in a model.
 *
 * <p>{@code layers = 0} picks enough layers that a step's K/V is twice the CPU's last-level cache, so the
 * step streams from memory (a single layer at a short context would run from the cache). The time is
 * per step of all those layers. {@code BenchMain} sets {@code device} to every device present.
 *
 * <pre>{@code
 * scripts/bench DecodeBenchmark -p variant=broadcast,workgroup -p kvHeads=32,8,1
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 4, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx8g", "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
        "--add-modules=jdk.incubator.vector"})
public class DecodeBenchmark extends DecodeStepBenchmark {

    @Param({"jvm"})
    public String device;

    /** {@code broadcast}, {@code workgroup} (the GQA work-group kernel), {@code gather}, {@code repeat}. */
    @Param({"broadcast", "workgroup", "gather", "repeat"})
    public String variant;

    /** 8: Llama-3 8B's GQA; 32: MHA; 1: MQA. */
    @Param({"8"})
    public int kvHeads;

    @Param({"4096"})
    public int context;

    /** 0: enough to pass the last-level cache. */
    @Param({"0"})
    public int layers;

    @Param({"fp16"})
    public String kvDtype;

    @Override
    BenchDecode open() {
        return new BenchDecode(device, variant, kvHeads, context, layers, kvDtype, false);
    }
}
