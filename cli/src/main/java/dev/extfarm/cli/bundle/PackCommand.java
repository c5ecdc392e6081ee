package dev.extfarm.cli.bundle;

import dev.extfarm.bundle.BundleManifest;
import dev.extfarm.bundle.BundleWriter;
import dev.extfarm.bundle.Platform;
import dev.extfarm.bundle.TreeInspector;
import dev.extfarm.cli.exit.UsageException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "pack",
        description = {"Pack a directory laid out as a bundle into a deterministic bundle.tar and print its address.",
                "The manifest is generated: extensions, default version and requires come from the control files,",
                "libraries from lib/*.so, and every file is listed with its size and sha-256."},
        footer = {"", "Example:",
                "  extfarm bundle pack ./tree --name vector --version 0.8.0 --pg-major 17 --license PostgreSQL -o vector.tar"})
public final class PackCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help message and exit.")
    boolean help;

    @Parameters(index = "0", paramLabel = "DIR", description = "the bundle tree (share/extension/, lib/, doc/, ...)")
    Path dir;

    @Option(names = "--name", required = true, description = "bundle (package) name, [a-z0-9][a-z0-9_-]{0,62}")
    String name;

    @Option(names = "--version", required = true, description = "version of the package, e.g. 0.8.0")
    String version;

    @Option(names = "--pg-major", required = true, description = "PostgreSQL major it was built for, e.g. 17")
    int pgMajor;

    @Option(names = "--platform", description = "<distro>-<arch>-<libc>; default: this machine's, e.g. debian-12-amd64-glibc")
    String platform;

    @Option(names = "--license", defaultValue = "NOASSERTION", description = "SPDX license expression (default: ${DEFAULT-VALUE})")
    String license;

    @Option(names = "--shared-preload", description = "the module must be in shared_preload_libraries")
    boolean sharedPreload;

    @Option(names = "--preload", description = "the module is meant for session/local_preload_libraries")
    boolean preload;

    @Option(names = "--source-date-epoch", description = "timestamp for every entry (default: $SOURCE_DATE_EPOCH or 0)")
    Long sourceDateEpoch;

    @Option(names = {"-o", "--output"}, required = true, description = "where to write the tar")
    Path output;

    @Override
    public Integer call() throws Exception {
        if (!Files.isDirectory(dir)) {
            throw new UsageException(dir + " is not a directory");
        }
        BundleManifest.Builder b = BundleManifest.builder().name(name).version(version).pgMajor(pgMajor)
                .platform(platform == null ? HostPlatform.detect() : Platform.parse(platform))
                .license(license).sharedPreload(sharedPreload).preload(preload);
        TreeInspector.infer(dir, name, b);
        BundleManifest manifest = b.build();
        if (manifest.extensions().isEmpty()) {
            throw new UsageException(dir + " has no share/extension/*.control file: a bundle carries at least one extension");
        }
        long epoch = sourceDateEpoch != null ? sourceDateEpoch : envEpoch();
        BundleWriter.Packed packed = BundleWriter.pack(dir, manifest, epoch, output);
        PrintWriter out = spec.commandLine().getOut();
        out.println(packed.address().path());
        return 0;
    }

    private static long envEpoch() {
        String env = System.getenv("SOURCE_DATE_EPOCH");
        try {
            return env == null || env.isBlank() ? 0 : Long.parseLong(env.strip());
        } catch (NumberFormatException e) {
            throw new UsageException("SOURCE_DATE_EPOCH='" + env + "' is not a number of seconds");
        }
    }

}
