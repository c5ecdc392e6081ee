package dev.extfarm.registry.changes;

import static dev.extfarm.registry.builds.Farm.ADMIN;
import static dev.extfarm.registry.builds.Farm.as;
import static org.assertj.core.api.Assertions.assertThat;

import dev.extfarm.bundle.Digests;
import dev.extfarm.registry.builds.Farm;
import dev.extfarm.registry.builds.QueueJanitor;
import dev.extfarm.registry.builds.TestWorker;
import dev.extfarm.registry.changes.ChangesSeed.Bundled;
import dev.extfarm.registry.changes.ChangesSeed.Published;
import dev.extfarm.registry.changes.ChangesSeed.Tree;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.net.URL;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /api/v1/builds/{id}/changes}: two successive real bundles of one extension, published
 * through the worker protocol and the upload API, give the files added, removed and changed (with
 * size and sha-256 on each side), the size delta, the bundled libraries with the Debian versions
 * their SBOMs name, and the new system libraries; the first build has none; a build without a
 * bundle has no changes; a private extension's changes exist only for those who may read it.
 */
@QuarkusTest
public class BuildChangesTest {

    @TestHTTPResource("/")
    URL url;
    @Inject
    QueueJanitor janitor;
    @Inject
    EntityManager em;

    TestWorker worker;

    @BeforeEach
    void emptyQueue() throws Exception {
        janitor.cancelEverythingLive();
        worker = new TestWorker(url.toURI(), Farm.token("worker"), "changes-w");
    }

    public static Tree first(String name) {
        return new Tree("1.0.0", Map.of(
                "share/extension/" + name + ".control", "default_version = '1.0.0'\nmodule_pathname = '$libdir/" + name + "'\n",
                "share/extension/" + name + "--1.0.0.sql", "CREATE FUNCTION f() RETURNS int AS 'SELECT 1' LANGUAGE sql;\n",
                "lib/" + name + ".so", "module code, first build"),
                List.of(new Bundled("libfoo.so.1", "libfoo1", "1.2-1", "libfoo 1.2-1 bytes"),
                        new Bundled("libold.so.2", "libold2", "2.0-3", "libold bytes")),
                List.of("libc.so.6", "libm.so.6"));
    }

    public static Tree second(String name) {
        return new Tree("1.1.0", Map.of(
                "share/extension/" + name + ".control", "default_version = '1.1.0'\nmodule_pathname = '$libdir/" + name + "'\n",
                "share/extension/" + name + "--1.0.0.sql", "CREATE FUNCTION f() RETURNS int AS 'SELECT 1' LANGUAGE sql;\n",
                "share/extension/" + name + "--1.1.0.sql", "CREATE FUNCTION f() RETURNS int AS 'SELECT 2' LANGUAGE sql;\n",
                "share/extension/" + name + "--1.0.0--1.1.0.sql", "CREATE OR REPLACE FUNCTION f() RETURNS int AS 'SELECT 2' LANGUAGE sql;\n",
                "lib/" + name + ".so", "module code, second build, a little longer"),
                List.of(new Bundled("libfoo.so.1", "libfoo1", "1.2-2+deb12u1", "libfoo 1.2-2+deb12u1 bytes"),
                        new Bundled("libnew.so.3", "libnew3", "3.1-1", "libnew bytes")),
                List.of("libc.so.6", "libssl.so.3"));
    }

