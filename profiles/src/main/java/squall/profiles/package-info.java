/**
 * Comparative profiling: the same decode and prefill graphs on every device, side by side.
 *
 * <p>{@link squall.profiles.ProfileCommand} ({@code scripts/profile}) plans workloads (the model as it
 * is at each context, the same model forced to MHA and MQA at the middle one, a prompt prefill), and
 * for every device × workload × variant first checks the device's output on a small run of the same
 * graph against the {@code jvm} device (which is itself checked against float64), then times the real
 * graph. A results folder receives {@code data.csv} (a line per measurement) and {@code profile.json}
 * (every timed step's profiler metrics and per-task profile) as the run goes, and {@code report.md}
 * with PNG and SVG charts at the end, or marked partial when the run is interrupted. {@link
 * squall.profiles.Report} makes the report from {@code profile.json} alone, and {@link
 * squall.profiles.Comparison} sets two runs' {@code data.csv} side by side.
 *
 * <pre>{@code
 * scripts/profile --devices all --layers 20 --steps 5
 * scripts/profile --compare profiles/results/2026-11-20-host profiles/results/2026-11-23-host
 * scripts/profile --report profiles/results/2026-11-23-host      # report.md and charts again
 * }</pre>
 *
 * <p>The JMH benchmarks are in {@code squall.profiles.bench} ({@code scripts/bench}).
 */
package squall.profiles;
