package dev.extfarm.cli.bundle;

import dev.extfarm.bundle.sign.KeySet;
import dev.extfarm.bundle.sign.SigningKey;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "keygen", mixinStandardHelpOptions = true,
        description = "Create an Ed25519 signing key as a private JWK file (mode 0600) and print its public JWK Set.",
        footer = {"", "Example:", "  extfarm bundle keygen --kid farm-2026-11 -o /etc/extfarm/farm.jwk"})
public final class KeygenCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--kid", required = true, description = "key id, e.g. farm-2026-11")
    String kid;

    @Option(names = {"-o", "--output"}, required = true)
    Path output;

    @Override
    public Integer call() throws Exception {
        SigningKey key = SigningKey.generate(kid);
        key.write(output);
        spec.commandLine().getOut().println(new KeySet(List.of(key)).toJson().toPrettyString());
        return 0;
    }
}
