package dev.extfarm.cli.output;

import picocli.CommandLine.Option;

/** {@code --output text|json} for list-like commands. */
public final class OutputOption {

    public enum Format { text, json }

    @Option(names = {"-O", "--output"}, defaultValue = "text", description = "text or json (default: ${DEFAULT-VALUE})")
    public Format format;

    public boolean json() {
        return format == Format.json;
    }
}
