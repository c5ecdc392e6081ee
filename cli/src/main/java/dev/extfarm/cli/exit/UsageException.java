package dev.extfarm.cli.exit;

/** The command line asks for something impossible (missing file, bad value): exit code 2. */
public class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message);
    }
}
