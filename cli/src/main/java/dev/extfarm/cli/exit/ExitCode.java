package dev.extfarm.cli.exit;

/** The exit codes of {@code extfarm} (docs/cli.md). */
public final class ExitCode {

    /** Done, or the check passed. */
    public static final int OK = 0;
    /** The registry or the check said no (a rejected bundle, an inconsistent store, ...). */
    public static final int REJECTED = 1;
    /** The command line asks for something impossible ({@link UsageException}). */
    public static final int USAGE = 2;

    private ExitCode() {
    }
}
