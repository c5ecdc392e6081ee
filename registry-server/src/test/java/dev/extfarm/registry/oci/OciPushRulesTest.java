package dev.extfarm.registry.oci;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.extfarm.bundle.BundleAddress;
import dev.extfarm.bundle.Digests;
import dev.extfarm.bundle.oci.BundleImage;
import dev.extfarm.registry.blob.BlobKey;
import dev.extfarm.registry.oci.BlobIndex.BlobRef;
import dev.extfarm.registry.support.Api;
import dev.extfarm.registry.support.Bundles;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.response.ValidatableResponse;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Pushes follow the bundle rules (issue 21, item 5), tried as an attacker would with a worker
 * token, a maintainer token and no token: only the image of an accepted bundle of the repository's
 * name is stored, under its own platform tag or by digest; tags once set do not move by a push; no
 * repository outside the catalog; a mount never makes bytes readable by someone who could not read
 * them before; blob reads follow the blob's owning bundle; only admins delete.
 */
@QuarkusTest
class OciPushRulesTest {

    static final String AMD64 = "debian-12-amd64-glibc";

    @Inject
    OciMaintenance maintenance;
    @Inject
    BlobIndex index;
    @Inject
    EntityManager em;

    /** A bundle uploaded by a worker, whose image (and signature) the backfill created. */
    BundleImagesTest.Packed published(String name, String version, String platform, int seed) throws Exception {
        BundleImagesTest.Packed p = BundleImagesTest.pack(name, version, platform, seed);
        BundleImagesTest.upload(p);
        maintenance.backfill();
        return p;
    }

    BundleImagesTest.Packed published(String prefix, int seed) throws Exception {
        return published(Bundles.uniqueName(prefix), "1.0", AMD64, seed);
    }

    BundleImagesTest.Packed publishedPrivate(String prefix, int seed) throws Exception {
        String name = Bundles.uniqueName(prefix);
        Api.makePrivate(name);
        return published(name, "1.0", AMD64, seed);
    }

    static ValidatableResponse refused(Response r, int status, String code) {
        return r.then().statusCode(status).contentType("application/json").body("errors[0].code", equalTo(code))
                .body("errors[0].message", org.hamcrest.Matchers.not(org.hamcrest.Matchers.emptyOrNullString()));
    }

    static ValidatableResponse denied(Response r) {
        return refused(r, 403, "DENIED");
    }

    static Response put(String token, String repo, String reference, String mediaType, byte[] body) {
        return Oci.as(token).contentType(mediaType).body(body).put("/v2/" + repo + "/manifests/" + reference);
    }

    static String pushBlob(String token, String repo, byte[] bytes) {
        String d = Oci.sha256(bytes);
        Oci.as(token).contentType("application/octet-stream").body(bytes).queryParam("digest", d)
                .post("/v2/" + repo + "/blobs/uploads/").then().statusCode(201);
        return d;
    }

    static String digestOf(String repo, String reference) {
        return Oci.admin().head("/v2/" + repo + "/manifests/" + reference).then().statusCode(200).extract()
                .header("Docker-Content-Digest");
    }

    static List<String> tags(String repo) {
        return Oci.admin().get("/v2/" + repo + "/tags/list").then().statusCode(200).extract().path("tags");
    }

    static void absent(String repo, byte[] manifest) {
        refused(Oci.admin().get("/v2/" + repo + "/manifests/" + Oci.sha256(manifest)), 404, "MANIFEST_UNKNOWN");
    }

    static ObjectNode json(byte[] bytes) throws Exception {
        return (ObjectNode) Oci.JSON.readTree(bytes);
    }

