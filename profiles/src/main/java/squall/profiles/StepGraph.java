package squall.profiles;

import squall.runtime.Device;
import squall.tasks.CacheVariant;
import squall.tasks.DecodeGraph;
import squall.tasks.KvCache;
import squall.tasks.PrefillGraph;
import squall.tasks.StepResult;

/**
 * A {@link DecodeGraph} or {@link PrefillGraph} behind one face, so a workload of either phase is
 * checked and timed by the same code.
 */
interface StepGraph extends AutoCloseable {

    /** Runs a step on the inputs in {@link #queries()}, {@link #newKeys()} and {@link #newValues()}. */
    StepResult step();

    StepResult step(float[] q, float[] kNew, float[] vNew);

    float[] queries();

    float[] newKeys();

    float[] newValues();

    float[] output();

    /** Split-KV slices of the graph (1 when not split). */
    int slices();

    /** Brings the device's cache back into the {@link KvCache}'s host arrays. */
    void downloadCache();

    @Override
    void close();

    /**
     * The graph of {@code workload} on {@code cache}.
     *
     * @param slices split-KV slices for decode, 0 for the graph's own choice; prefill is never split
     */
    static StepGraph of(Workload workload, KvCache cache, Device device, CacheVariant variant, int slices,
                        boolean profiling) {
        if (workload.phase() == Workload.Phase.DECODE) {
            DecodeGraph g = DecodeGraph.builder(cache).device(device).variant(variant).slices(slices)
                    .profiling(profiling).build();
            return new StepGraph() {
                public StepResult step() {
                    return g.step();
                }

                public StepResult step(float[] q, float[] kNew, float[] vNew) {
                    return g.step(q, kNew, vNew);
                }

                public float[] queries() {
                    return g.queries();
                }

                public float[] newKeys() {
                    return g.newKeys();
                }

                public float[] newValues() {
                    return g.newValues();
                }

                public float[] output() {
                    return g.output();
                }

                public int slices() {
                    return g.slices();
                }

                public void downloadCache() {
                    g.downloadCache();
                }

                public void close() {
                    g.close();
                }
            };
        }
        PrefillGraph g = PrefillGraph.builder(cache, workload.tokens()).device(device).variant(variant)
                .profiling(profiling).build();
        return new StepGraph() {
            public StepResult step() {
                return g.step();
            }

            public StepResult step(float[] q, float[] kNew, float[] vNew) {
                return g.step(q, kNew, vNew);
            }

            public float[] queries() {
                return g.queries();
            }

            public float[] newKeys() {
                return g.newKeys();
            }

            public float[] newValues() {
                return g.newValues();
            }

            public float[] output() {
                return g.output();
            }

            public int slices() {
                return 1;
            }

            public void downloadCache() {
                g.downloadCache();
            }

            public void close() {
                g.close();
            }
        };
    }
}
