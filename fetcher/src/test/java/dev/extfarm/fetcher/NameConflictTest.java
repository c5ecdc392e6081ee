package dev.extfarm.fetcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.extfarm.fetcher.endpoint.Routes;
import dev.extfarm.fetcher.report.FetchException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 21, item 2, on the node: a spec in which two bundles carry one name (an extension or a
 * library) used to be refused whole ({@code extension 'pubext' is carried by both ...}), so no
 * tenant got anything. Now only the bundles involved are unavailable, with state {@code conflict}
 * and error {@code name-conflict} (status, on-demand requests, the command line), and the rest of
 * the spec installs; once the registry serves one of them, it installs.
 */
class NameConflictTest {

    static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    @Test
    void twoBundlesCarryingOneExtensionAreBothUnavailableAndTheRestInstalls() throws Exception {
        try (RegistryFixture registry = new RegistryFixture(15, Bundles.PLATFORM); Node node = new Node()) {
            registry.publish(Bundles.sql(tmp, "pubext").pack());
            registry.publish(Bundles.sql(tmp, "shadow").carries("pubext").pack());
            registry.publish(Bundles.sql(tmp, "bystander").pack());
            Fetcher f = node.fetcher(registry);
            f.prepare();

            assertThat(Files.exists(node.extension("bystander.control"))).as("listed").isTrue();
            for (String name : new String[] {"pubext", "shadow"}) {
                Map<String, Object> b = CommandLineHelpAndCodesTest.bundle(f.status(), name);
                assertThat(b.get("state")).isEqualTo("conflict");
                assertThat(b.get("error_code")).isEqualTo("name-conflict");
                assertThat((String) b.get("error")).startsWith("name-conflict: bundle '" + name + "' 1.0 cannot be installed: ")
                        .contains("extension 'pubext' is carried by the bundles 'pubext', 'shadow'");
                assertThat(Files.exists(node.extension(name + ".control"))).as(name + " listed").isFalse();
            }
            assertThat(node.log()).contains("not installing shadow: extension 'pubext' is carried by the bundles 'pubext', 'shadow'");

            assertThat(f.requestExtension("bystander", WAIT).state()).isEqualTo("installed");
            for (String asked : new String[] {"pubext", "shadow"}) {
                assertThatThrownBy(() -> f.requestExtension(asked, WAIT)).isInstanceOfSatisfying(FetchException.class, e -> {
                    assertThat(e.code()).isEqualTo("name-conflict");
                    assertThat(e.kind()).isEqualTo(FetchException.Kind.CONFLICT);
                });
            }
            Routes.Reply reply = new Routes(f).handle("POST", "/extensions/pubext", null);
            assertThat(reply.status()).isEqualTo(409);
            assertThat(new String(reply.body(), StandardCharsets.UTF_8)).contains("\"error\" : \"name-conflict\"");

            f.startBackground().get(60, TimeUnit.SECONDS); // phase 4 goes through the spec: the conflicted ones stay out
            assertThat(registry.bundleRequests("pubext")).isZero();
            assertThat(registry.bundleRequests("shadow")).isZero();
            assertThat(node.filesOf("pubext")).isEmpty();
            assertThat(node.filesOf("shadow")).isEmpty();
            assertThat(Files.exists(node.marker("bystander"))).isTrue();

            // the command line says so too
            Path spec = Files.write(tmp.resolve("spec.json"), registry.specJson());
            StringWriter err = new StringWriter();
            int code = FetcherMain.run(new String[] {"install", "pubext", "--spec-file", spec.toString(), "--pg-config",
                    node.pg.pgConfig().toString(), "--trusted-keys", registry.keysFile(tmp).toString(), "--state-dir",
                    node.state.toString(), "--progress", "plain"}, new PrintWriter(new StringWriter(), true), new PrintWriter(err, true));
            assertThat(code).isEqualTo(1);
            assertThat(err.toString()).contains("extfarm fetch: name-conflict: bundle 'pubext' 1.0 cannot be installed");

            // the registry stops serving shadow: pubext is no longer contested and installs
            registry.revoke("shadow");
            f.refresh();
            assertThat(f.requestExtension("pubext", WAIT).state()).isEqualTo("installed");
            Map<String, Object> pubext = CommandLineHelpAndCodesTest.bundle(f.status(), "pubext");
            assertThat(pubext.get("state")).isEqualTo("installed");
            assertThat(pubext).doesNotContainKey("error_code");
            node.pg.start();
            node.pg.sql("CREATE EXTENSION pubext");
            assertThat(node.pg.sql("SELECT pubext_version()")).isEqualTo("1.0");
        }
    }

    @Test
    void aLibraryCarriedTwiceAndAListingOfAnEarlierSpecAreHandledAlike() throws Exception {
        try (RegistryFixture registry = new RegistryFixture(15, Bundles.PLATFORM); Node node = new Node()) {
            registry.publish(Bundles.sql(tmp, "first").libraries("shared_mod").pack());
            Fetcher f = node.fetcher(registry);
            f.prepare();
            assertThat(Files.exists(node.extension("first.control"))).as("listed by the first spec").isTrue();

            registry.publish(Bundles.sql(tmp, "second").libraries("shared_mod").pack());
            f.refresh();
            assertThat(Files.exists(node.extension("first.control"))).as("the listing of a bundle in conflict is withdrawn").isFalse();
            assertThatThrownBy(() -> f.requestLibrary("shared_mod", WAIT)).isInstanceOfSatisfying(FetchException.class,
                    e -> assertThat(e.code()).isEqualTo("name-conflict"));
            assertThat(CommandLineHelpAndCodesTest.bundle(f.status(), "second").get("error")).asString()
                    .contains("library 'shared_mod' is carried by the bundles 'first', 'second'");
            // a shared_preload_libraries entry nobody may provide: PostgreSQL would not start, prepare says why
            Fetcher preloading = node.fetcher(registry, b -> b.preload(new FetcherSettings.Preload(java.util.List.of("shared_mod"),
                    java.util.List.of(), java.util.List.of())));
            assertThatThrownBy(preloading::prepare).isInstanceOfSatisfying(FetchException.class, e -> {
                assertThat(e.code()).isEqualTo("name-conflict");
                assertThat(e.getMessage()).contains("shared_preload_libraries names 'shared_mod'").contains("PostgreSQL would not start");
            });
        }
    }
}
