package ai.lcl4j.cli;

/**
 * The user called a command wrongly: unknown flag, missing or malformed value, failed check.
 * The message is one line that names the flag (or config key) and the problem, e.g.
 * {@code --lr: expected a number, got 'abc'}. {@link Cli} prints it as {@code error: ...} and exits 2,
 * without a stack trace, because the fix is in the command line, not in the code.
 */
public final class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message);
    }
}
