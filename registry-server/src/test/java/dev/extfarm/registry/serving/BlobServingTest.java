package dev.extfarm.registry.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.extfarm.bundle.BundleAddress;
import dev.extfarm.registry.auth.Principal;
import dev.extfarm.registry.auth.TokenService;
import dev.extfarm.registry.auth.Viewer;
import dev.extfarm.registry.blob.BlobKey;
import dev.extfarm.registry.blob.BlobStore;
import dev.extfarm.registry.links.LinkSigner;
import dev.extfarm.registry.problem.ExtfarmException;
import dev.extfarm.registry.serving.BlobServing.Access;
import dev.extfarm.registry.serving.BlobServing.SignedLink;
import dev.extfarm.registry.support.Api;
import dev.extfarm.registry.support.Bundles;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Instant;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The one decision of the three bundle-serving paths (bundle routes, edge, OCI blobs), against the
 * real database and blob store: a private bundle of tenant A, uploaded by a worker.
 */
@QuarkusTest
class BlobServingTest {

    @Inject
    BlobServing serving;
    @Inject
    TokenService tokens;
    @Inject
    LinkSigner signer;
    @Inject
    BlobStore store;

    String tenantA;
    Bundles.Bundle secret;
    Bundles.Bundle open;

    @BeforeEach
    void setUp() {
        tenantA = Api.tenant("serve-a");
        secret = Bundles.bundle(Bundles.uniqueName("servesecret"), "1.0", 17);
        open = Bundles.bundle(Bundles.uniqueName("serveopen"), "1.0", 17, 5_000);
        Api.makePrivate(secret.name());
        Api.grant(tenantA, secret.name());
        String worker = Api.token("worker", null);
        Api.upload(worker, secret, 201);
        Api.upload(worker, open, 201);
    }

    Principal principal(String token) {
        return tokens.authenticate(token).orElseThrow();
    }

    java.util.Optional<Access> get(Bundles.Bundle b, SignedLink link, Principal principal) {
        return serving.bundle(b.name(), "GET", b.path(), link, principal, Instant.now());
    }

    SignedLink link(String path, String tenant, Instant expires) {
        Map<String, String> q = Stream.of(signer.query(path, tenant, expires).split("&"))
                .collect(Collectors.toMap(p -> p.substring(0, p.indexOf('=')), p -> p.substring(p.indexOf('=') + 1)));
        return SignedLink.of(q.get("tenant"), q.get("exp"), q.get("sig"));
    }

    @Test
    void aPrivateBundleDoesNotExistForAnonymousCallersAndOtherTenants() {
        assertThat(get(secret, null, null)).isEmpty();
        assertThat(serving.isPublic(secret.name())).isFalse();
        String tenantB = Api.tenant("serve-b");
        assertThat(get(secret, null, principal(Api.token("compute", tenantB)))).isEmpty();
        assertThat(get(secret, null, principal(Api.token("worker", null)))).isEmpty();
        assertThat(serving.ociBlob(Viewer.anonymous(), secret.name(), secret.name())).isEmpty();
    }

    @Test
    void theGrantedTenantsTokenAndAnAdminMayHaveIt() {
        assertThat(get(secret, null, principal(Api.token("compute", tenantA)))).contains(Access.PRIVATE);
        assertThat(get(secret, null, principal(Api.ADMIN))).contains(Access.PRIVATE);
        assertThat(serving.ociBlob(Viewer.of(principal(Api.token("compute", tenantA))), secret.name(), secret.name()))
                .contains(Access.PRIVATE);
    }

    @Test
    void publicBundlesGoToEveryoneAndMayBeCachedByAnyone() {
        assertThat(serving.isPublic(open.name())).isTrue();
        assertThat(get(open, null, null)).contains(Access.PUBLIC);
        assertThat(serving.ociBlob(Viewer.anonymous(), open.name(), open.name())).contains(Access.PUBLIC);
        // bytes no manifest uses yet: pushers only, never shared-cacheable
        assertThat(serving.ociBlob(Viewer.anonymous(), null, open.name())).isEmpty();
        assertThat(serving.ociBlob(Viewer.of(principal(Api.token("worker", null))), null, open.name())).contains(Access.PRIVATE);
    }

