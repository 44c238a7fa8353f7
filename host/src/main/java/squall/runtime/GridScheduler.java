package squall.runtime;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Launch grids per task, keyed {@code "graphName.taskName"} as in TornadoVM.
 *
 * <pre>{@code
 * WorkerGrid grid = new WorkerGrid1D(groups * 128).setLocalWork(128, 1, 1);
 * plan.withGridScheduler(new GridScheduler("decode.attend", grid));
 * }</pre>
 */
public final class GridScheduler {

    private final Map<String, WorkerGrid> grids = new LinkedHashMap<>();

    public GridScheduler() {
    }

    public GridScheduler(String taskKey, WorkerGrid grid) {
        add(taskKey, grid);
    }

    public GridScheduler add(String taskKey, WorkerGrid grid) {
        if (!taskKey.contains(".")) {
            throw new IllegalArgumentException("grid key '" + taskKey + "' must be 'graphName.taskName'");
        }
        grids.put(taskKey, grid);
        return this;
    }

    /** The grid for {@code graph.task}, or {@code null}. */
    public WorkerGrid get(String graph, String task) {
        return grids.get(graph + "." + task);
    }

    Map<String, WorkerGrid> all() {
        return grids;
    }
}