    @Test
    void aWorkerCannotMoveAnotherExtensionsManagedTags() throws Exception {
        BundleImagesTest.Packed p = published("victim", 201);
        BundleImage img = p.image();
        String repo = img.repository();
        String platformTag = img.platformTag().orElseThrow();
        String moving = img.movingTag();
        String movingDigest = digestOf(repo, moving);
        List<String> before = tags(repo);
        String worker = Api.token("worker", null);

        // an arbitrary unsigned image, its blobs uploaded into the victim's repository first
        byte[] config = Oci.config("evil");
        byte[] layer = Oci.random(500, 201);
        pushBlob(worker, repo, config);
        pushBlob(worker, repo, layer);
        byte[] evil = Oci.bytes(Oci.manifest(config, layer));
        for (String tag : List.of(platformTag, moving, "latest")) {
            denied(put(worker, repo, tag, Oci.MANIFEST, evil));
        }
        absent(repo, evil);

        // a genuine image of another bundle of the same name is not this tag's either
        BundleImagesTest.Packed arm = BundleImagesTest.pack(p.name(), "1.0", "debian-12-arm64-glibc", 202);
        BundleImagesTest.upload(arm);
        pushBlob(worker, repo, arm.image().config());
        for (String tag : List.of(platformTag, moving, "latest")) {
            denied(put(worker, repo, tag, Oci.MANIFEST, arm.image().manifest())).body("errors[0].message", containsString(tag));
        }
        // a managed tag is not moved to the genuine image either, under any tag: only the one it names
        denied(put(worker, repo, "latest", Oci.MANIFEST, img.manifest()));
        denied(put(worker, repo, moving, Oci.MANIFEST, img.manifest()));

        // the same image again under its own tag is idempotent
        put(worker, repo, platformTag, Oci.MANIFEST, img.manifest()).then().statusCode(201)
                .header("Docker-Content-Digest", img.manifestDigest());

        assertThat(digestOf(repo, platformTag)).isEqualTo(img.manifestDigest());
        assertThat(digestOf(repo, moving)).isEqualTo(movingDigest);
        refused(Oci.anonymous().get("/v2/" + repo + "/manifests/latest"), 404, "MANIFEST_UNKNOWN");
        assertThat(tags(repo)).containsExactlyInAnyOrderElementsOf(before);
    }

    @Test
    void onlyTheImageOfAnAcceptedBundleOfTheRepositorysNameIsStored() throws Exception {
        BundleImagesTest.Packed p = published("shape", 203);
        BundleImage img = p.image();
        String repo = img.repository();
        String worker = Api.token("worker", null);
        List<String> before = tags(repo);
        String admin = Api.ADMIN;

        byte[] config = Oci.config("shape");
        byte[] extra = Oci.random(300, 203);
        pushBlob(worker, repo, config);
        pushBlob(worker, repo, extra);

        // 1. an arbitrary image, pushed by digest without a tag
        byte[] arbitrary = Oci.bytes(Oci.manifest(config, extra));
        // 2. the genuine image with an extra layer
        ObjectNode extraLayer = json(img.manifest());
        ((ArrayNode) extraLayer.get("layers")).add(Oci.descriptor(BundleImage.LAYER_MEDIA_TYPE, extra));
        // 3. a foreign (non-distributable) layer that clients fetch from elsewhere, and a layer with URLs
        ObjectNode foreign = json(img.manifest());
        ObjectNode foreignLayer = Oci.descriptor("application/vnd.oci.image.layer.nondistributable.v1.tar+gzip", extra);
        foreignLayer.putArray("urls").add("http://127.0.0.1:9/evil.tar.gz");
        ((ArrayNode) foreign.get("layers")).set(0, foreignLayer);
        ObjectNode withUrls = json(img.manifest());
        ((ObjectNode) withUrls.get("layers").get(0)).putArray("urls").add("http://127.0.0.1:9/evil.tar");
        // 4. other annotations
        ObjectNode annotated = json(img.manifest());
        ((ObjectNode) annotated.get("annotations")).put("org.opencontainers.image.description", "trust me");
        // 5. the genuine layer with another config (labels changed)
        ObjectNode otherConfig = json(img.config());
        ((ObjectNode) otherConfig.get("config").get("Labels")).put("dev.extfarm.bundle.version", "9.9");
        byte[] otherConfigBytes = Oci.bytes(otherConfig);
        pushBlob(worker, repo, otherConfigBytes);
        ObjectNode relabelled = json(img.manifest());
        relabelled.set("config", Oci.descriptor(BundleImage.CONFIG_MEDIA_TYPE, otherConfigBytes));
        // 6. the same image as a Docker schema 2 manifest
        ObjectNode docker = json(img.manifest());
        docker.put("mediaType", "application/vnd.docker.distribution.manifest.v2+json");
        // 7. an image index of the genuine image
        ObjectNode indexNode = Oci.JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", Oci.INDEX);
        indexNode.putArray("manifests").add(Oci.descriptor(Oci.MANIFEST, img.manifest()));
        byte[] index = Oci.bytes(indexNode);

        for (String token : List.of(worker, admin)) {
            for (byte[] m : List.of(arbitrary, Oci.bytes(extraLayer), Oci.bytes(foreign), Oci.bytes(withUrls), Oci.bytes(annotated),
                    Oci.bytes(relabelled))) {
                denied(put(token, repo, Oci.sha256(m), Oci.MANIFEST, m));
                absent(repo, m);
            }
            denied(put(token, repo, Oci.sha256(Oci.bytes(docker)), "application/vnd.docker.distribution.manifest.v2+json",
                    Oci.bytes(docker)));
            absent(repo, Oci.bytes(docker));
            for (String ref : List.of(Oci.sha256(index), "latest", img.movingTag(), img.platformTag().orElseThrow())) {
                denied(put(token, repo, ref, Oci.INDEX, index));
            }
            absent(repo, index);
            // the genuine image under a sha512 digest would be a second copy the registry does not know
            String sha512 = "sha512:" + Digests.hex(MessageDigest.getInstance("SHA-512").digest(img.manifest()));
            denied(put(token, repo, sha512, Oci.MANIFEST, img.manifest()));
        }
        assertThat(tags(repo)).containsExactlyInAnyOrderElementsOf(before);
        // the genuine image by digest is fine (it is there already)
        put(worker, repo, img.manifestDigest(), Oci.MANIFEST, img.manifest()).then().statusCode(201);
    }

