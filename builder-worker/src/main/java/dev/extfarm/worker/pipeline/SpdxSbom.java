package dev.extfarm.worker.pipeline;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * The bundle's SPDX 2.3 SBOM: the extension (with its source checksum), every bundled shared
 * library with the Debian package and version it was copied from, and the builder image digest.
 * Deterministic: the creation time is SOURCE_DATE_EPOCH and the namespace is derived from the
 * build inputs, so the SBOM does not change the bundle's reproducibility.
 */
final class SpdxSbom {

    static final String FILE = "sbom.spdx.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private SpdxSbom() {
    }

    static void write(Path tree, BuildJob job, BuildImages images, List<TreeCollector.BundledLibrary> libraries) throws IOException {
        ObjectNode doc = JSON.createObjectNode();
        doc.put("spdxVersion", "SPDX-2.3").put("dataLicense", "CC0-1.0").put("SPDXID", "SPDXRef-DOCUMENT")
                .put("name", job.name() + "-" + job.version() + "-pg" + job.pgMajor() + "-" + images.platform())
                .put("documentNamespace", "https://extfarm.dev/spdx/" + job.name() + "/" + job.version() + "/pg" + job.pgMajor()
                        + "/" + images.platform() + "/" + job.recipeRevision());
        ObjectNode creation = doc.putObject("creationInfo");
        creation.put("created", Instant.ofEpochSecond(job.sourceDateEpoch()).toString());
        creation.putArray("creators").add("Tool: extfarm-builder-worker").add("Organization: extfarm build farm");
        creation.put("comment", "builder image " + images.buildImage() + " (packages " + images.packagesDigest() + ")");
        doc.putArray("documentDescribes").add("SPDXRef-Package-extension");

        ArrayNode packages = doc.putArray("packages");
        ObjectNode ext = packages.addObject();
        ext.put("SPDXID", "SPDXRef-Package-extension").put("name", job.name()).put("versionInfo", job.version())
                .put("downloadLocation", "NOASSERTION").put("filesAnalyzed", false)
                .put("licenseConcluded", job.license()).put("licenseDeclared", job.license()).put("copyrightText", "NOASSERTION")
                .put("primaryPackagePurpose", "LIBRARY");
        ext.putArray("checksums").addObject().put("algorithm", "SHA256").put("checksumValue", job.sourceSha256());
        ext.put("comment", "built for PostgreSQL " + job.pgMajor() + " on " + images.platform() + " from recipe revision "
                + job.recipeRevision());
        ArrayNode relationships = doc.putArray("relationships");
        relationships.addObject().put("spdxElementId", "SPDXRef-DOCUMENT").put("relationshipType", "DESCRIBES")
                .put("relatedSpdxElement", "SPDXRef-Package-extension");
        int i = 0;
        for (TreeCollector.BundledLibrary lib : libraries) {
            String id = "SPDXRef-Package-lib-" + (++i);
            ObjectNode p = packages.addObject();
            String pkg = lib.debianPackage().isEmpty() ? lib.soname() : lib.debianPackage();
            p.put("SPDXID", id).put("name", pkg).put("versionInfo", lib.debianVersion().isEmpty() ? "NOASSERTION" : lib.debianVersion())
                    .put("downloadLocation", "NOASSERTION").put("filesAnalyzed", false)
                    .put("licenseConcluded", "NOASSERTION").put("licenseDeclared", "NOASSERTION").put("copyrightText", "NOASSERTION")
                    .put("comment", "bundled as lib/" + lib.soname() + " (needed by " + lib.neededBy() + ")");
            if (!lib.debianPackage().isEmpty()) {
                p.putArray("externalRefs").addObject().put("referenceCategory", "PACKAGE-MANAGER").put("referenceType", "purl")
                        .put("referenceLocator", "pkg:deb/debian/" + lib.debianPackage() + "@" + lib.debianVersion());
            }
            relationships.addObject().put("spdxElementId", "SPDXRef-Package-extension").put("relationshipType", "DEPENDS_ON")
                    .put("relatedSpdxElement", id);
        }
        Files.writeString(tree.resolve(FILE), JSON.writeValueAsString(doc) + "\n");
    }
}
