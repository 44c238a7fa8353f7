package squall.tasks.cli;

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
}
