package squall.runtime;

import squall.api.KernelContext;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SortedMap;

/**
 * A sequence of transfers and kernel launches that an {@link ExecutionPlan} runs on a device, as in
 * TornadoVM. Arrays are named by identity: every task that names the same array shares one device
 * buffer, with no copy in between.
 *
 * <pre>{@code
 * TaskGraph graph = new TaskGraph("scale")
 *         .transferToDevice(DataTransferMode.EVERY_EXECUTION, x)
 *         .task("twice", Kernels::scale, x, 2.0f, x.length)
 *         .transferToHost(DataTransferMode.EVERY_EXECUTION, x);
 * try (ExecutionPlan plan = new ExecutionPlan(graph).withDevice(Devices.get("jvm"))) {
 *     plan.execute();
 * }
 * }</pre>
 *
 * Every array a task uses must appear in {@link #transferToDevice} (inputs and resident state) or
 * {@link #transferToHost} (outputs, which need no copy in), and an array a task reads must be copied in or
 * written by an earlier task. Steps run in the order declared. Making an {@link ExecutionPlan} from a graph
 * freezes it: the plan checks it then, and later changes are refused.
 */
public final class TaskGraph {

    /** One step of a graph. */
    public sealed interface Step permits ToDevice, Task, ToHost {
    }

    /** Copies {@code arrays} to the device, as {@code mode} says. */
    public record ToDevice(DataTransferMode mode, List<Object> arrays) implements Step {
    }

    /**
     * Launches {@code kernel} with {@code args}; a context kernel over {@code grid} (or the grid a plan's
     * {@link GridScheduler} names for the task when {@code grid} is {@code null}).
     */
    public record Task(String name, KernelDescriptor kernel, List<Object> args, WorkerGrid grid) implements Step {
        /** The arguments as an array (a fresh copy). */
        public Object[] argArray() {
            return args.toArray();
        }

        /** The values of the kernel's {@code @Specialize} parameters in this task, by name: what a device compiles in. */
        public SortedMap<String, Integer> specialization() {
            return kernel.specialization(argArray());
        }
    }

    /** Copies {@code arrays} back to the host, as {@code mode} says. */
    public record ToHost(DataTransferMode mode, List<Object> arrays) implements Step {
    }

    private final String name;
    private final List<Step> steps = new ArrayList<>();
    private final Set<String> taskNames = new HashSet<>();
    private final java.util.Map<String, java.util.function.Supplier<TaskCost>> costs = new java.util.LinkedHashMap<>();
    /** Set when an {@link ExecutionPlan} is made from the graph: the plan checked it as it is then. */
    private String frozenBy;

    public TaskGraph(String name) {
        if (name == null || !name.matches("[A-Za-z_][A-Za-z0-9_-]*")) {
            throw new IllegalArgumentException("graph name must be an identifier, got '" + name + "'");
        }
        this.name = name;
    }

    public String name() {
        return name;
    }

    public List<Step> steps() {
        return Collections.unmodifiableList(steps);
    }

    /**
     * Declares what task {@code task} must read, write and compute, so profiles report its achieved
     * GB/s and GFLOP/s. The supplier runs at every profiled execution: a cost may grow with the data
     * (a decode step's context).
     */
    public TaskGraph cost(String task, java.util.function.Supplier<TaskCost> cost) {
        requireUnfrozen("cost");
        if (!taskNames.contains(task)) {
            throw new IllegalArgumentException("graph '" + name + "' has no task '" + task + "'");
        }
        costs.put(task, cost);
        return this;
    }

    /** The declared cost of {@code task} now, or {@code null}. */
    public TaskCost costOf(String task) {
        java.util.function.Supplier<TaskCost> c = costs.get(task);
        return c == null ? null : c.get();
    }

    /** Copies primitive arrays to the device: once ({@code FIRST_EXECUTION}) or on every execution. */
    public TaskGraph transferToDevice(DataTransferMode mode, Object... arrays) {
        requireUnfrozen("transferToDevice");
        if (mode == DataTransferMode.UNDER_DEMAND) {
            throw new IllegalArgumentException("UNDER_DEMAND applies to transferToHost; use FIRST_EXECUTION for"
                    + " arrays that stay on the device");
        }
        steps.add(new ToDevice(mode, checkedArrays("transferToDevice", arrays)));
        return this;
    }

