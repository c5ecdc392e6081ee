package dev.extfarm.fetcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.extfarm.fetcher.report.FetchException;
import dev.extfarm.fetcher.trust.Trust;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * An install follows two links of its spec entry, the signature's and the bundle's; each expires.
 * An expired one is renewed the same way for both: one fresh spec, whose links the rest of the
 * install then uses; when the fresh spec cannot be read, the error says both things, whichever link
 * it was.
 */
class ExpiredLinkTest {

    static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path tmp;
    RegistryFixture registry;
    Node node;

    @BeforeEach
    void setUp() throws Exception {
        registry = new RegistryFixture(15, Bundles.PLATFORM);
        node = new Node();
    }

    @AfterEach
    void tearDown() throws Exception {
        node.close();
        registry.close();
    }

    /** A fetcher whose spec (read by prepare) holds only expired links; the registry hands out good ones from now on. */
    private Fetcher preparedWithExpiredLinks(String name, boolean signed) throws Exception {
        registry.publish(Bundles.sql(tmp, name).pack());
        registry.linkTtl = Duration.ofSeconds(-5);
        Fetcher f = signed ? node.fetcher(registry) : node.fetcher(registry, b -> b.trust(Trust.unsigned()));
        f.prepare();
        registry.linkTtl = Duration.ofMinutes(15);
        return f;
    }

    @Test
    void theSignatureLinkExpiredAndOneFreshSpecRenewsItAndTheBundleLink() throws Exception {
        Fetcher f = preparedWithExpiredLinks("renewed", true);
        long before = registry.specRequests.get();
        assertThat(f.requestExtension("renewed", WAIT).state()).isEqualTo("installed");
        assertThat(registry.specRequests.get() - before).as("fresh specs read").isEqualTo(1);
        assertThat(node.log()).contains("renewed 1.0: the link expired; reading a fresh spec");
        assertThat(node.problems(f)).isEmpty();
        assertThat(Files.exists(node.marker("renewed"))).isTrue();
    }

    @Test
    void theBundleLinkExpiredWithNoSignatureCheckedAndOneFreshSpecRenewsIt() throws Exception {
        Fetcher f = preparedWithExpiredLinks("unsignedrenewed", false);
        long before = registry.specRequests.get();
        assertThat(f.requestExtension("unsignedrenewed", WAIT).state()).isEqualTo("installed");
        assertThat(registry.specRequests.get() - before).as("fresh specs read").isEqualTo(1);
        assertThat(node.log()).contains("unsignedrenewed 1.0: the link expired; reading a fresh spec");
        assertThat(node.problems(f)).isEmpty();
    }

    /** signed: the signature's link is the first to fail; unsigned: the bundle's. */
    @ParameterizedTest(name = "signed={0}")
    @ValueSource(booleans = {true, false})
    void anExpiredLinkWhoseFreshSpecCannotBeReadSaysBothAndLeavesNothing(boolean signed) throws Exception {
        Fetcher f = preparedWithExpiredLinks("stranded", signed);
        registry.specUnavailable = true;
        assertThatThrownBy(() -> f.requestExtension("stranded", WAIT)).isInstanceOf(FetchException.class)
                .satisfies(e -> {
                    assertThat(((FetchException) e).code()).isEqualTo("link-expired");
                    assertThat(e.getMessage()).contains("expired").contains("a fresh spec could not be read").contains("503");
                });
        assertThat(Files.exists(node.marker("stranded"))).isFalse();
        assertThat(node.filesOf("stranded--")).isEmpty();
        assertThat(node.strayTempFiles()).isEmpty();
        try (var s = Files.list(node.state.resolve("staging"))) {
            assertThat(s.toList()).as("staging").isEmpty();
        }

        registry.specUnavailable = false;
        assertThat(f.requestExtension("stranded", WAIT).state()).isEqualTo("installed");
    }
}