    @Test
    void aLayerThatIsAValidBundleOfAnotherNameIsRefused() throws Exception {
        BundleImagesTest.Packed victim = published("host", 204);
        BundleImagesTest.Packed other = published("guest", 205);
        String repo = victim.image().repository();
        String worker = Api.token("worker", null);
        // the worker has the other bundle's bytes and its image's config: it uploads both into the victim's repository
        pushBlob(worker, repo, other.bytes());
        pushBlob(worker, repo, other.image().config());
        byte[] m = other.image().manifest();
        for (String ref : List.of(Oci.sha256(m), other.image().platformTag().orElseThrow(), "latest")) {
            denied(put(worker, repo, ref, Oci.MANIFEST, m)).body("errors[0].message", containsString(victim.name()));
        }
        absent(repo, m);
    }

    @Test
    void aRebuildMovesThePlatformTagOnlyByTheRegistrysOwnRule() throws Exception {
        String name = Bundles.uniqueName("rebuild");
        BundleImagesTest.Packed older = published(name, "1.0", AMD64, 206);
        String repo = older.image().repository();
        String tag = older.image().platformTag().orElseThrow();
        assertThat(digestOf(repo, tag)).isEqualTo(older.image().manifestDigest());
        BundleImagesTest.Packed newer = BundleImagesTest.pack(name, "1.0", AMD64, 207);
        BundleImagesTest.upload(newer);
        String worker = Api.token("worker", null);
        pushBlob(worker, repo, newer.image().config());
        // a push never moves a tag that is set ...
        denied(put(worker, repo, tag, Oci.MANIFEST, newer.image().manifest()))
                .body("errors[0].message", containsString(older.image().manifestDigest()));
        assertThat(digestOf(repo, tag)).isEqualTo(older.image().manifestDigest());
        // ... the registry does, to the newest accepted build of that platform, once its image is pushed by digest
        put(worker, repo, newer.image().manifestDigest(), Oci.MANIFEST, newer.image().manifest()).then().statusCode(201);
        assertThat(digestOf(repo, tag)).isEqualTo(newer.image().manifestDigest());
        // an older build pushed again does not take it back
        put(worker, repo, older.image().manifestDigest(), Oci.MANIFEST, older.image().manifest()).then().statusCode(201);
        assertThat(digestOf(repo, tag)).isEqualTo(newer.image().manifestDigest());
    }

