package squall.tasks.cli;

import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;

/**
 * The {@code squall} command line: attention on {@code .npy} files, measured decode and prefill runs
 * over a paged KV cache, MHA-to-GQA weight conversion, devices, model presets, KV-cache sizes and
 * generated kernel sources. Results go to standard output, logs (SLF4J, quiet unless
 * {@code -v}) to standard error. Exit status: 0 on success, 2 on bad input (one line on standard error
 * naming the argument), 1 when a device or squall itself fails.
 *
 * <pre>{@code
 * scripts/squall attend --q q.npy --k k.npy --v v.npy --causal --check --out out.npy
 * scripts/squall kv-size --model llama3-8b --seq 8192 --dtype fp16
 * scripts/squall decode --model llama3-8b --context 4096 --steps 64 --json
 * }</pre>
 *
 * <p>In-process (as the tests do): {@code int status = SquallCommand.commandLine().execute("models");}
 */
@Command(name = "squall",
        mixinStandardHelpOptions = true,
        scope = ScopeType.INHERIT,
        versionProvider = SquallCommand.Version.class,
        description = "Grouped-query attention (MHA, GQA, MQA) on the JVM, OpenCL and CUDA devices.",
        subcommands = {
                AttendCommand.class,
                DecodeCommand.class,
                PrefillCommand.class,
                ConvertCommand.class,
                DevicesCommand.class,
                ModelsCommand.class,
                KvSizeCommand.class,
                PrintKernelCommand.class,
                CommandLine.HelpCommand.class})
public final class SquallCommand implements Runnable {

    /** Exit status for bad input. */
    public static final int BAD_INPUT = 2;
    /** Exit status for device and internal errors. */
    public static final int FAILED = 1;

    @Spec
    CommandSpec spec;

    @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
            description = "Log to standard error: -v info, -vv debug.")
    void verbose(boolean[] flags) {
        Logging.verbosity(flags.length);
    }

    public static void main(String[] args) {
        Logging.defaults();
        System.exit(commandLine().execute(args));
    }

    /** The command line with squall's error handling; {@code execute(args)} returns the exit status. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new SquallCommand());
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        cli.setParameterExceptionHandler(SquallCommand::badArguments);
        cli.setExecutionExceptionHandler((e, failed, parseResult) -> failure(e, failed));
        return cli;
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "name a command: attend, decode, prefill, convert,"
                + " devices, models, kv-size, print-kernel (try 'squall --help')");
    }

    private static int badArguments(ParameterException e, String[] args) {
        CommandLine failed = e.getCommandLine();
        String hint = failed.getCommandSpec().qualifiedName();
        printLine(failed.getErr(), failed, oneLine(e.getMessage())
                + (e.getMessage().contains("--help") ? "" : " (try '" + hint + " --help')"));
        return BAD_INPUT;
    }

    private static int failure(Exception e, CommandLine failed) {
        if (e instanceof BadInputException) {
            printLine(failed.getErr(), failed, oneLine(e.getMessage()));
            return BAD_INPUT;
        }
        LoggerFactory.getLogger(SquallCommand.class).debug("{} failed", failed.getCommandSpec().qualifiedName(), e);
        String message = e.getMessage() == null ? e.toString() : e.getMessage();
        if (!(e instanceof CommandFailedException)) {
            message = e.getClass().getSimpleName() + ": " + message;
        }
        printLine(failed.getErr(), failed, "error: " + message + (e instanceof CommandFailedException ? "" : " (-vv for the stack trace)"));
        return FAILED;
    }

    private static void printLine(PrintWriter err, CommandLine command, String text) {
        err.println(command.getCommandSpec().qualifiedName() + ": " + text);
        err.flush();
    }

    private static String oneLine(String text) {
        return text == null ? "" : text.strip().replaceAll("\\s*\\R\\s*", "; ");
    }

    /** The version from the jar's manifest, when built into one. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = SquallCommand.class.getPackage().getImplementationVersion();
            return new String[] {"squall " + (version == null ? "(development build)" : version)};
        }
    }
}
