package squall.device.opencl;

import org.lwjgl.system.Configuration;

import java.io.OutputStream;
import java.io.PrintStream;

/**
 * LWJGL's debug stream, quiet while squall tries the names of the OpenCL library. Each failed try prints LWJGL's
 * "Failed to load a library. Possible solutions: ..." banner, several lines per name; on a machine without OpenCL
 * that was two banners before squall's own one-line reason, which says what to install. Everything else LWJGL
 * prints still reaches standard error, and nothing is muted when the user asked LWJGL for its diagnostics
 * ({@code -Dorg.lwjgl.util.Debug=true}, {@code -Dorg.lwjgl.util.DebugLoader=true}) or chose its stream.
 *
 * <pre>{@code
 * LwjglDebugStream.install();
 * try (LwjglDebugStream.Muted ignored = LwjglDebugStream.mute()) { CL.create(name); }
 * }</pre>
 */
final class LwjglDebugStream extends OutputStream {

    private static final LwjglDebugStream INSTANCE = new LwjglDebugStream();
    private static boolean installed;
    private volatile boolean muted;

    private LwjglDebugStream() {
    }

    /** The scope of a mute; closing it lets LWJGL's output through again. */
    interface Muted extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Makes this LWJGL's debug stream, unless the user configured LWJGL's debugging or its stream. LWJGL reads the
     * setting once, when it first prints; call this before any LWJGL class does.
     */
    static synchronized void install() {
        if (installed || Configuration.DEBUG_STREAM.get() != null || Configuration.DEBUG.get(false)
                || Configuration.DEBUG_LOADER.get(false)) {
            return;
        }
        Configuration.DEBUG_STREAM.set(new PrintStream(INSTANCE, true));
        installed = true;
    }

    static Muted mute() {
        if (!installed) {
            return () -> { };
        }
        INSTANCE.muted = true;
        return () -> INSTANCE.muted = false;
    }

    @Override
    public void write(int b) {
        if (!muted) {
            System.err.write(b);
        }
    }

    @Override
    public void write(byte[] b, int off, int len) {
        if (!muted) {
            System.err.write(b, off, len);
        }
    }

    @Override
    public void flush() {
        System.err.flush();
    }
}
