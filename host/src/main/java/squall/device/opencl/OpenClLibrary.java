package squall.device.opencl;

import org.lwjgl.opencl.CL;
import org.lwjgl.system.Configuration;
import org.lwjgl.system.Platform;

/**
 * Loads the OpenCL ICD loader once per process. LWJGL looks for {@code libOpenCL.so}, which only
 * the development package provides on Linux; a machine with just a runtime has
 * {@code libOpenCL.so.1}, so that name is tried first. {@code -Dorg.lwjgl.opencl.libname=...}
 * still chooses another library.
 */
final class OpenClLibrary {

    private static boolean loaded;

    private OpenClLibrary() {
    }

    /** Loads the library if needed; throws {@link IllegalStateException} saying why it cannot. */
    static synchronized void load() {
        if (loaded) {
            return;
        }
        String chosen = Configuration.OPENCL_LIBRARY_NAME.get();
        // Keep CL's static initialiser from loading a library by itself: we try the names below.
        Configuration.OPENCL_EXPLICIT_INIT.set(true);
        if (isLoaded()) {
            loaded = true;
            return;
        }
        Throwable failure = null;
        LwjglDebugStream.install();
        for (String name : candidates(chosen)) {
            try (LwjglDebugStream.Muted ignored = LwjglDebugStream.mute()) {
                if (name == null) {
                    CL.create();
                } else {
                    CL.create(name);
                }
                loaded = true;
                return;
            } catch (LinkageError | IllegalStateException e) {
                failure = e;
            }
        }
        throw new IllegalStateException("no OpenCL library could be loaded (" + failure.getMessage() + "); install an"
                + " OpenCL ICD loader and a driver (Debian: apt-get install ocl-icd-libopencl1 pocl-opencl-icd)", failure);
    }

    private static boolean isLoaded() {
        try {
            CL.getFunctionProvider();
            return true;
        } catch (IllegalStateException | LinkageError e) {
            return false;
        }
    }

    private static String[] candidates(String chosen) {
        if (chosen != null) {
            return new String[] {chosen};
        }
        // null: LWJGL's own default (libOpenCL.so, OpenCL.dll, the macOS framework).
        return Platform.get() == Platform.LINUX ? new String[] {"libOpenCL.so.1", null} : new String[] {null};
    }
}