    /** Copies primitive arrays back: on every execution, the first only, or when asked ({@code UNDER_DEMAND}). */
    public TaskGraph transferToHost(DataTransferMode mode, Object... arrays) {
        requireUnfrozen("transferToHost");
        steps.add(new ToHost(mode, checkedArrays("transferToHost", arrays)));
        return this;
    }

    /**
     * Freezes the graph: an {@link ExecutionPlan} checked it (every array transferred or produced before it is read)
     * and runs it as it is, so a step added later would run unchecked (on OpenCL, reading an uninitialised buffer).
     */
    void freeze(String plan) {
        if (frozenBy == null) {
            frozenBy = plan;
        }
    }

    /** {@code true} once an {@link ExecutionPlan} was made from the graph; it cannot change any more. */
    public boolean isFrozen() {
        return frozenBy != null;
    }

    private void requireUnfrozen(String change) {
        if (frozenBy != null) {
            throw new IllegalStateException("task graph '" + name + "' belongs to " + frozenBy + " since that plan was"
                    + " made, and the plan runs it as it was checked then: " + change + "(...) is refused. Build the"
                    + " whole graph first, or make a new graph and plan");
        }
    }

    private static List<Object> checkedArrays(String step, Object[] arrays) {
        for (int i = 0; i < arrays.length; i++) {
            ParamType t = ParamType.of(arrays[i]);
            if (t == null || !t.isArray()) {
                throw new IllegalArgumentException(step + ": argument " + i + " must be a primitive array"
                        + " (float[], int[], short[], byte[], long[], double[]), got "
                        + (arrays[i] == null ? "null" : arrays[i].getClass().getSimpleName()));
            }
        }
        return Arrays.asList(arrays.clone());
    }

    /**
     * Adds a launch of {@code kernel} with {@code args}: arrays, boxed scalars, and a
     * {@link KernelContext} placeholder where the kernel takes one. The typed overloads
     * ({@code task(name, PagedAttentionKernels::appendKv, ...)}) are the usual way in.
     */
    public TaskGraph task(String name, KernelDescriptor kernel, Object... args) {
        return task(name, (WorkerGrid) null, kernel, args);
    }

    /**
     * Adds a launch of {@code kernel} over {@code grid}: the work-items of a context kernel, or the local size of a
     * {@code @Parallel} one ({@code null}: none given). The grid travels with the task, so no
     * {@link GridScheduler} entry is needed for it.
     *
     * <pre>{@code
     * graph.task("reverse", new WorkerGrid1D(n).setLocalWork(64, 1, 1), KernelLibraries.find(Kernels.class, "reverse"),
     *         new KernelContext(), in, out);
     * }</pre>
     */
    public TaskGraph task(String name, WorkerGrid grid, KernelDescriptor kernel, Object... args) {
        requireUnfrozen("task");
        if (name == null || !name.matches("[A-Za-z_][A-Za-z0-9_-]*")) {
            throw new IllegalArgumentException("task name must be an identifier, got '" + name + "'");
        }
        if (!taskNames.add(name)) {
            throw new IllegalArgumentException("graph '" + this.name + "' already has a task named '" + name + "'");
        }
        List<KernelParam> params = kernel.params();
        if (args.length != params.size()) {
            throw new IllegalArgumentException("task '" + name + "' (" + kernel.qualifiedName() + ") takes "
                    + params.size() + " arguments, got " + args.length);
        }
        for (int i = 0; i < args.length; i++) {
            KernelParam p = params.get(i);
            ParamType given = ParamType.of(args[i]);
            if (given != p.type()) {
                throw new IllegalArgumentException("task '" + name + "' (" + kernel.qualifiedName() + "): argument "
                        + i + " '" + p.name() + "' must be " + p.type().javaName() + ", got "
                        + (given == null ? (args[i] == null ? "null" : args[i].getClass().getSimpleName()) : given.javaName()));
            }
        }
        steps.add(new Task(name, kernel, Collections.unmodifiableList(Arrays.asList(args.clone())), grid));
        return this;
    }

    private TaskGraph add(String name, TaskFunctions.TaskFunction kernel, Object... args) {
        return task(name, KernelLibraries.of(kernel), args);
    }

    public <T1> TaskGraph task(String name, TaskFunctions.Task1<T1> kernel, T1 a1) {
        return add(name, kernel, a1);
    }

    public <T1, T2> TaskGraph task(String name, TaskFunctions.Task2<T1, T2> kernel, T1 a1, T2 a2) {
        return add(name, kernel, a1, a2);
    }

