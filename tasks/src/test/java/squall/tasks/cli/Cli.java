package squall.tasks.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs {@code squall} in-process through picocli, capturing standard output and error. */
final class Cli {

    record Result(int status, String out, String err) {

        /** Standard error's lines, without empty ones. */
        String[] errLines() {
            return err.lines().filter(l -> !l.isBlank()).toArray(String[]::new);
        }

        @Override
        public String toString() {
            return "exit " + status + "\n--- stdout ---\n" + out + "--- stderr ---\n" + err;
        }
    }

    private Cli() {
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int status = SquallCommand.commandLine()
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true))
                .execute(args);
        return new Result(status, out.toString(), err.toString());
    }
}
