package squall.profiles.bench;

import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.CommandLineOptionException;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import squall.profiles.MachineInfo;
import squall.runtime.Device;
import squall.runtime.Devices;
import squall.tasks.cli.StandardError;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;

/**
 * {@code scripts/bench [JMH options]}: JMH's own command line, with two defaults of squall's: the
 * {@code device} parameter takes every device present (unless {@code -p device=...} is given), and
 * results go to {@code profiles/results/<yyyy-MM-dd>-<host>/jmh.json} as JSON (unless {@code -rf} or
 * {@code -rff} is given).
 *
 * <pre>{@code
 * scripts/bench                                   # every benchmark, every device
 * scripts/bench DecodeBenchmark -p variant=workgroup -p kvHeads=32,8,1
 * scripts/bench -l                                # list the benchmarks
 * }</pre>
 */
public final class BenchMain {

    private BenchMain() {
    }

    public static void main(String[] args) throws IOException, RunnerException {
        StandardError.takeBack();
        // JMH knows -h only; every squall script also answers --help.
        String[] jmhArgs = java.util.Arrays.stream(args).map(a -> a.equals("--help") ? "-h" : a).toArray(String[]::new);
        CommandLineOptions cli;
        try {
            cli = new CommandLineOptions(jmhArgs);
        } catch (CommandLineOptionException e) {
            System.err.println("bench: " + e.getMessage() + " (try 'scripts/bench -h')");
            System.exit(2);
            return;
        }
        if (cli.shouldHelp()) {
            cli.showHelp();
            return;
        }
        ChainedOptionsBuilder options = new OptionsBuilder().parent(cli);
        if (!cli.getParameter("device").hasValue()) {
            options.param("device", Devices.all().stream().map(Device::id).toArray(String[]::new));
        }
        Path result = null;
        if (!cli.getResult().hasValue() && !cli.getResultFormat().hasValue()) {
            Path root = Path.of(System.getProperty("squall.root", "")).toAbsolutePath();
            Path dir = root.resolve("profiles/results").resolve(LocalDate.now() + "-" + MachineInfo.hostName());
            Files.createDirectories(dir);
            result = dir.resolve("jmh.json");
            options.resultFormat(ResultFormatType.JSON).result(result.toString());
        }
        Runner runner = new Runner(options.build());
        if (cli.shouldList() || cli.shouldListWithParams()) {
            runner.list();
            return;
        }
        runner.run();
        if (result != null) {
            System.out.println("results: " + result);
        }
    }
}