    public <T1, T2, T3> TaskGraph task(String name, TaskFunctions.Task3<T1, T2, T3> kernel, T1 a1, T2 a2, T3 a3) {
        return add(name, kernel, a1, a2, a3);
    }

    public <T1, T2, T3, T4> TaskGraph task(String name, TaskFunctions.Task4<T1, T2, T3, T4> kernel, T1 a1, T2 a2, T3 a3, T4 a4) {
        return add(name, kernel, a1, a2, a3, a4);
    }

    public <T1, T2, T3, T4, T5> TaskGraph task(String name, TaskFunctions.Task5<T1, T2, T3, T4, T5> kernel, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5) {
        return add(name, kernel, a1, a2, a3, a4, a5);
    }

    public <T1, T2, T3, T4, T5, T6> TaskGraph task(String name, TaskFunctions.Task6<T1, T2, T3, T4, T5, T6> kernel, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6) {
        return add(name, kernel, a1, a2, a3, a4, a5, a6);
    }

    public <T1, T2, T3, T4, T5, T6, T7> TaskGraph task(String name, TaskFunctions.Task7<T1, T2, T3, T4, T5, T6, T7> kernel, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7) {
        return add(name, kernel, a1, a2, a3, a4, a5, a6, a7);
    }

    public <T1, T2, T3, T4, T5, T6, T7, T8> TaskGraph task(String name, TaskFunctions.Task8<T1, T2, T3, T4, T5, T6, T7, T8> kernel, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8) {
        return add(name, kernel, a1, a2, a3, a4, a5, a6, a7, a8);
    }

    public <T1, T2, T3, T4, T5, T6, T7, T8, T9> TaskGraph task(String name, TaskFunctions.Task9<T1, T2, T3, T4, T5, T6, T7, T8, T9> kernel, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9) {
        return add(name, kernel, a1, a2, a3, a4, a5, a6, a7, a8, a9);
    }

    public <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10> TaskGraph task(String name, TaskFunctions.Task10<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10> kernel, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10) {
        return add(name, kernel, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10);
    }

    public <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11> TaskGraph task(String name, TaskFunctions.Task11<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11> kernel, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11) {
        return add(name, kernel, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11);
    }

    public <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12> TaskGraph task(String name, TaskFunctions.Task12<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12> kernel, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11, T12 a12) {
        return add(name, kernel, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12);
    }

    public <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13> TaskGraph task(String name, TaskFunctions.Task13<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13> kernel, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11, T12 a12, T13 a13) {
        return add(name, kernel, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13);
    }

    public <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14> TaskGraph task(String name, TaskFunctions.Task14<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14> kernel, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11, T12 a12, T13 a13, T14 a14) {
        return add(name, kernel, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14);
    }

    public <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15> TaskGraph task(String name, TaskFunctions.Task15<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15> kernel, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11, T12 a12, T13 a13, T14 a14, T15 a15) {
        return add(name, kernel, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15);
    }

    public <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16> TaskGraph task(String name, TaskFunctions.Task16<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16> kernel, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11, T12 a12, T13 a13, T14 a14, T15 a15, T16 a16) {
        return add(name, kernel, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16);
    }

    public <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17> TaskGraph task(String name, TaskFunctions.Task17<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17> kernel, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11, T12 a12, T13 a13, T14 a14, T15 a15, T16 a16, T17 a17) {
        return add(name, kernel, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17);
    }

    public <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18> TaskGraph task(String name, TaskFunctions.Task18<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18> kernel, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11, T12 a12, T13 a13, T14 a14, T15 a15, T16 a16, T17 a17, T18 a18) {
        return add(name, kernel, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17, a18);
    }

    public <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18, T19> TaskGraph task(String name, TaskFunctions.Task19<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18, T19> kernel, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11, T12 a12, T13 a13, T14 a14, T15 a15, T16 a16, T17 a17, T18 a18, T19 a19) {
        return add(name, kernel, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17, a18, a19);
    }

    public <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18, T19, T20> TaskGraph task(String name, TaskFunctions.Task20<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18, T19, T20> kernel, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11, T12 a12, T13 a13, T14 a14, T15 a15, T16 a16, T17 a17, T18 a18, T19 a19, T20 a20) {
        return add(name, kernel, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17, a18, a19, a20);
    }

