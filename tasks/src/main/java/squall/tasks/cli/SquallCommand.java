package squall.tasks.cli;

import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.MissingParameterException;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.List;

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
                RunCommand.class,
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
        StandardError.takeBack();
        Logging.defaults();
        System.exit(commandLine().execute(args));
    }

    /** The command line with squall's error handling; {@code execute(args)} returns the exit status. */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new SquallCommand());
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        // Everything after the program is the program's own, options included.
        cli.getSubcommands().get("run").setStopAtPositional(true);
        cli.setParameterExceptionHandler(SquallCommand::badArguments);
        cli.setExecutionExceptionHandler((e, failed, parseResult) -> failure(e, failed));
        return cli;
    }

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "name a command: " + String.join(", ",
                spec.subcommands().keySet().stream().filter(c -> !c.equals("help")).toList()) + " (try 'squall --help')");
    }

    private static int badArguments(ParameterException e, String[] args) {
        ParameterException first = unknownOptionFirst(e, args);
        CommandLine failed = first.getCommandLine();
        String hint = failed.getCommandSpec().qualifiedName();
        String message = first instanceof UnmatchedArgumentException unmatched ? unmatched(unmatched) : oneLine(first.getMessage());
        if (first.getArgSpec() instanceof OptionSpec option) {
            // picocli names an option by its longest name; the user may have typed another (--dtype for --kv-dtype)
            message = message.replace("'" + option.longestName() + "'", "'" + BadInputException.typed(option, List.of(args)) + "'");
        }
        printLine(failed.getErr(), failed, message + (message.contains("--help") ? "" : " (try '" + hint + " --help')"));
        return BAD_INPUT;
    }

    /**
     * Picocli reports missing required options before unknown ones, but {@code --contxt 4096} is the mistake that
     * made {@code --context} missing: report it, with picocli's guess at what was meant.
     */
    private static ParameterException unknownOptionFirst(ParameterException e, String[] args) {
        if (!(e instanceof MissingParameterException)) {
            return e;
        }
        CommandLine command = e.getCommandLine();
        for (String arg : args) {
            String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
            if (name.startsWith("-") && name.length() > 1 && !name.matches("-[0-9.].*")
                    && command.getCommandSpec().findOption(name) == null) {
                return new UnmatchedArgumentException(command, List.of(name));
            }
        }
        return e;
    }

    /** {@code unknown option '--contxt'; did you mean '--context'?}, {@code no command 'devcies'; did you mean 'devices'?} */
    private static String unmatched(UnmatchedArgumentException e) {
        List<String> unmatched = e.getUnmatched();
        String what = unmatched.isEmpty() ? "" : unmatched.getFirst();
        List<String> guesses = e.getSuggestions();
        String guess = guesses.isEmpty() ? "" : "; did you mean '" + String.join("' or '", guesses.subList(0, Math.min(2, guesses.size()))) + "'?";
        if (what.startsWith("-")) {
            return "unknown option '" + what + "'" + guess;
        }
        if (!e.getCommandLine().getSubcommands().isEmpty() && e.getCommandLine().getCommandSpec().positionalParameters().isEmpty()) {
            return "no command '" + what + "'" + guess;
        }
        return oneLine(e.getMessage()) + guess;
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

    /**
     * {@code text} as the commands print a message: on one line, its lines joined by {@code "; "}; empty for
     * {@code null}. {@code oneLine("no such file:\n  q.npy")} is {@code "no such file:; q.npy"}.
     */
    public static String oneLine(String text) {
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
