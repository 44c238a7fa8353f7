package squall.runtime;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Runs task graphs on a device, as in TornadoVM. The plan owns the device-side state: one buffer
 * per distinct array (by identity), the compiled kernels, and which copies are stale. Closing it
 * frees everything it made on the device.
 *
 * <pre>{@code
 * try (ExecutionPlan plan = new ExecutionPlan(graph).withDevice(Devices.get("opencl:0")).withProfiler()) {
 *     for (int step = 0; step < 64; step++) {
 *         ProfilerResult p = plan.execute().profilerResult();
 *         System.out.println(p.kernelNanos() + " ns in kernels");
 *     }
 * }
 * }</pre>
 *
 * <p>Making a plan checks its graphs (every array a task uses is transferred, and copied in or written by an
 * earlier task before it is read) and freezes them: a later change to a graph is an {@link IllegalStateException}.
 * Before its first execution on a device the plan checks what the device must hold ({@link DeviceLimits}): every
 * array within the largest buffer, all of them within its memory, each kernel's private arrays within a
 * work-item's share. Nothing is allocated or built when one does not fit.
 *
 * <p>Threads: a plan is for one thread at a time. A call from a second thread while another is inside
 * {@code execute}, {@code transferToHost}, {@code refreshOnDevice} or {@code close} fails at once with an
 * {@link IllegalStateException} naming both threads; nothing of the running call is disturbed. Separate plans
 * are independent, on one device or several, and may run on threads of their own at the same time. The host
 * arrays of a graph belong to its plan while it executes: a thread that writes them meanwhile races with the
 * copies.
 */
public final class ExecutionPlan implements AutoCloseable {

    private final List<TaskGraph> graphs;
    private final ExclusiveUse use;
    private Device device;
    private boolean profiling;
    private boolean boundsChecks = BoundsChecks.requested();
    private GridScheduler grids = new GridScheduler();

    private DeviceSession session;
    private final Map<Object, BufferState> buffers = new IdentityHashMap<>();
    private final Map<String, DeviceKernel> kernels = new HashMap<>();
    private long executions;
    private boolean closed;
    /** Resident arrays whose host copy changed: copied in before the next execution's first step. */
    private final Set<Object> stale = java.util.Collections.newSetFromMap(new IdentityHashMap<>());

    /** Device-side state of one array. */
    private static final class BufferState {
        final DeviceBuffer buffer;
        boolean copiedIn;
        /** A kernel wrote the device copy after the last copy out: the host copy is stale. */
        boolean deviceNewer;

        BufferState(DeviceBuffer buffer) {
            this.buffer = buffer;
        }
    }

    public ExecutionPlan(TaskGraph... graphs) {
        if (graphs.length == 0) {
            throw new IllegalArgumentException("an execution plan needs at least one task graph");
        }
        this.graphs = List.of(graphs);
        this.use = new ExclusiveUse("the execution plan of graph" + (graphs.length == 1 ? " '" + graphs[0].name() + "'"
                : "s " + this.graphs.stream().map(g -> "'" + g.name() + "'").toList()));
        checkDeclared();
        checkInitialised();
        for (TaskGraph g : graphs) {
            g.freeze("the execution plan of graph '" + g.name() + "'");
        }
    }

    /**
     * An array a task reads must be on the device by then: copied in by an earlier {@code transferToDevice}, or
     * written by an earlier task. Otherwise a device reads whatever its new buffer holds.
     */
    private void checkInitialised() {
        Set<Object> initialised = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        for (TaskGraph g : graphs) {
            for (TaskGraph.Step step : g.steps()) {
                if (step instanceof TaskGraph.ToDevice t) {
                    initialised.addAll(t.arrays());
                } else if (step instanceof TaskGraph.Task task) {
                    List<KernelParam> params = task.kernel().params();
                    for (int i = 0; i < params.size(); i++) {
                        if (params.get(i).type().isArray() && params.get(i).access().reads()
                                && !initialised.contains(task.args().get(i))) {
                            throw new IllegalArgumentException("task '" + g.name() + "." + task.name() + "' ("
                                    + task.kernel().qualifiedName() + ") reads array argument " + i + " '"
                                    + params.get(i).name() + "', which no earlier transferToDevice copies in and no"
                                    + " earlier task writes: on a device it would read an uninitialised buffer");
                        }
                    }
                    for (int i = 0; i < params.size(); i++) {
                        if (params.get(i).type().isArray() && params.get(i).access().writes()) {
                            initialised.add(task.args().get(i));
                        }
                    }
                }
            }
        }
    }

