package squall.tasks;

import squall.runtime.DataTransferMode;
import squall.runtime.Devices;
import squall.runtime.ExecutionPlan;
import squall.runtime.KernelLaunchException;
import squall.runtime.TaskGraph;

/**
 * A child JVM's work for {@link NativeFailuresTest}, on the device named by the first argument: {@code axpy} with
 * {@code y} one element shorter than {@code x}, so the last work-item writes past {@code y}, in a plan that does not
 * ask for bounds checks; or, with a second argument {@code local}, a local array larger than the device's local
 * memory. Prints what happened; exits 0 when the launch failed naming the problem, 3 when it ran.
 */
public final class OutOfBoundsRun {

    private OutOfBoundsRun() {
    }

    public static void main(String[] args) {
        if (args.length > 1 && args[1].equals("local")) {
            localArrayPastTheDevice(args[0]);
            return;
        }
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

    /** A local array of a million floats (4 MiB): more local memory than the device has. Exits 0 when refused. */
    private static void localArrayPastTheDevice(String device) {
        float[] out = new float[64];
        TaskGraph graph = new TaskGraph("g").transferToHost(DataTransferMode.EVERY_EXECUTION, out)
                .task("local", DeviceTestKernels::localOfLength, new squall.api.KernelContext(), out, 1 << 20);
        squall.runtime.GridScheduler grid = new squall.runtime.GridScheduler("g.local",
                new squall.runtime.WorkerGrid1D(64).setLocalWork(32, 1, 1));
        try (ExecutionPlan plan = new ExecutionPlan(graph).withDevice(Devices.get(device)).withGridScheduler(grid)) {
            plan.execute();
            System.out.println("ran without a word");
            System.exit(3);
        } catch (KernelLaunchException e) {
            System.out.println(e.getMessage());
            System.exit(e.getMessage().contains("local arrays need 4194304 bytes") ? 0 : 4);
        }
    }
}