    @Test
    void noRepositoryOutsideTheCatalog() throws Exception {
        BundleImagesTest.Packed pub = published("catpub", 208);
        String junk = "extensions/" + Bundles.uniqueName("junk");
        byte[] blob = Oci.random(100, 208);
        for (String token : List.of(Api.token("worker", null), Api.ADMIN)) {
            refused(Oci.as(token).post("/v2/" + junk + "/blobs/uploads/"), 404, "NAME_UNKNOWN");
            refused(Oci.as(token).contentType("application/octet-stream").body(blob).queryParam("digest", Oci.sha256(blob))
                    .post("/v2/" + junk + "/blobs/uploads/"), 404, "NAME_UNKNOWN");
            refused(Oci.as(token).queryParam("mount", "sha256:" + pub.sha256()).queryParam("from", pub.image().repository())
                    .post("/v2/" + junk + "/blobs/uploads/"), 404, "NAME_UNKNOWN");
            refused(put(token, junk, "v1", Oci.MANIFEST, pub.image().manifest()), 404, "NAME_UNKNOWN");
            refused(Oci.as(token).get("/v2/" + junk + "/blobs/sha256:" + pub.sha256()), 404, "NAME_UNKNOWN");
        }
        // a repository row left by an earlier push (before these rules) is not listed nor served
        String legacy = "extensions/" + Bundles.uniqueName("legacy");
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery(
                "INSERT INTO oci_repository (name, extension_name) VALUES (:r, :e)").setParameter("r", legacy)
                .setParameter("e", legacy.substring("extensions/".length())).executeUpdate());
        refused(Oci.admin().get("/v2/" + legacy + "/tags/list"), 404, "NAME_UNKNOWN");
        for (var as : List.of(Oci.anonymous(), Oci.admin(), Oci.as(Api.token("worker", null)))) {
            assertThat(OciAccessTest.catalog(as)).doesNotContain(junk, legacy).contains(pub.image().repository());
        }
    }

    @Test
    void aPrivateLayerIsNeverMountedWhereOthersCouldReadIt() throws Exception {
        BundleImagesTest.Packed pub = published("mntpub", 209);
        BundleImagesTest.Packed priv = publishedPrivate("mntpriv", 210);
        String pubRepo = pub.image().repository();
        String privRepo = priv.image().repository();
        String worker = Api.token("worker", null);
        for (String digest : List.of("sha256:" + priv.sha256(), priv.image().configDigest())) {
            // private → public: the spec's fallback, an upload session (never a 201 mount)
            Oci.as(worker).queryParam("mount", digest).queryParam("from", privRepo).post("/v2/" + pubRepo + "/blobs/uploads/")
                    .then().statusCode(202).header("Location", startsWith("/v2/" + pubRepo + "/blobs/uploads/"));
            refused(Oci.anonymous().get("/v2/" + pubRepo + "/blobs/" + digest), 404, "BLOB_UNKNOWN");
            Oci.as(worker).head("/v2/" + pubRepo + "/blobs/" + digest).then().statusCode(404);
        }
        // private → private with other readers (a tenant the source is not granted to): a session too
        BundleImagesTest.Packed granted = publishedPrivate("mntgrant", 211);
        Api.grant(Api.tenant("mnt"), granted.name());
        Oci.as(worker).queryParam("mount", "sha256:" + priv.sha256()).queryParam("from", privRepo)
                .post("/v2/" + granted.image().repository() + "/blobs/uploads/").then().statusCode(202);
        // private → private with the same readers, and public → anything: mounted
        BundleImagesTest.Packed twin = publishedPrivate("mnttwin", 212);
        Oci.as(worker).queryParam("mount", "sha256:" + priv.sha256()).queryParam("from", privRepo)
                .post("/v2/" + twin.image().repository() + "/blobs/uploads/").then().statusCode(201);
        Oci.as(worker).queryParam("mount", pub.image().configDigest()).queryParam("from", pubRepo)
                .post("/v2/" + privRepo + "/blobs/uploads/").then().statusCode(201);
        BundleImagesTest.Packed pub2 = published("mntpub", 213);
        Oci.as(worker).queryParam("mount", "sha256:" + pub.sha256()).queryParam("from", pubRepo)
                .post("/v2/" + pub2.image().repository() + "/blobs/uploads/").then().statusCode(201);
        assertThat(Oci.anonymous().get("/v2/" + pub2.image().repository() + "/blobs/sha256:" + pub.sha256()).then()
                .statusCode(200).extract().asByteArray()).isEqualTo(pub.bytes());
    }

    @Test
    void blobReadsFollowTheVisibilityOfTheBlobsOwningBundle() throws Exception {
        BundleImagesTest.Packed pub = published("ownpub", 214);
        BundleImagesTest.Packed priv = publishedPrivate("ownpriv", 215);
        String pubRepo = pub.image().repository();
        // what a mount left behind before these rules: the private layer linked into the public repository
        index.link(pubRepo, new BlobRef(Digest.parse("sha256:" + priv.sha256()), priv.bytes().length,
                BlobKey.bundle(new BundleAddress(priv.name(), priv.sha256()))));
        String path = "/v2/" + pubRepo + "/blobs/sha256:" + priv.sha256();
        refused(Oci.anonymous().get(path), 404, "BLOB_UNKNOWN");
        Oci.anonymous().head(path).then().statusCode(404);
        refused(Oci.basic(Api.token("compute", Api.tenant("own"))).get(path), 404, "BLOB_UNKNOWN");
        refused(Oci.basic(Api.token("maintainer", null)).get(path), 404, "BLOB_UNKNOWN");
        assertThat(Oci.admin().get(path).then().statusCode(200).extract().asByteArray()).isEqualTo(priv.bytes());

        // bytes a worker uploads (monolithic or chunked) that no manifest uses are not served to readers
        String worker = Api.token("worker", null);
        byte[] payload = Oci.random(2000, 214);
        String d = pushBlob(worker, pubRepo, payload);
        refused(Oci.anonymous().get("/v2/" + pubRepo + "/blobs/" + d), 404, "BLOB_UNKNOWN");
        Oci.as(worker).head("/v2/" + pubRepo + "/blobs/" + d).then().statusCode(200);
        byte[] chunked = Oci.random(3000, 215);
        String loc = Oci.as(worker).post("/v2/" + pubRepo + "/blobs/uploads/").then().statusCode(202).extract().header("Location");
        loc = Oci.as(worker).contentType("application/octet-stream").header("Content-Range", "0-1499")
                .body(Arrays.copyOfRange(chunked, 0, 1500)).patch(loc).then().statusCode(202).extract().header("Location");
        Oci.as(worker).contentType("application/octet-stream").queryParam("digest", Oci.sha256(chunked))
                .body(Arrays.copyOfRange(chunked, 1500, 3000)).put(loc).then().statusCode(201);
        refused(Oci.anonymous().get("/v2/" + pubRepo + "/blobs/" + Oci.sha256(chunked)), 404, "BLOB_UNKNOWN");

        // the image's own blobs are served as before
        assertThat(Oci.anonymous().get("/v2/" + pubRepo + "/blobs/sha256:" + pub.sha256()).then().statusCode(200).extract()
                .asByteArray()).isEqualTo(pub.bytes());
        assertThat(Oci.anonymous().get("/v2/" + pubRepo + "/blobs/" + pub.image().configDigest()).then().statusCode(200)
                .extract().asByteArray()).isEqualTo(pub.image().config());
    }

    @Test
    void anUploadSessionBelongsToItsRepositoryAndItsToken() throws Exception {
        BundleImagesTest.Packed a = published("sessa", 216);
        BundleImagesTest.Packed b = published("sessb", 217);
        String worker = Api.token("worker", null);
        String other = Api.token("worker", null);
        String loc = Oci.as(worker).post("/v2/" + a.image().repository() + "/blobs/uploads/").then().statusCode(202)
                .extract().header("Location");
        String id = loc.substring(loc.lastIndexOf('/') + 1);
        String foreign = "/v2/" + b.image().repository() + "/blobs/uploads/" + id;
        refused(Oci.as(worker).contentType("application/octet-stream").body(new byte[10]).patch(foreign), 404, "BLOB_UPLOAD_UNKNOWN");
        refused(Oci.as(other).contentType("application/octet-stream").body(new byte[10]).patch(loc), 404, "BLOB_UPLOAD_UNKNOWN");
        refused(Oci.as(other).get(loc), 404, "BLOB_UPLOAD_UNKNOWN");
        refused(Oci.as(other).delete(loc), 404, "BLOB_UPLOAD_UNKNOWN");
        Oci.as(worker).contentType("application/octet-stream").body(new byte[10]).patch(loc).then().statusCode(202).header("Range", "0-9");
    }

    @Test
    void onlyAdminsDeleteAndARefusedDeleteChangesNothing() throws Exception {
        BundleImagesTest.Packed p = published("del", 218);
        BundleImage img = p.image();
        String repo = img.repository();
        String maintainer = Api.token("maintainer", null);
        Api.as(Api.ADMIN).put("/api/v1/admin/extensions/" + p.name() + "/owners/" + Api.tokenId(maintainer)).then().statusCode(200);
        List<String> paths = List.of("/manifests/" + img.platformTag().orElseThrow(), "/manifests/" + img.movingTag(),
                "/manifests/" + img.manifestDigest(), "/blobs/sha256:" + p.sha256(), "/blobs/" + img.configDigest());
        for (String path : paths) {
            denied(Oci.as(Api.token("worker", null)).delete("/v2/" + repo + path));
            denied(Oci.basic(maintainer).delete("/v2/" + repo + path));
            refused(Oci.anonymous().delete("/v2/" + repo + path), 401, "UNAUTHORIZED");
        }
        for (String path : paths) {
            Oci.anonymous().head("/v2/" + repo + path).then().statusCode(200);
        }
    }

    @Test
    void theFarmsSignatureArtifactMayBePushedAgainButNoOtherReferrer() throws Exception {
        BundleImagesTest.Packed p = published("sig", 219);
        BundleImage img = p.image();
        String repo = img.repository();
        String referrers = "/v2/" + repo + "/referrers/" + img.manifestDigest();
        List<String> listed = Oci.anonymous().get(referrers).then().statusCode(200).extract().path("manifests.digest");
        assertThat(listed).hasSize(1);
        byte[] artifact = Oci.anonymous().get("/v2/" + repo + "/manifests/" + listed.get(0)).then().statusCode(200)
                .extract().asByteArray();
        String worker = Api.token("worker", null);
        put(worker, repo, listed.get(0), Oci.MANIFEST, artifact).then().statusCode(201).header("OCI-Subject", img.manifestDigest());
        denied(put(worker, repo, "sig", Oci.MANIFEST, artifact));

        // a forged signature: same shape, another JWS
        byte[] forgedJws = "eyJhbGciOiJFZERTQSJ9.e30.AAAA".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        pushBlob(worker, repo, forgedJws);
        ObjectNode forged = json(artifact);
        forged.set("layers", Oci.JSON.createArrayNode().add(Oci.descriptor(SignatureArtifacts.ARTIFACT_TYPE, forgedJws)));
        denied(put(worker, repo, Oci.sha256(Oci.bytes(forged)), Oci.MANIFEST, Oci.bytes(forged)));
        // the farm's artifact pointed at another subject
        ObjectNode elsewhere = json(artifact);
        elsewhere.set("subject", Oci.descriptor(Oci.MANIFEST, "{\"schemaVersion\":2}".getBytes()));
        denied(put(worker, repo, Oci.sha256(Oci.bytes(elsewhere)), Oci.MANIFEST, Oci.bytes(elsewhere)));
        // any other referrer of the image
        byte[] empty = "{}".getBytes();
        pushBlob(worker, repo, empty);
        ObjectNode note = Oci.JSON.createObjectNode().put("schemaVersion", 2).put("mediaType", Oci.MANIFEST)
                .put("artifactType", "application/vnd.example.note");
        note.set("config", Oci.descriptor("application/vnd.oci.empty.v1+json", empty));
        note.putArray("layers").add(Oci.descriptor("application/vnd.oci.empty.v1+json", empty));
        note.set("subject", Oci.descriptor(Oci.MANIFEST, img.manifest()));
        denied(put(worker, repo, Oci.sha256(Oci.bytes(note)), Oci.MANIFEST, Oci.bytes(note)));

        assertThat(Oci.anonymous().get(referrers).then().statusCode(200).extract().<List<String>>path("manifests.digest"))
                .containsExactlyElementsOf(listed);
    }
}
