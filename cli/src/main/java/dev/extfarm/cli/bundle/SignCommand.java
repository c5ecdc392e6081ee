package dev.extfarm.cli.bundle;

import dev.extfarm.bundle.BundleReader;
import dev.extfarm.bundle.VerifiedBundle;
import dev.extfarm.bundle.sign.BundleSignature;
import dev.extfarm.bundle.sign.SigningKey;
import dev.extfarm.cli.exit.UsageException;
import java.io.BufferedInputStream;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "sign", mixinStandardHelpOptions = true,
        description = "Verify a bundle, then sign its sha-256, name, version, PG major and platform with an Ed25519 JWK.",
        footer = {"", "Example:", "  extfarm bundle keygen --kid farm-1 -o farm.jwk && extfarm bundle sign vector.tar --key farm.jwk -o vector.tar.sig"})
public final class SignCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE")
    Path file;

    @Option(names = "--key", required = true, paramLabel = "JWK", description = "private Ed25519 JWK (from `extfarm bundle keygen`)")
    Path key;

    @Option(names = {"-o", "--output"}, required = true)
    Path output;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(file) || !Files.isRegularFile(key)) {
            throw new UsageException("no such file: " + (Files.isRegularFile(file) ? key : file));
        }
        VerifiedBundle v;
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            v = BundleReader.withDefaults().verify(in);
        }
        var m = v.manifest();
        SigningKey k = SigningKey.read(key);
        Files.write(output, BundleSignature.sign(new BundleSignature.Statement(v.sha256(), m.name(), m.version(), m.pgMajor(),
                m.platform().id()), k));
        spec.commandLine().getOut().println("signed " + v.address().path() + " with key " + k.kid() + " -> " + output);
        return 0;
    }
}
