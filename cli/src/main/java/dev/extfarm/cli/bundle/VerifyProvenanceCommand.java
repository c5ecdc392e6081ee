package dev.extfarm.cli.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.extfarm.bundle.Digests;
import dev.extfarm.bundle.sign.BundleSignature;
import dev.extfarm.bundle.sign.Dsse;
import dev.extfarm.bundle.sign.KeySet;
import dev.extfarm.cli.exit.UsageException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "verify-provenance", mixinStandardHelpOptions = true,
        description = {"Check a build's provenance offline: the DSSE envelope from GET /api/v1/builds/{id}/provenance must be "
                + "signed by a key of the JWK Set, and (with --bundle) its subject must be that bundle's sha-256. "
                + "Prints the in-toto statement. Exit 0 valid, 1 refused, 2 usage."},
        footer = {"", "Example:", "  curl -so prov.json $REGISTRY/api/v1/builds/42/provenance && curl -so keys.json $REGISTRY/api/v1/keys",
                "  extfarm bundle verify-provenance prov.json --keys keys.json --bundle bundle.tar"})
public final class VerifyProvenanceCommand implements Callable<Integer> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "the DSSE envelope")
    Path file;

    @Option(names = "--keys", required = true, paramLabel = "JWKS", description = "trusted public keys, as GET /api/v1/keys serves them")
    Path keys;

    @Option(names = "--bundle", paramLabel = "TAR", description = "the bundle the statement must be about")
    Path bundle;

    @Override
    public Integer call() throws Exception {
        for (Path p : bundle == null ? new Path[]{file, keys} : new Path[]{file, keys, bundle}) {
            if (!Files.isRegularFile(p)) {
                throw new UsageException("no such file: " + p);
            }
        }
        Dsse.Verified v;
        JsonNode statement;
        try {
            v = Dsse.verify(Files.readAllBytes(file), KeySet.read(keys));
            if (!Dsse.IN_TOTO_PAYLOAD_TYPE.equals(v.payloadType())) {
                throw new BundleSignature.RefusedException("malformed", v.kid(), "the payload is " + v.payloadType()
                        + ", not an in-toto statement");
            }
            statement = JSON.readTree(v.payload());
        } catch (BundleSignature.RefusedException e) {
            spec.commandLine().getErr().println("rejected: signature-" + e.reason() + ": " + file + ": " + e.getMessage());
            return 1;
        }
        if (bundle != null) {
            String sha;
            try (InputStream in = Files.newInputStream(bundle)) {
                sha = Digests.sha256(in);
            }
            boolean about = false;
            for (JsonNode s : statement.path("subject")) {
                about |= sha.equals(s.path("digest").path("sha256").asText());
            }
            if (!about) {
                spec.commandLine().getErr().println("rejected: subject-mismatch: " + file + " is not about " + bundle + " (sha-256 " + sha + ")");
                return 1;
            }
        }
        spec.commandLine().getOut().println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(statement));
        spec.commandLine().getErr().println("provenance valid, key " + v.kid());
        return 0;
    }
}