    @Test
    void aSignedLinkOpensItUntilItExpires() {
        assertThat(get(secret, link(secret.path(), tenantA, Instant.now().plusSeconds(60)), null)).contains(Access.LINK);
        assertThat(serving.bundle(secret.name(), "HEAD", secret.path(), link(secret.path(), tenantA, Instant.now().plusSeconds(60)),
                null, Instant.now())).contains(Access.LINK);
        assertThatThrownBy(() -> get(secret, link(secret.path(), tenantA, Instant.now().minusSeconds(1)), null))
                .isInstanceOfSatisfying(ExtfarmException.class, e -> {
                    assertThat(e.code()).isEqualTo("link-expired");
                    assertThat(e.kind()).isEqualTo(ExtfarmException.Kind.FORBIDDEN);
                });
        SignedLink forOtherPath = link(secret.controlPath(), tenantA, Instant.now().plusSeconds(60));
        assertThatThrownBy(() -> get(secret, forOtherPath, principal(Api.ADMIN)))
                .isInstanceOfSatisfying(ExtfarmException.class, e -> assertThat(e.code()).isEqualTo("link-invalid"));
        String tenantB = Api.tenant("serve-c");
        assertThatThrownBy(() -> get(secret, link(secret.path(), tenantB, Instant.now().plusSeconds(60)), null))
                .isInstanceOfSatisfying(ExtfarmException.class, e -> assertThat(e.code()).isEqualTo("link-revoked"));
    }

    @Test
    void rangesAreAnsweredAgainstTheStoredSize() throws Exception {
        long n = store.stat(BlobKey.bundle(new BundleAddress(open.name(), open.sha256()))).orElseThrow().size();
        assertThat(n).isEqualTo(open.bytes().length);
        String etag = "\"sha-256+" + open.sha256() + "\"";

        assertThat(BlobServing.answer(n, etag, null, null, null)).isEqualTo(new RangeAnswer(200, 0, n, n));
        RangeAnswer beyond = BlobServing.answer(n, etag, null, "bytes=" + n + "-", null);
        assertThat(beyond.status()).isEqualTo(416);
        assertThat(beyond.contentRange()).isEqualTo("bytes */" + n);
        RangeAnswer suffix = BlobServing.answer(n, etag, null, "bytes=-10", null);
        assertThat(suffix).isEqualTo(new RangeAnswer(206, n - 10, 10, n));
        assertThat(suffix.contentRange()).isEqualTo("bytes " + (n - 10) + "-" + (n - 1) + "/" + n);
        assertThat(BlobServing.answer(n, etag, null, "bytes=-" + (n + 10), null)).isEqualTo(new RangeAnswer(206, 0, n, n));
        // several ranges: served whole, as the three paths always did (RFC 9110 lets a server ignore Range)
        assertThat(BlobServing.answer(n, etag, null, "bytes=0-1,5-6", null).status()).isEqualTo(200);
        assertThat(BlobServing.answer(n, etag, null, "bytes=0-9", "\"stale\"").status()).isEqualTo(200);
        assertThat(BlobServing.answer(n, etag, null, "bytes=0-9", etag)).isEqualTo(new RangeAnswer(206, 0, 10, n));
        assertThat(BlobServing.answer(n, etag, "\"other\", W/" + etag, "bytes=0-9", null).status()).isEqualTo(304);
        assertThat(BlobServing.answer(0, etag, null, "bytes=-5", null).status()).isEqualTo(416);
        assertThat(BlobServing.answer(n, etag, null, "items=0-9", null).status()).isEqualTo(200);
    }
}
