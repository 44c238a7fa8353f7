package squall.tasks;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.function.IntFunction;

/**
 * The host CPU measured from the JVM itself, with the Vector API on every core: how fast it reads memory and how
 * many fp32 fused multiply-adds it does per second. A kernel on a CPU device may reach less than the hardware
 * (the JVM keeps a kernel's arithmetic scalar), so for CPU devices the probes take the higher of this and the
 * device's own figure. Needs {@code --add-modules=jdk.incubator.vector} (squall's scripts and build pass it).
 *
 * <pre>{@code
 * float[] data = BandwidthProbe.pattern(1 << 28);              // 1 GiB
 * ProbeRuns.Reading read = HostProbe.read(data, 5);
 * double gbps = 4.0 * data.length / read.nanos();
 * }</pre>
 */
final class HostProbe {

    /** Independent vector accumulators per thread: enough to hide the latency of an FMA on today's cores. */
    static final int CHAINS = 12;
    /**
     * Floats a thread sums in vector lanes before it moves the lanes into a {@code double}: short enough that no
     * lane passes 2^24 on {@link BandwidthProbe#pattern} data (values up to 3), so a sum is exact at any size.
     */
    private static final int BLOCK = 1 << 20;
    /**
     * Short calls before the timed runs, so that C2 has compiled the loops: the interpreter runs Vector API code
     * thousands of times slower, which would make the untimed first run last seconds.
     */
    private static final int WARM_UP_CALLS = 2_000;
    private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

    private HostProbe() {
    }

    /** Threads the probes run: one per processor the JVM may use. */
    static int threads() {
        return Runtime.getRuntime().availableProcessors();
    }

    /** Floats in one vector of the species the probes use (8 with AVX2, 16 with AVX-512). */
    static int lanes() {
        return SPECIES.length();
    }

    /** Sums {@code data} on every core, {@code runs} times; the exact sum of the last run and the best run's time. */
    static ProbeRuns.Reading read(float[] data, int runs) {
        for (int i = 0; i < WARM_UP_CALLS; i++) {
            sum(data, 0, Math.min(data.length, 1 << 16));
        }
        int threads = threads();
        return best(runs, threads, t -> {
            long from = (long) data.length * t / threads;
            long to = (long) data.length * (t + 1) / threads;
            return sum(data, (int) from, (int) to);
        });
    }

    /** The sum of {@code data[from, to)}: four vector sums a block, each block's lanes added as doubles. */
    static double sum(float[] data, int from, int to) {
        int lanes = SPECIES.length();
        double total = 0;
        int i = from;
        while (i < to) {
            int end = Math.min(to, i + BLOCK);
            FloatVector s0 = FloatVector.zero(SPECIES);
            FloatVector s1 = s0;
            FloatVector s2 = s0;
            FloatVector s3 = s0;
            for (; i + 4 * lanes <= end; i += 4 * lanes) {
                s0 = s0.add(FloatVector.fromArray(SPECIES, data, i));
                s1 = s1.add(FloatVector.fromArray(SPECIES, data, i + lanes));
                s2 = s2.add(FloatVector.fromArray(SPECIES, data, i + 2 * lanes));
                s3 = s3.add(FloatVector.fromArray(SPECIES, data, i + 3 * lanes));
            }
            total += lanesAsDoubles(s0) + lanesAsDoubles(s1) + lanesAsDoubles(s2) + lanesAsDoubles(s3);
            for (; i < end; i++) {
                total += data[i];
            }
        }
        return total;
    }

    /** The lanes of {@code v} added as doubles, exactly for small integers; through an array, so no vector is boxed. */
    private static double lanesAsDoubles(FloatVector v) {
        float[] lanes = new float[v.length()];
        v.intoArray(lanes, 0);
        double s = 0;
        for (float x : lanes) {
            s += x;
        }
        return s;
    }

    /**
     * {@value #CHAINS} vector chains of {@code iterations} FMAs ({@code a = a * m + c}) on every core, {@code runs}
     * times: the sum of every lane's end over all threads, and the best run's time. Lane {@code l} of chain
     * {@code j} starts at {@code j * lanes + l}; with {@code m = c = 1} each ends {@code iterations} higher.
     */
    static ProbeRuns.Reading fma(int iterations, float m, float c, int runs) {
        for (int i = 0; i < WARM_UP_CALLS; i++) {
            chains(1 << 12, m, c);
        }
        return best(runs, threads(), t -> chains(iterations, m, c));
    }