    @Test
    void twoSuccessiveBundlesGiveTheFilesLibrariesAndSystemLibrariesThatChanged() throws Exception {
        String name = Farm.unique("changes");
        ChangesSeed seed = new ChangesSeed(Farm.token("maintainer"), worker, name);
        Published one = seed.build(first(name));
        Published two = seed.build(second(name));

        JsonPath firstChanges = as(null).get("/api/v1/builds/" + one.buildId() + "/changes").then().statusCode(200).extract().jsonPath();
        assertThat(firstChanges.getBoolean("first_build")).isTrue();
        assertThat(firstChanges.getMap("previous")).isNull();
        assertThat(firstChanges.getMap("diff")).isNull();
        assertThat(firstChanges.getString("bundle.sha256")).isEqualTo(one.sha256());

        JsonPath c = as(null).get("/api/v1/builds/" + two.buildId() + "/changes").then().statusCode(200).extract().jsonPath();
        assertThat(c.getBoolean("first_build")).isFalse();
        assertThat(c.getLong("build_id")).isEqualTo(two.buildId());
        assertThat(c.getString("bundle.sha256")).isEqualTo(two.sha256());
        assertThat(c.getString("bundle.version")).isEqualTo("1.1.0");
        assertThat(c.getLong("bundle.build_id")).isEqualTo(two.buildId());
        assertThat(c.getString("previous.sha256")).isEqualTo(one.sha256());
        assertThat(c.getString("previous.version")).isEqualTo("1.0.0");
        assertThat(c.getLong("previous.build_id")).isEqualTo(one.buildId());
        assertThat(c.getLong("diff.size_delta")).isEqualTo(two.size() - one.size());
        assertThat(c.getLong("diff.files_size_delta")).isEqualTo(total(two.files()) - total(one.files()));

        String ext = "share/extension/" + name;
        assertThat(c.getList("diff.files.added.path")).containsExactly("lib/libnew.so.3", ext + "--1.0.0--1.1.0.sql", ext + "--1.1.0.sql");
        assertThat(c.getList("diff.files.removed.path")).containsExactly("lib/libold.so.2");
        assertThat(c.getList("diff.files.changed.path"))
                .containsExactly("lib/" + name + ".so", "lib/libfoo.so.1", "sbom.spdx.json", ext + ".control");
        assertThat(c.getInt("diff.files.unchanged")).isEqualTo(1);
        assertSide(c, "diff.files.added[0]", two.files().get("lib/libnew.so.3"));
        assertSide(c, "diff.files.removed[0]", one.files().get("lib/libold.so.2"));
        assertSide(c, "diff.files.changed[0].before", one.files().get("lib/" + name + ".so"));
        assertSide(c, "diff.files.changed[0].after", two.files().get("lib/" + name + ".so"));

        assertThat(c.getList("diff.libraries.added")).containsExactly(
                Map.of("soname", "libnew.so.3", "debian_package", "libnew3", "debian_version", "3.1-1"));
        assertThat(c.getList("diff.libraries.removed")).containsExactly(
                Map.of("soname", "libold.so.2", "debian_package", "libold2", "debian_version", "2.0-3"));
        assertThat(c.getString("diff.libraries.changed[0].soname")).isEqualTo("libfoo.so.1");
        assertThat(c.getString("diff.libraries.changed[0].before.debian_version")).isEqualTo("1.2-1");
        assertThat(c.getString("diff.libraries.changed[0].after.debian_version")).isEqualTo("1.2-2+deb12u1");
        assertThat(c.getList("diff.libraries.changed")).hasSize(1);
        assertThat(c.getList("diff.system_libraries.added")).containsExactly("libssl.so.3");
        assertThat(c.getList("diff.system_libraries.removed")).containsExactly("libm.so.6");

        // computed once, kept: the next view reads the kept row and answers the same
        JsonPath again = as(ADMIN).get("/api/v1/builds/" + two.buildId() + "/changes").then().statusCode(200).extract().jsonPath();
        assertThat(again.getMap("diff")).isEqualTo(c.getMap("diff"));
        assertThat(kept(two.sha256())).isEqualTo(1);
    }

    @Test
    void aRejectedBundleIsNotThePreviousOneAndABuildWithoutABundleHasNoChanges() throws Exception {
        String name = Farm.unique("changesrej");
        ChangesSeed seed = new ChangesSeed(Farm.token("maintainer"), worker, name);
        Published one = seed.build(first(name));
        Published two = seed.build(second(name));
        as(ADMIN).post("/api/v1/admin/extensions/" + name + "/versions/1.1.0/reject").then().statusCode(200);
        Tree third = new Tree("1.2.0", second(name).files(), second(name).bundled(), List.of("libc.so.6", "libm.so.6"));
        Published three = seed.build(third);

        JsonPath c = as(null).get("/api/v1/builds/" + three.buildId() + "/changes").then().statusCode(200).extract().jsonPath();
        assertThat(c.getString("previous.sha256")).as("the rejected 1.1.0 was never shipped").isEqualTo(one.sha256());
        assertThat(c.getList("diff.system_libraries.added")).isEmpty();
        assertThat(two.sha256()).isNotEqualTo(three.sha256());

        long failed = seed.failedBuild("1.3.0");
        as(null).get("/api/v1/builds/" + failed + "/changes").then().statusCode(404)
                .contentType("application/problem+json").body("type", org.hamcrest.Matchers.is("/problems/changes-not-found"));
        as(null).get("/api/v1/builds/999999999/changes").then().statusCode(404)
                .body("type", org.hamcrest.Matchers.is("/problems/build-not-found"));
    }

