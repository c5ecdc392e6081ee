package dev.extfarm.registry.changes;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.extfarm.bundle.BundleManifest;
import dev.extfarm.bundle.BundleWriter;
import dev.extfarm.bundle.Platform;
import dev.extfarm.registry.builds.Farm;
import dev.extfarm.registry.builds.TestWorker;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Successive builds of one extension, published the way the farm publishes them: a maintainer
 * pushes a recipe version, a worker claims the build, uploads a bundle (fenced by the job) through
 * the real upload API and reports success. Each bundle is packed by the bundle library from a tree
 * the test describes (files, bundled libraries with the Debian package and version the SBOM names,
 * system libraries), with an SBOM of the worker's shape.
 */
public final class ChangesSeed {

    static final ObjectMapper JSON = new ObjectMapper();

    /** One bundled library as the worker's libs.tsv gives it. */
    public record Bundled(String soname, String debianPackage, String debianVersion, String bytes) {
    }

    /** What a build of {@code version} installs; {@code sbom}, when not null, replaces the SBOM of the worker's shape. */
    public record Tree(String version, Map<String, String> files, List<Bundled> bundled, List<String> systemLibraries, String sbom) {
        public Tree(String version, Map<String, String> files, List<Bundled> bundled, List<String> systemLibraries) {
            this(version, files, bundled, systemLibraries, null);
        }
    }

    /** A published build: its id, its bundle's sha-256 and size, and the files as written. */
    public record Published(long buildId, String sha256, long size, Map<String, byte[]> files) {
    }

    final String maintainer;
    final TestWorker worker;
    final String name;

    public ChangesSeed(String maintainer, TestWorker worker, String name) {
        this.maintainer = maintainer;
        this.worker = worker;
        this.name = name;
    }

    /** Pushes the recipe at {@code tree.version()} for PostgreSQL 15 and publishes the build's bundle. */
    public Published build(Tree tree) throws Exception {
        long id = Farm.push(maintainer, Farm.transport(Farm.recipeYaml(name, tree.version(), List.of(15), "v" + tree.version())))
                .then().statusCode(201).extract().jsonPath().getLong("scheduled[0].build_id");
        TestWorker.Job job = worker.claim(1, List.of(15)).stream().filter(j -> j.id() == id).findFirst()
                .orElseThrow(() -> new AssertionError("build " + id + " was not claimed"));
        Map<String, byte[]> files = new LinkedHashMap<>();
        TestWorker.Packed packed = pack(job, tree, files);
        TestWorker.Reply up = worker.upload(job, packed);
        if (up.status() != 201) {
            throw new AssertionError("upload failed: " + up);
        }
        ObjectNode result = worker.result("succeeded");
        result.putObject("bundle").put("name", name).put("sha256", packed.sha256());
        TestWorker.expect(worker.complete(job, result), 200);
        return new Published(id, packed.sha256(), packed.bytes().length, files);
    }

    /** A build that fails: it publishes nothing. */
    long failedBuild(String version) {
        long id = Farm.push(maintainer, Farm.transport(Farm.recipeYaml(name, version, List.of(15), "v" + version)))
                .then().statusCode(201).extract().jsonPath().getLong("scheduled[0].build_id");
        TestWorker.Job job = worker.claim(1, List.of(15)).stream().filter(j -> j.id() == id).findFirst().orElseThrow();
        TestWorker.expect(worker.fail(job, "build", "compile-error", "upstream", 2, "error: oops"), 200);
        return id;
    }

    private TestWorker.Packed pack(TestWorker.Job job, Tree t, Map<String, byte[]> written) throws Exception {
        Path tree = Files.createTempDirectory("changes-tree");
        Map<String, String> all = new LinkedHashMap<>(t.files());
        for (Bundled b : t.bundled()) {
            all.put("lib/" + b.soname(), b.bytes());
        }
        all.put("sbom.spdx.json", t.sbom() != null ? t.sbom() : sbom(t));
        for (var f : all.entrySet()) {
            Path p = tree.resolve(f.getKey());
            Files.createDirectories(p.getParent());
            byte[] bytes = f.getValue().getBytes(StandardCharsets.UTF_8);
            Files.write(p, bytes);
            written.put(f.getKey(), bytes);
        }
        BundleManifest m = BundleManifest.builder().name(name).version(t.version()).pgMajor(15)
                .platform(Platform.parse(job.platform())).defaultVersion(t.version()).extensions(List.of(name))
                .libraries(List.of(name)).bundledLibraries(t.bundled().stream().map(Bundled::soname).sorted().toList())
                .systemLibraries(t.systemLibraries()).license("PostgreSQL").sbom("sbom.spdx.json")
                .build(new BundleManifest.BuildInputs(job.recipeRevision(), job.sourceSha256(), job.builderImage(), 1_700_000_000L))
                .build();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BundleWriter.Packed p = BundleWriter.pack(tree, m, 1_700_000_000L, out);
        return new TestWorker.Packed(name, p.sha256(), out.toByteArray());
    }

    /** An SBOM of the worker's shape (builder-worker SpdxSbom): one package per bundled library. */
    private String sbom(Tree t) throws Exception {
        ObjectNode doc = JSON.createObjectNode().put("spdxVersion", "SPDX-2.3").put("SPDXID", "SPDXRef-DOCUMENT");
        ArrayNode packages = doc.putArray("packages");
        packages.addObject().put("SPDXID", "SPDXRef-Package-extension").put("name", name).put("versionInfo", t.version())
                .put("comment", "built for PostgreSQL 15");
        List<String> ids = new ArrayList<>();
        int i = 0;
        for (Bundled b : t.bundled()) {
            String id = "SPDXRef-Package-lib-" + (++i);
            ids.add(id);
            packages.addObject().put("SPDXID", id).put("name", b.debianPackage() == null ? b.soname() : b.debianPackage())
                    .put("versionInfo", b.debianVersion() == null ? "NOASSERTION" : b.debianVersion())
                    .put("comment", "bundled as lib/" + b.soname() + " (needed by lib/" + name + ".so)");
        }
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(doc) + "\n";
    }
}
