package squall.runtime;

/** A language the kernel compiler emits. */
public enum KernelTarget {
    /** The JVM variant: each {@code @Parallel} kernel's outermost loop over a given sub-range. */
    JAVA("jvm.java"),
    /** OpenCL C 1.2. */
    OPENCL("opencl.cl"),
    /** CUDA C, for NVRTC or nvcc. */
    CUDA("cuda.cu");

    private final String extension;

    KernelTarget(String extension) {
        this.extension = extension;
    }

    /** File extension of the generated source, as stored under {@code META-INF/squall/}. */
    public String extension() {
        return extension;
    }

    /** Where the generated source of {@code owner.kernel} lives on the class path. */
    public String resourcePath(String ownerBinaryName, String kernel) {
        return "META-INF/squall/" + ownerBinaryName + "/" + kernel + "." + extension;
    }

    /** Where the bounds-checked build of {@code owner.kernel} lives (OpenCL and CUDA; see {@code BoundsChecks}). */
    public String checkedResourcePath(String ownerBinaryName, String kernel) {
        return "META-INF/squall/" + ownerBinaryName + "/" + kernel + ".checked." + extension;
    }
}
