package squall.runtime;

/**
 * How a device built one kernel: what {@code squall print-kernel --device} shows.
 *
 * <pre>{@code
 * KernelBuild build = session.prepare(kernel, Map.of("N", 64), "rows").build();
 * System.out.println(build.compiler() + " " + build.options() + "\n" + build.log());
 * }</pre>
 *
 * @param compiler what compiled it: {@code clBuildProgram on opencl:0 (PoCL 3.1)}, {@code NVRTC 12.4}, or
 *                 for {@code jvm} the JVM variant, which javac compiled with the rest of the class
 * @param options  the options the compiler got, the specialisation among them ({@code -D SQUALL_N=64})
 * @param origin   where the binary came from: built now, a cache, a prebuilt binary
 * @param log      the compiler's messages; empty when it gave none
 */
public record KernelBuild(String compiler, String options, String origin, String log) {
}