    /**
     * An SBOM is the bundle's own text, not the farm's word: a package for a library the manifest
     * does not bundle, a package name that is markup, a version that is not Debian's, a library
     * named twice, an SBOM that is not JSON — none of them puts a package on a library.
     */
    @Test
    void anSbomThatLiesOrIsNotJsonNamesNoPackage() throws Exception {
        String name = Farm.unique("changessbom");
        ChangesSeed seed = new ChangesSeed(Farm.token("maintainer"), worker, name);
        seed.build(first(name));
        List<Bundled> bundled = List.of(new Bundled("libfoo.so.1", null, null, "libfoo"), new Bundled("libbar.so.2", null, null, "libbar"),
                new Bundled("libbaz.so.3", null, null, "libbaz"), new Bundled("libqux.so.4", null, null, "libqux"));
        String lying = "{\"spdxVersion\": \"SPDX-2.3\", \"packages\": ["
                + "{\"name\": \"libevil9\", \"versionInfo\": \"6.6-6\", \"comment\": \"bundled as lib/libevil.so.9 (needed by x)\"},"
                + "{\"name\": \"<img src=x onerror=alert(1)>\", \"versionInfo\": \"1.0-1\", \"comment\": \"bundled as lib/libfoo.so.1 (x)\"},"
                + "{\"name\": \"libbar2\", \"versionInfo\": \"2.0 <script>\", \"comment\": \"bundled as lib/libbar.so.2 (x)\"},"
                + "{\"name\": \"libbaz3\", \"versionInfo\": \"3.0-1\", \"comment\": \"bundled as lib/libbaz.so.3 (x)\"},"
                + "{\"name\": \"libbaz3\", \"versionInfo\": \"9.9-9\", \"comment\": \"bundled as lib/libbaz.so.3 (x)\"},"
                + "{\"name\": \"libqux4\", \"versionInfo\": \"NOASSERTION\", \"comment\": \"bundled as lib/libqux.so.4 (x)\"}]}\n";
        Published lies = seed.build(new Tree("1.1.0", filesAt(name, "1.1.0"), bundled, List.of("libc.so.6"), lying));
        JsonPath c = as(null).get("/api/v1/builds/" + lies.buildId() + "/changes").then().statusCode(200).extract().jsonPath();
        assertThat(c.getList("diff.libraries.added.soname")).containsExactly("libbar.so.2", "libbaz.so.3", "libqux.so.4");
        assertThat(c.getString("diff.libraries.added[0].debian_package")).as("a package, but not a Debian version").isEqualTo("libbar2");
        assertThat(c.getString("diff.libraries.added[0].debian_version")).isNull();
        assertThat(c.getString("diff.libraries.added[1].debian_version")).as("named twice: the first counts").isEqualTo("3.0-1");
        assertThat(c.getString("diff.libraries.added[2].debian_package")).isEqualTo("libqux4");
        assertThat(c.getString("diff.libraries.added[2].debian_version")).isNull();
        assertThat(c.getString("diff.libraries.changed[0].soname")).isEqualTo("libfoo.so.1");
        assertThat(c.getString("diff.libraries.changed[0].after.debian_package")).as("markup is no package name").isNull();
        assertThat(c.getString("diff.libraries.changed[0].before.debian_package")).isEqualTo("libfoo1");
        assertThat(c.prettify()).doesNotContain("libevil").doesNotContain("<img").doesNotContain("<script>");

        Published notJson = seed.build(new Tree("1.2.0", filesAt(name, "1.2.0"), bundled, List.of("libc.so.6"), "{\"packages\": [\n"));
        JsonPath d = as(null).get("/api/v1/builds/" + notJson.buildId() + "/changes").then().statusCode(200).extract().jsonPath();
        assertThat(d.getString("previous.sha256")).isEqualTo(lies.sha256());
        assertThat(d.getList("diff.libraries.changed.soname")).as("every package is gone with the SBOM")
                .containsExactly("libbar.so.2", "libbaz.so.3", "libqux.so.4");
        assertThat(d.getList("diff.libraries.changed.after.debian_package")).containsOnlyNulls();
    }

    @Test
    void aPrivateExtensionsChangesExistOnlyForThoseWhoMayReadItsBuilds() throws Exception {
        String tenant = Farm.tenant();
        String owner = Farm.token("maintainer", tenant);
        String name = Farm.unique("changespriv");
        ChangesSeed seed = new ChangesSeed(owner, worker, name);
        seed.build(first(name));
        Published two = seed.build(second(name));
        String path = "/api/v1/builds/" + two.buildId() + "/changes";

        for (String reader : List.of(ADMIN, owner, Farm.token("compute", tenant))) {
            as(reader).get(path).then().statusCode(200).body("diff.files.removed[0].path", org.hamcrest.Matchers.is("lib/libold.so.2"));
        }
        for (String stranger : new String[] {null, Farm.token("maintainer"), Farm.token("compute", Farm.tenant()), Farm.token("worker")}) {
            as(stranger).get(path).then().statusCode(404).contentType("application/problem+json")
                    .body("type", org.hamcrest.Matchers.is("/problems/build-not-found"))
                    .body(org.hamcrest.Matchers.not(org.hamcrest.Matchers.containsString("libold")));
        }
    }

    private static Map<String, String> filesAt(String name, String version) {
        return Map.of("share/extension/" + name + ".control", "default_version = '" + version + "'\nmodule_pathname = '$libdir/" + name + "'\n",
                "share/extension/" + name + "--" + version + ".sql", "CREATE FUNCTION f() RETURNS int AS 'SELECT 1' LANGUAGE sql;\n",
                "lib/" + name + ".so", "module code " + version);
    }

    private static void assertSide(JsonPath c, String at, byte[] bytes) {
        assertThat(c.getLong(at + ".size")).as(at + ".size").isEqualTo(bytes.length);
        assertThat(c.getString(at + ".sha256")).as(at + ".sha256").isEqualTo(Digests.sha256(bytes));
    }

    private static long total(Map<String, byte[]> files) {
        return files.values().stream().mapToLong(b -> b.length).sum();
    }

    @jakarta.transaction.Transactional
    long kept(String sha) {
        return ((Number) em.createNativeQuery("SELECT count(*) FROM bundle_change WHERE sha256 = :s").setParameter("s", sha)
                .getSingleResult()).longValue();
    }
}