    /** Every array a task uses must be declared in a transfer, so each device knows whether to copy it in. */
    private void checkDeclared() {
        Set<Object> declared = java.util.Collections.newSetFromMap(new IdentityHashMap<>());
        Set<String> graphNames = new LinkedHashSet<>();
        Set<String> taskNames = new LinkedHashSet<>();
        for (TaskGraph g : graphs) {
            if (!graphNames.add(g.name())) {
                throw new IllegalArgumentException("two task graphs are named '" + g.name() + "'");
            }
            for (TaskGraph.Step step : g.steps()) {
                switch (step) {
                    case TaskGraph.ToDevice t -> declared.addAll(t.arrays());
                    case TaskGraph.ToHost t -> declared.addAll(t.arrays());
                    case TaskGraph.Task t -> {
                        // profiles attribute device events to tasks by name
                        if (!taskNames.add(t.name())) {
                            throw new IllegalArgumentException("two graphs of one plan have a task named '" + t.name()
                                    + "'; task names must be unique within a plan");
                        }
                    }
                }
            }
        }
        for (TaskGraph g : graphs) {
            for (TaskGraph.Step step : g.steps()) {
                if (step instanceof TaskGraph.Task task) {
                    for (int i = 0; i < task.args().size(); i++) {
                        Object arg = task.args().get(i);
                        if (ParamType.of(arg) != null && ParamType.of(arg).isArray() && !declared.contains(arg)) {
                            throw new IllegalArgumentException("task '" + g.name() + "." + task.name() + "': array argument "
                                    + i + " '" + task.kernel().params().get(i).name() + "' is in no transfer; name it in"
                                    + " transferToDevice (inputs, resident state) or transferToHost (outputs)");
                        }
                    }
                }
            }
        }
    }

    /** Runs on {@code device}; if the plan ran elsewhere before, its device state is released first. */
    public ExecutionPlan withDevice(Device device) {
        ensureOpen();
        if (this.device != null && this.device != device) {
            releaseSession();
        }
        this.device = device;
        return this;
    }

    /** Runs on the device with this id ({@code jvm}, {@code opencl:0}, ...). */
    public ExecutionPlan withDevice(String id) {
        return withDevice(Devices.get(id));
    }

    /** Records a {@link ProfilerResult} for every execution. */
    public ExecutionPlan withProfiler() {
        setProfiling(true);
        return this;
    }

    public ExecutionPlan withoutProfiler() {
        setProfiling(false);
        return this;
    }

    /**
     * Runs each kernel's bounds-checked build: every array index is checked on the device, and a launch that indexes
     * outside an array fails with a {@link KernelLaunchException} naming the kernel, the array, the index and the
     * length, instead of reading garbage or corrupting memory. Slower: for finding bugs. {@code SQUALL_BOUNDS_CHECKS=1}
     * makes it every plan's default. The jvm device checks every access in any case.
     */
    public ExecutionPlan withBoundsChecks() {
        setBoundsChecks(true);
        return this;
    }

    /** Runs the usual builds, whatever {@code SQUALL_BOUNDS_CHECKS} says. */
    public ExecutionPlan withoutBoundsChecks() {
        setBoundsChecks(false);
        return this;
    }

    private void setBoundsChecks(boolean on) {
        ensureOpen();
        if (session != null && on != boundsChecks) {
            releaseSession();
        }
        boundsChecks = on;
    }

    /** Whether kernels run their bounds-checked builds. */
    public boolean boundsChecks() {
        return boundsChecks;
    }

    private void setProfiling(boolean on) {
        ensureOpen();
        if (session != null && on != profiling) {
            releaseSession();
        }
        profiling = on;
    }

