package squall.tasks.cli;

/**
 * Sets slf4j-simple's level from the number of {@code -v} flags. slf4j-simple reads its configuration
 * when the first logger is created, so this runs before any command asks for a logger; the command
 * classes therefore take their loggers in {@code call()}, never in static fields.
 */
final class Logging {

    static final String LEVEL = "org.slf4j.simpleLogger.defaultLogLevel";

    private Logging() {
    }

    /** Quiet (warnings and errors only) unless the user configured slf4j-simple on the java command line. */
    static void defaults() {
        setIfAbsent(LEVEL, "warn");
        setIfAbsent("org.slf4j.simpleLogger.logFile", "System.err");
        setIfAbsent("org.slf4j.simpleLogger.showThreadName", "false");
        setIfAbsent("org.slf4j.simpleLogger.showShortLogName", "true");
    }

    /** {@code -v}: info, {@code -vv}: debug, more: trace. */
    static void verbosity(int flags) {
        if (flags > 0) {
            System.setProperty(LEVEL, flags == 1 ? "info" : flags == 2 ? "debug" : "trace");
        }
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
