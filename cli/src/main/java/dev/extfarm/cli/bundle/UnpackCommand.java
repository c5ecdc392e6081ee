package dev.extfarm.cli.bundle;

import dev.extfarm.bundle.BundleReader;
import dev.extfarm.bundle.VerifiedBundle;
import dev.extfarm.cli.exit.UsageException;
import java.io.BufferedInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

@Command(name = "unpack", mixinStandardHelpOptions = true,
        description = {"Verify and unpack a bundle into DEST (which must not exist), all or nothing:",
                "entries go to a staging directory beside DEST that is renamed into place only when every rule passed."},
        footer = {"", "Example:", "  extfarm bundle unpack vector.tar ./vector-0.8.0"})
public final class UnpackCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE")
    Path file;

    @Parameters(index = "1", paramLabel = "DEST")
    Path dest;

    @Option(names = "--sha256", description = "also require these bytes to have this sha-256")
    String sha256;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(file)) {
            throw new UsageException(file + ": no such file");
        }
        VerifiedBundle v;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            v = BundleReader.withDefaults().unpack(in, dest, sha256);
        }
        spec.commandLine().getOut().printf("%s%n  unpacked %d files into %s%n", v.address().path(), v.manifest().files().size(), dest);
        return 0;
    }
}
