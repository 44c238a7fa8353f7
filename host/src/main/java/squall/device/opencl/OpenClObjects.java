package squall.device.opencl;

import org.lwjgl.opencl.CL10;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Counts the OpenCL objects squall holds, by kind. Every create and release of a context, queue,
 * buffer, program, kernel or event goes through here, so a leak shows up as a count that does not
 * return to zero (tests check it after {@code ExecutionPlan.close()}).
 */
public final class OpenClObjects {

    /** The kinds of OpenCL object squall creates. */
    public enum Kind {
        CONTEXT, QUEUE, MEM, PROGRAM, KERNEL, EVENT
    }

    private static final AtomicLongArray LIVE = new AtomicLongArray(Kind.values().length);

    private OpenClObjects() {
    }

    /** Objects of each kind created and not yet released, in this process. */
    public static Map<Kind, Long> live() {
        Map<Kind, Long> counts = new EnumMap<>(Kind.class);
        for (Kind k : Kind.values()) {
            counts.put(k, LIVE.get(k.ordinal()));
        }
        return counts;
    }

    /** All live objects, of every kind. */
    public static long liveTotal() {
        long total = 0;
        for (Kind k : Kind.values()) {
            total += LIVE.get(k.ordinal());
        }
        return total;
    }

    /** Records a handle just created; returns it. A zero handle (failed create) is not counted. */
    static long created(Kind kind, long handle) {
        if (handle != 0) {
            LIVE.incrementAndGet(kind.ordinal());
        }
        return handle;
    }

    /** Releases {@code handle} (ignoring zero) and stops counting it. */
    static void release(Kind kind, long handle) {
        if (handle == 0) {
            return;
        }
        int code;
        String call;
        switch (kind) {
            case CONTEXT -> { code = CL10.clReleaseContext(handle); call = "clReleaseContext"; }
            case QUEUE -> { code = CL10.clReleaseCommandQueue(handle); call = "clReleaseCommandQueue"; }
            case MEM -> { code = CL10.clReleaseMemObject(handle); call = "clReleaseMemObject"; }
            case PROGRAM -> { code = CL10.clReleaseProgram(handle); call = "clReleaseProgram"; }
            case KERNEL -> { code = CL10.clReleaseKernel(handle); call = "clReleaseKernel"; }
            case EVENT -> { code = CL10.clReleaseEvent(handle); call = "clReleaseEvent"; }
            default -> throw new AssertionError(kind);
        }
        LIVE.decrementAndGet(kind.ordinal());
        ClErrors.check(code, call);
    }
}
