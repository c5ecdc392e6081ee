package dev.extfarm.cli.bundle;

import dev.extfarm.bundle.BundleReader;
import dev.extfarm.bundle.VerifiedBundle;
import dev.extfarm.bundle.sign.BundleSignature;
import dev.extfarm.bundle.sign.KeySet;
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

@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {"Check a bundle against every rule the unpacker applies, writing nothing.",
                "Exit 0: valid (prints its address); 1: rejected (one line on stderr: rejected: <rule>: <entry>: <what to do>); 2: usage."},
        footer = {"", "Examples:", "  extfarm bundle verify vector.tar --sha256 867a2c...27b0",
                "  curl -so keys.json $REGISTRY/api/v1/keys && extfarm bundle verify bundle.tar --signature bundle.tar.sig --keys keys.json"})
public final class VerifyCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE")
    Path file;

    @Option(names = "--sha256", description = "also require these bytes to have this sha-256")
    String sha256;

    @Option(names = "--signature", paramLabel = "SIG", description = "the bundle.tar.sig (JWS) to check, offline")
    Path signature;

    @Option(names = "--keys", paramLabel = "JWKS", description = "trusted public keys, as GET /api/v1/keys serves them")
    Path keys;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(file)) {
            throw new UsageException(file + ": no such file");
        }
        VerifiedBundle v;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            v = BundleReader.withDefaults().verify(in, sha256);
        }
        var m = v.manifest();
        if ((signature == null) != (keys == null)) {
            throw new UsageException("--signature and --keys go together");
        }
        String signedBy = null;
        if (signature != null) {
            if (!Files.isRegularFile(signature) || !Files.isRegularFile(keys)) {
                throw new UsageException("no such file: " + (Files.isRegularFile(signature) ? keys : signature));
            }
            var statement = new BundleSignature.Statement(v.sha256(), m.name(), m.version(), m.pgMajor(), m.platform().id());
            try {
                signedBy = BundleSignature.verify(Files.readAllBytes(signature), KeySet.read(keys), statement);
            } catch (BundleSignature.RefusedException e) {
                spec.commandLine().getErr().println("rejected: signature-" + e.reason() + ": " + file + ": " + e.getMessage());
                return 1;
            }
        }
        spec.commandLine().getOut().printf("%s%n  %s %s for PostgreSQL %d on %s, %d files, %d bytes, extensions %s%n",
                v.address().path(), m.name(), m.version(), m.pgMajor(), m.platform().id(), m.files().size(), v.size(),
                String.join(", ", m.extensions()));
        if (signedBy != null) {
            spec.commandLine().getOut().println("  signature valid, key " + signedBy);
        }
        return 0;
    }
}
