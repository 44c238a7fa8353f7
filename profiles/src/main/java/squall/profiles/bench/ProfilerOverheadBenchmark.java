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
 * What the profiler costs: the same decode step with device timestamps and per-task profiles on and
 * off. The step is short (one layer, context 1024, the device's default variant) so that a per-step
 * cost of the profiler would show; compare the two {@code profiler} rows of each device.
 *
 * <pre>{@code
 * scripts/bench ProfilerOverheadBenchmark
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 4, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx4g", "--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
        "--add-modules=jdk.incubator.vector"})
public class ProfilerOverheadBenchmark extends DecodeStepBenchmark {

    @Param({"jvm"})
    public String device;

    @Param({"on", "off"})
    public String profiler;

    @Param({"1024"})
    public int context;

    @Param({"1"})
    public int layers;

    @Override
    BenchDecode open() {
        if (!profiler.equals("on") && !profiler.equals("off")) {
            throw new IllegalArgumentException("profiler must be on or off, got " + profiler);
        }
        return new BenchDecode(device, "default", 8, context, layers, "fp16", profiler.equals("on"));
    }
}
