package dev.extfarm.cli.cnpg;

import picocli.CommandLine.Command;

@Command(name = "cnpg", mixinStandardHelpOptions = true,
        description = "CloudNativePG: run the farm's bundle images as image volume extensions (docs/oci.md).",
        footer = {"", "Example:", "  extfarm cnpg extensions semver pgmemcache --pg 18"},
        subcommands = {CnpgExtensionsCommand.class})
public final class CnpgCommand {
}
