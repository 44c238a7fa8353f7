package squall.profiles.bench;

import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * What the decode benchmarks time: one step of a {@link BenchDecode}, which a subclass opens from its parameters.
 * Each trial opens it and runs one untimed step (the kernel build, the cache's copy in); before each timed step the
 * cache gets room for the token, outside the measured time.
 */
@State(Scope.Benchmark)
public abstract class DecodeStepBenchmark {

    private BenchDecode decode;

    /** The decode this benchmark's parameters describe. */
    abstract BenchDecode open();

    @Setup(Level.Trial)
    public void setUp() {
        decode = open();
        decode.step();
    }

    @Setup(Level.Invocation)
    public void makeRoom() {
        decode.refillIfFull();
    }

    @Benchmark
    public void decodeStep() {
        decode.step();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        decode.close();
    }
}