    public <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18, T19, T20, T21> TaskGraph task(String name, TaskFunctions.Task21<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18, T19, T20, T21> kernel, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11, T12 a12, T13 a13, T14 a14, T15 a15, T16 a16, T17 a17, T18 a18, T19 a19, T20 a20, T21 a21) {
        return add(name, kernel, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17, a18, a19, a20, a21);
    }

    public <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18, T19, T20, T21, T22> TaskGraph task(String name, TaskFunctions.Task22<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18, T19, T20, T21, T22> kernel, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11, T12 a12, T13 a13, T14 a14, T15 a15, T16 a16, T17 a17, T18 a18, T19 a19, T20 a20, T21 a21, T22 a22) {
        return add(name, kernel, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17, a18, a19, a20, a21, a22);
    }

    public <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18, T19, T20, T21, T22, T23> TaskGraph task(String name, TaskFunctions.Task23<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18, T19, T20, T21, T22, T23> kernel, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11, T12 a12, T13 a13, T14 a14, T15 a15, T16 a16, T17 a17, T18 a18, T19 a19, T20 a20, T21 a21, T22 a22, T23 a23) {
        return add(name, kernel, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17, a18, a19, a20, a21, a22, a23);
    }

    public <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18, T19, T20, T21, T22, T23, T24> TaskGraph task(String name, TaskFunctions.Task24<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18, T19, T20, T21, T22, T23, T24> kernel, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11, T12 a12, T13 a13, T14 a14, T15 a15, T16 a16, T17 a17, T18 a18, T19 a19, T20 a20, T21 a21, T22 a22, T23 a23, T24 a24) {
        return add(name, kernel, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17, a18, a19, a20, a21, a22, a23, a24);
    }

    public <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18, T19, T20, T21, T22, T23, T24, T25> TaskGraph task(String name, TaskFunctions.Task25<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18, T19, T20, T21, T22, T23, T24, T25> kernel, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11, T12 a12, T13 a13, T14 a14, T15 a15, T16 a16, T17 a17, T18 a18, T19 a19, T20 a20, T21 a21, T22 a22, T23 a23, T24 a24, T25 a25) {
        return add(name, kernel, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17, a18, a19, a20, a21, a22, a23, a24, a25);
    }

    public <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18, T19, T20, T21, T22, T23, T24, T25, T26> TaskGraph task(String name, TaskFunctions.Task26<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18, T19, T20, T21, T22, T23, T24, T25, T26> kernel, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11, T12 a12, T13 a13, T14 a14, T15 a15, T16 a16, T17 a17, T18 a18, T19 a19, T20 a20, T21 a21, T22 a22, T23 a23, T24 a24, T25 a25, T26 a26) {
        return add(name, kernel, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17, a18, a19, a20, a21, a22, a23, a24, a25, a26);
    }

    public <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18, T19, T20, T21, T22, T23, T24, T25, T26, T27> TaskGraph task(String name, TaskFunctions.Task27<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18, T19, T20, T21, T22, T23, T24, T25, T26, T27> kernel, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11, T12 a12, T13 a13, T14 a14, T15 a15, T16 a16, T17 a17, T18 a18, T19 a19, T20 a20, T21 a21, T22 a22, T23 a23, T24 a24, T25 a25, T26 a26, T27 a27) {
        return add(name, kernel, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17, a18, a19, a20, a21, a22, a23, a24, a25, a26, a27);
    }

    public <T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18, T19, T20, T21, T22, T23, T24, T25, T26, T27, T28> TaskGraph task(String name, TaskFunctions.Task28<T1, T2, T3, T4, T5, T6, T7, T8, T9, T10, T11, T12, T13, T14, T15, T16, T17, T18, T19, T20, T21, T22, T23, T24, T25, T26, T27, T28> kernel, T1 a1, T2 a2, T3 a3, T4 a4, T5 a5, T6 a6, T7 a7, T8 a8, T9 a9, T10 a10, T11 a11, T12 a12, T13 a13, T14 a14, T15 a15, T16 a16, T17 a17, T18 a18, T19 a19, T20 a20, T21 a21, T22 a22, T23 a23, T24 a24, T25 a25, T26 a26, T27 a27, T28 a28) {
        return add(name, kernel, a1, a2, a3, a4, a5, a6, a7, a8, a9, a10, a11, a12, a13, a14, a15, a16, a17, a18, a19, a20, a21, a22, a23, a24, a25, a26, a27, a28);
    }
}
