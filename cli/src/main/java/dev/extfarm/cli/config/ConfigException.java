package dev.extfarm.cli.config;

/** The config file cannot be used (unsafe permissions, unreadable, bad value): exit code 1. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String message) {
        super(message);
    }
}
