package dev.extfarm.cli.bundle;

import dev.extfarm.bundle.FileTrees;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.extfarm.bundle.BundleManifest;
import dev.extfarm.bundle.BundleReader;
import dev.extfarm.bundle.VerifiedBundle;
import dev.extfarm.cli.exit.UsageException;
import java.io.BufferedInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "explain", mixinStandardHelpOptions = true,
        description = {"Verify a bundle and print where every file in it came from: the build inputs, then each file",
                "with its origin (the extension's own make install, a bundled Debian library, license, SBOM)."},
        footer = {"", "Example:", "  extfarm bundle explain pg_rrule.tar"})
public final class ExplainCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE")
    Path file;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(file)) {
            throw new UsageException(file + ": no such file");
        }
        Path tmp = Files.createTempDirectory("extfarm-explain");
        try {
            VerifiedBundle v;
            try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
                v = BundleReader.withDefaults().unpack(in, tmp.resolve("b"));
            }
            BundleManifest m = v.manifest();
            PrintWriter out = spec.commandLine().getOut();
            out.printf("%s %s for PostgreSQL %d on %s (%s)%n", m.name(), m.version(), m.pgMajor(), m.platform().id(), v.address().path());
            if (m.build() != null) {
                out.printf("  built from recipe revision %s%n  source sha-256 %s%n  builder image %s, SOURCE_DATE_EPOCH %s%n",
                        m.build().recipeRevision(), m.build().sourceSha256(), m.build().builderImage(), m.build().sourceDateEpoch());
            } else {
                out.println("  packed by hand (no build inputs recorded)");
            }
            Map<String, String> libraryOrigin = new HashMap<>();
            Path sbom = tmp.resolve("b").resolve("sbom.spdx.json");
            if (Files.exists(sbom)) {
                JsonNode doc = new ObjectMapper().readTree(sbom.toFile());
                for (JsonNode p : doc.path("packages")) {
                    String comment = p.path("comment").asText("");
                    if (comment.startsWith("bundled as lib/")) {
                        String soname = comment.substring("bundled as lib/".length()).split(" ")[0];
                        libraryOrigin.put("lib/" + soname, "Debian package " + p.path("name").asText() + " "
                                + p.path("versionInfo").asText() + comment.substring(comment.indexOf(' ', "bundled as lib/".length())));
                    }
                }
            }
            out.println();
            for (BundleManifest.FileEntry f : m.files()) {
                String origin;
                if (libraryOrigin.containsKey(f.path())) {
                    origin = libraryOrigin.get(f.path());
                } else if (f.path().startsWith("licenses/")) {
                    origin = "license file found in the source";
                } else if (f.path().equals("sbom.spdx.json")) {
                    origin = "SBOM written by the build farm";
                } else if (f.isSymlink()) {
                    origin = "link to " + f.link();
                } else {
                    origin = "installed by the extension's make install";
                }
                out.printf("  %-48s %9d  %s%n", f.path(), f.size(), origin);
            }
            out.printf("  %-48s %9s  %s%n", "manifest.json", "", "written by the packer (this listing)");
            return 0;
        } finally {
            FileTrees.deleteRecursively(tmp);
        }
    }
}
