package squall.device.opencl;

/**
 * Where a session got a kernel's program from. The {@code COMPILE} event of a kernel's first use is
 * labelled {@code "<task> [<tag>]"}, so a profile shows whether the driver compiled or a cache hit.
 */
public enum ProgramOrigin {
    /** The driver compiled the generated OpenCL C. */
    SOURCE("driver build"),
    /** The binary came from squall's disk cache; the driver only loaded it. */
    DISK_CACHE("disk cache hit"),
    /** The binary was given to {@link OpenClDevice#registerBinary}. */
    PREBUILT("prebuilt binary");

    private final String tag;

    ProgramOrigin(String tag) {
        this.tag = tag;
    }

    /** The text in brackets in a compile event's label. */
    public String tag() {
        return tag;
    }

    /** The compile event's label for {@code task}. */
    public String label(String task) {
        return task + " [" + tag + "]";
    }

    /** The origin a compile event's label names, or {@code null} if it names none. */
    public static ProgramOrigin ofLabel(String label) {
        for (ProgramOrigin o : values()) {
            if (label.endsWith(" [" + o.tag + "]")) {
                return o;
            }
        }
        return null;
    }
}