    /** Floating-point operations of {@link #fma} (two per FMA, every lane, chain and thread). */
    static double fmaFlops(int iterations) {
        return 2.0 * CHAINS * SPECIES.length() * iterations * threads();
    }

    private static double chains(int iterations, float m, float c) {
        FloatVector vm = FloatVector.broadcast(SPECIES, m);
        FloatVector vc = FloatVector.broadcast(SPECIES, c);
        FloatVector start = FloatVector.zero(SPECIES).addIndex(1);
        int lanes = SPECIES.length();
        FloatVector a0 = start, a1 = start.add(lanes), a2 = start.add(2f * lanes), a3 = start.add(3f * lanes);
        FloatVector a4 = start.add(4f * lanes), a5 = start.add(5f * lanes), a6 = start.add(6f * lanes);
        FloatVector a7 = start.add(7f * lanes), a8 = start.add(8f * lanes), a9 = start.add(9f * lanes);
        FloatVector a10 = start.add(10f * lanes), a11 = start.add(11f * lanes);
        for (int k = 0; k < iterations; k++) {
            a0 = a0.fma(vm, vc);
            a1 = a1.fma(vm, vc);
            a2 = a2.fma(vm, vc);
            a3 = a3.fma(vm, vc);
            a4 = a4.fma(vm, vc);
            a5 = a5.fma(vm, vc);
            a6 = a6.fma(vm, vc);
            a7 = a7.fma(vm, vc);
            a8 = a8.fma(vm, vc);
            a9 = a9.fma(vm, vc);
            a10 = a10.fma(vm, vc);
            a11 = a11.fma(vm, vc);
        }
        // Added one by one: a vector stored in an array or merged after the loop would make C2 box it every pass.
        double s = lanesAsDoubles(a0) + lanesAsDoubles(a1) + lanesAsDoubles(a2) + lanesAsDoubles(a3);
        s += lanesAsDoubles(a4) + lanesAsDoubles(a5) + lanesAsDoubles(a6) + lanesAsDoubles(a7);
        s += lanesAsDoubles(a8) + lanesAsDoubles(a9) + lanesAsDoubles(a10) + lanesAsDoubles(a11);
        return s;
    }

    /**
     * Runs {@code work(t)} on {@code threads} platform threads at once, {@code runs} times after one untimed run
     * (the pages); the sum of the threads' results of the last run and the best time from the first thread's start
     * to the last one's end. The threads take the times themselves: a caller waiting for them may wake late.
     */
    private static ProbeRuns.Reading best(int runs, int threads, IntFunction<Double> work) {
        if (runs < 1) {
            throw new IllegalArgumentException("runs must be >= 1, got " + runs);
        }
        long best = Long.MAX_VALUE;
        double result = 0;
        for (int run = 0; run <= runs; run++) {
            double[] results = new double[threads];
            long[] starts = new long[threads];
            long[] ends = new long[threads];
            CyclicBarrier start = new CyclicBarrier(threads);
            List<Thread> workers = new ArrayList<>();
            Throwable[] failure = new Throwable[1];
            for (int t = 0; t < threads; t++) {
                int id = t;
                workers.add(Thread.ofPlatform().name("squall-host-probe-" + t).start(() -> {
                    try {
                        start.await();
                        starts[id] = System.nanoTime();
                        results[id] = work.apply(id);
                        ends[id] = System.nanoTime();
                    } catch (Exception | Error e) {
                        synchronized (failure) {
                            failure[0] = e;
                        }
                    }
                }));
            }
            try {
                for (Thread w : workers) {
                    w.join();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("host probe interrupted", e);
            }
            if (failure[0] != null) {
                throw new IllegalStateException("host probe failed: " + failure[0], failure[0]);
            }
            long took = Arrays.stream(ends).max().orElseThrow() - Arrays.stream(starts).min().orElseThrow();
            if (run > 0) {
                best = Math.min(best, took);
            }
            result = Arrays.stream(results).sum();
        }
        return new ProbeRuns.Reading(result, best);
    }
}
