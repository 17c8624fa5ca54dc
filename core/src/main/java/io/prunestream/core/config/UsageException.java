package io.prunestream.core.config;

/**
 * What the user gave cannot be used (a setting, a file, a topic), found while checking it before
 * any work starts. Programs print its message as one line and exit with status 2, without a stack
 * trace; any other exception is a bug and keeps its trace. The message names the key, value or path
 * and the fix.
 */
public class UsageException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    public UsageException(String message) {
        super(message);
    }

    public UsageException(String message, Throwable cause) {
        super(message, cause);
    }

    /** {@code e} as a usage error with its message, unless it is one already. */
    public static UsageException of(RuntimeException e) {
        return e instanceof UsageException u ? u : new UsageException(e.getMessage(), e);
    }
}
