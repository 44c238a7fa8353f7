package squall.runtime;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The calling convention every generated kernel and every device follows, written out by hand. */
class KernelAbiTest {

    private static final KernelParam CONTEXT = new KernelParam("ctx", ParamType.KERNEL_CONTEXT, Access.NONE, false, false);
    private static final KernelParam IN = new KernelParam("in", ParamType.FLOAT_ARRAY, Access.READ, false, true);
    private static final KernelParam N = new KernelParam("n", ParamType.INT, Access.NONE, false, false);
    private static final KernelParam D = new KernelParam("D", ParamType.INT, Access.NONE, true, false);
    private static final KernelParam OUT = new KernelParam("out", ParamType.FLOAT_ARRAY, Access.WRITE, false, false);
    private static final KernelParam INDEX = new KernelParam("index", ParamType.INT_ARRAY, Access.READ, false, true);
    private static final LocalArray TILE = new LocalArray("tile", ParamType.FLOAT);
    private static final LocalArray COUNTS = new LocalArray("counts", ParamType.INT);

    @Test
    void parametersThenLengthsThenLocalArraysWithoutTheContextOrSpecialisedOnes() {
        KernelAbi abi = KernelAbi.of(List.of(CONTEXT, IN, N, D, OUT, INDEX), List.of(TILE, COUNTS));
        assertEquals(List.of(
                new KernelAbi.Buffer(1, IN),
                new KernelAbi.Scalar(2, N),
                new KernelAbi.Buffer(4, OUT),
                new KernelAbi.Buffer(5, INDEX),
                new KernelAbi.Length(1, IN),
                new KernelAbi.Length(5, INDEX),
                new KernelAbi.Local(0, TILE),
                new KernelAbi.Local(1, COUNTS)), abi.slots());
    }

    @Test
    void aKernelOfOnlyAContextAndConstantsTakesNothing() {
        assertEquals(List.of(), KernelAbi.of(List.of(CONTEXT, D), List.of()).slots());
    }
}