    /**
     * Launch grids for tasks, keyed {@code "graph.task"}, as in TornadoVM; a grid given with the task
     * ({@link TaskGraph#task(String, WorkerGrid, KernelDescriptor, Object...)}) comes first.
     */
    public ExecutionPlan withGridScheduler(GridScheduler grids) {
        this.grids = grids;
        return this;
    }

    /** The graphs this plan runs, in order. */
    public List<TaskGraph> graphs() {
        return graphs;
    }

    /** The device the plan runs on (the default device if none was chosen). */
    public Device device() {
        if (device == null) {
            device = Devices.defaultDevice();
        }
        return device;
    }

    /** Number of completed executions on the current device. */
    public long executions() {
        return executions;
    }

    /** {@code true} if a kernel has written {@code array} on the device since it was last copied back. */
    public boolean isHostCopyStale(Object array) {
        BufferState s = buffers.get(array);
        return s != null && s.deviceNewer;
    }

    /**
     * The host copies of these device-resident arrays changed (a block table after a new sequence was
     * admitted, say): copy them to the device once, before the next execution's first step. Arrays
     * the device has not seen yet need no refresh.
     */
    public ExecutionPlan refreshOnDevice(Object... arrays) {
        ensureOpen();
        try (ExclusiveUse.Scope ignored = use.enter("refreshOnDevice()")) {
            markStale(arrays);
        }
        return this;
    }

    private void markStale(Object... arrays) {
        for (Object array : arrays) {
            if (ParamType.of(array) == null || !ParamType.of(array).isArray()) {
                throw new IllegalArgumentException("refreshOnDevice takes primitive arrays");
            }
            stale.add(array);
        }
    }

    /** Runs every graph's steps in order, and waits for the device. */
    public ExecutionResult execute() {
        try (ExclusiveUse.Scope ignored = use.enter("execute()")) {
            return executeAlone();
        }
    }

    private ExecutionResult executeAlone() {
        ensureOpen();
        long start = System.nanoTime();
        if (session == null) {
            DeviceLimits.check(graphs, device());
            session = device().openSession(profiling, boundsChecks);
        }
        for (Object array : stale) {
            BufferState s = buffers.get(array);
            if (s != null && s.copiedIn) {
                session.copyIn(s.buffer, array, describe(array));
                s.deviceNewer = false;
            }
        }
        stale.clear();
        boolean first = executions == 0;
        for (TaskGraph graph : graphs) {
            for (TaskGraph.Step step : graph.steps()) {
                switch (step) {
                    case TaskGraph.ToDevice t -> {
                        for (Object array : t.arrays()) {
                            BufferState s = buffer(array);
                            if (t.mode() == DataTransferMode.EVERY_EXECUTION || !s.copiedIn) {
                                session.copyIn(s.buffer, array, describe(array));
                                s.copiedIn = true;
                                s.deviceNewer = false;
                            }
                        }
                    }
                    case TaskGraph.Task t -> launch(graph, t);
                    case TaskGraph.ToHost t -> {
                        boolean copy = t.mode() == DataTransferMode.EVERY_EXECUTION
                                || (t.mode() == DataTransferMode.FIRST_EXECUTION && first);
                        for (Object array : t.arrays()) {
                            BufferState s = buffer(array);
                            if (copy) {
                                session.copyOut(s.buffer, array, describe(array));
                                s.deviceNewer = false;
                            }
                        }
                    }
                }
            }
        }
        session.finish();
        List<DeviceEvent> events = session.drainEvents();
        long total = System.nanoTime() - start;
        ProfilerResult profile = profiling
                ? new ProfilerResult(device.id(), executions, total, events, taskProfiles(events)) : null;
        executions++;
        return new ExecutionResult(this, profile);
    }

    /** Each task's kernel and compile time from the device's events (labelled with the task name), and its cost. */
    private List<TaskProfile> taskProfiles(List<DeviceEvent> events) {
        List<TaskProfile> tasks = new ArrayList<>();
        for (TaskGraph graph : graphs) {
            for (TaskGraph.Step step : graph.steps()) {
                if (step instanceof TaskGraph.Task t) {
                    long kernel = 0, compile = 0;
                    for (DeviceEvent e : events) {
                        if (e.task().equals(t.name())) {
                            kernel += e.kind() == DeviceEvent.Kind.KERNEL ? e.nanos() : 0;
                            compile += e.kind() == DeviceEvent.Kind.COMPILE ? e.nanos() : 0;
                        }
                    }
                    tasks.add(new TaskProfile(t.name(), graph.name(), kernel, compile, graph.costOf(t.name())));
                }
            }
        }
        return tasks;
    }

