package squall.tasks.cli;

import picocli.CommandLine.Model.OptionSpec;

import java.util.List;

/**
 * The user's input is wrong (a file, a shape, an option value): {@code squall} prints the message as one
 * line naming the argument and exits with status 2. Anything else that fails is exit status 1.
 */
final class BadInputException extends RuntimeException {

    private final String argument;

    /**
     * @param argument the option or parameter at fault, as the user typed it ({@code --q}, {@code NAME})
     * @param detail   what is wrong and what was expected
     */
    BadInputException(String argument, String detail) {
        super(argument + ": " + detail);
        this.argument = argument;
    }

    String argument() {
        return argument;
    }

    /**
     * The name of {@code option} as the user typed it in {@code args} ({@code --seq} for {@code --context}), so
     * that a message names what the user wrote; its longest name if none of its names is there.
     */
    static String typed(OptionSpec option, List<String> args) {
        for (String arg : args) {
            for (String name : option.names()) {
                if (arg.equals(name) || arg.startsWith(name + "=")) {
                    return name;
                }
            }
        }
        return option.longestName();
    }
}
