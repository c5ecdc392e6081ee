package dev.extfarm.cli.sources;

import picocli.CommandLine.Command;

@Command(name = "sources", mixinStandardHelpOptions = true,
        description = "Upstream sources of recipes: source mirrors for farms without internet (docs/operations.md#source-mirrors).",
        footer = {"", "Example:", "  extfarm sources mirror /mnt/usb/sources && extfarm up --source-mirror /mnt/usb/sources"},
        subcommands = {MirrorCommand.class})
public final class SourcesCommand {
}