    private void launch(TaskGraph graph, TaskGraph.Task task) {
        KernelDescriptor kernel = task.kernel();
        Object[] hostArgs = task.argArray();
        Object[] deviceArgs = new Object[hostArgs.length];
        Map<String, Integer> specialization = task.specialization();
        for (int i = 0; i < hostArgs.length; i++) {
            KernelParam p = kernel.params().get(i);
            if (p.type().isArray()) {
                deviceArgs[i] = buffer(hostArgs[i]).buffer;
            } else if (p.type() != ParamType.KERNEL_CONTEXT) {
                deviceArgs[i] = hostArgs[i];
            }
        }
        WorkerGrid grid = task.grid() != null ? task.grid() : grids.get(graph.name(), task.name());
        long[] bounds = null;
        if (kernel.usesContext()) {
            if (grid == null) {
                throw new IllegalStateException("task '" + graph.name() + "." + task.name() + "' (" + kernel.qualifiedName()
                        + ") takes a KernelContext: give it a grid, with the task (task(name, grid, kernel, args...)) or"
                        + " with withGridScheduler(new GridScheduler(\"" + graph.name() + "." + task.name()
                        + "\", new WorkerGrid1D(...)))");
            }
        } else if (kernel.parallelDimensions() > 0) {
            bounds = kernel.parallelBounds(hostArgs);
            for (int d = 0; d < bounds.length; d += 2) {
                if (bounds[d + 1] <= bounds[d]) {
                    return; // an empty loop: nothing to run
                }
            }
        }
        String key = graph.name() + "." + task.name();
        DeviceKernel compiled = kernels.get(key);
        if (compiled == null) {
            compiled = session.prepare(kernel, specialization, task.name());
            kernels.put(key, compiled);
        }
        session.launch(new Launch(task.name(), compiled, deviceArgs, hostArgs, bounds, grid));
        for (int i = 0; i < hostArgs.length; i++) {
            KernelParam p = kernel.params().get(i);
            if (p.type().isArray() && p.access().writes()) {
                buffers.get(hostArgs[i]).deviceNewer = true;
            }
        }
    }

    private BufferState buffer(Object array) {
        BufferState s = buffers.get(array);
        if (s == null) {
            s = new BufferState(session.allocate(array));
            buffers.put(array, s);
        }
        return s;
    }

    private static String describe(Object array) {
        return ParamType.of(array).javaName().replace("[]", "[" + ParamType.length(array) + "]");
    }

    /** Copies the device contents of {@code arrays} to the host now (any arrays the plan's graphs use). */
    public void transferToHost(Object... arrays) {
        try (ExclusiveUse.Scope ignored = use.enter("transferToHost()")) {
            copyToHost(arrays);
        }
    }

    /** Copies the device contents of {@code arrays} to the host now. */
    void copyToHost(Object... arrays) {
        ensureOpen();
        for (Object array : arrays) {
            BufferState s = buffers.get(array);
            if (s == null) {
                throw new IllegalArgumentException("this plan has no device copy of that "
                        + (ParamType.of(array) == null ? "object" : describe(array)) + ": it is not in any executed graph");
            }
            session.copyOut(s.buffer, array, describe(array));
            s.deviceNewer = false;
        }
        session.finish();
        session.drainEvents();
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("this execution plan is closed");
        }
    }

    private void releaseSession() {
        if (session != null) {
            session.close();
            session = null;
        }
        buffers.clear();
        kernels.clear();
        executions = 0;
    }

    /** Frees every device buffer and compiled kernel the plan made. */
    @Override
    public void close() {
        try (ExclusiveUse.Scope ignored = use.enter("close()")) {
            if (!closed) {
                closed = true;
                releaseSession();
            }
        }
    }
}
