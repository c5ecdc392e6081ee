package dev.extfarm.cli.bundle;

import picocli.CommandLine.Command;

@Command(name = "bundle", mixinStandardHelpOptions = true,
        description = "Pack, verify and unpack extension bundles (docs/bundle-format.md).",
        footer = {"", "Example:", "  extfarm bundle verify bundle.tar && extfarm bundle explain bundle.tar"},
        subcommands = {PackCommand.class, VerifyCommand.class, UnpackCommand.class, SignCommand.class, KeygenCommand.class, ExplainCommand.class,
                VerifyProvenanceCommand.class})
public final class BundleCommand {
}
