package squall.tasks.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import squall.tasks.ModelPreset;

import java.util.concurrent.Callable;

/** {@code squall models}: the model presets and their attention geometry. */
@Command(name = "models", description = "Lists the model presets: layers, query heads, KV heads, head dim, group size, kind, sliding window, soft-cap, sinks.")
final class ModelsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        TextTable table = new TextTable("ID", "NAME", "LAYERS", "HQ", "HKV", "HEAD_DIM", "GROUP", "KIND", "WINDOW",
                "SOFTCAP", "SINKS").alignRight(2, 3, 4, 5, 6);
        for (ModelPreset m : ModelPreset.all()) {
            table.row(m.id(), m.name(), m.layers(), m.queryHeads(), m.kvHeads(), m.headDim(), m.groupSize(), m.kind(),
                    m.windowText(), m.softcap() == 0 ? "-" : (m.softcap() == Math.rint(m.softcap()) ? "" + (int) m.softcap() : "" + m.softcap()),
                    m.sinks() ? "yes" : "-");
        }
        table.print(spec.commandLine().getOut());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
