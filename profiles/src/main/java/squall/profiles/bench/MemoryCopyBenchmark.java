package squall.profiles.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;

/**
 * The machine's memory bandwidth, as a yardstick for the attention benchmarks: one copy of a buffer
 * far larger than any cache. Bandwidth = 2 x size / time (every byte is read once and written once).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xmx12g"})
public class MemoryCopyBenchmark {

    @Param({"2048"})
    public int mebibytes;

    private MemorySegment from;
    private MemorySegment to;

    @Setup(Level.Trial)
    public void setUp() {
        long bytes = (long) mebibytes << 20;
        Arena arena = Arena.ofAuto();
        from = arena.allocate(bytes, 64);
        to = arena.allocate(bytes, 64);
        from.fill((byte) 1);
        to.fill((byte) 2);
    }

    @Benchmark
    public void copy() {
        MemorySegment.copy(from, 0, to, 0, from.byteSize());
    }
}
