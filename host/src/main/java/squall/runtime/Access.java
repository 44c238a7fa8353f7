package squall.runtime;

/** How a kernel uses an array parameter, as read from its source by the kernel compiler. */
public enum Access {
    NONE, READ, WRITE, READ_WRITE;

    public boolean reads() {
        return this == READ || this == READ_WRITE;
    }

    public boolean writes() {
        return this == WRITE || this == READ_WRITE;
    }
}
