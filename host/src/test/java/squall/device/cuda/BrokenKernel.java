package squall.device.cuda;

import squall.runtime.Access;
import squall.runtime.KernelDescriptor;
import squall.runtime.KernelParam;
import squall.runtime.ParamType;

import java.util.List;

/**
 * A kernel whose CUDA source (a test resource under {@code META-INF/squall/}) does not compile: the
 * descriptor the kernel compiler would write for {@code static void broken(float[] x)}, pointing at
 * hand-written broken source, since the kernel compiler itself never emits any.
 */
final class BrokenKernel extends KernelDescriptor {

    BrokenKernel() {
        super(BrokenKernel.class, "broken", List.of(new KernelParam("x", ParamType.FLOAT_ARRAY, Access.WRITE, false, false)),
                0, false, List.of());
    }
}
