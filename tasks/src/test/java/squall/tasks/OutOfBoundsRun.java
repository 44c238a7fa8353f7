package squall.tasks;

import squall.runtime.DataTransferMode;
import squall.runtime.Devices;
import squall.runtime.ExecutionPlan;
import squall.runtime.KernelLaunchException;
import squall.runtime.TaskGraph;

/**
 * A child JVM's work for {@link NativeFailuresTest}: {@code axpy} with {@code y} one element shorter than {@code x},
 * so the last work-item writes past {@code y}, in a plan that does not ask for bounds checks, on the device named
 * by the first argument. Prints what happened; exits 0 when the launch failed naming the array, 3 when it ran.
 */
public final class OutOfBoundsRun {

    private OutOfBoundsRun() {
    }

    public static void main(String[] args) {
        float[] x = new float[8], y = new float[7];
        TaskGraph graph = new TaskGraph("g").transferToDevice(DataTransferMode.EVERY_EXECUTION, x, y)
                .task("axpy", DeviceTestKernels::axpy, 2.0f, x, y).transferToHost(DataTransferMode.EVERY_EXECUTION, y);
        try (ExecutionPlan plan = new ExecutionPlan(graph).withDevice(Devices.get(args[0]))) {
            System.out.println("bounds checks: " + plan.boundsChecks());
            plan.execute();
            System.out.println("ran without a word");
            System.exit(3);
        } catch (KernelLaunchException e) {
            System.out.println(e.getMessage());
            System.exit(e.getMessage().contains("outside array 'y'") ? 0 : 4);
        }
    }
}
