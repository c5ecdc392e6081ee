package dev.extfarm.registry.webui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.extfarm.registry.builds.Farm;
import dev.extfarm.registry.builds.QueueJanitor;
import dev.extfarm.registry.builds.TestWorker;
import dev.extfarm.registry.changes.BuildChangesTest;
import dev.extfarm.registry.changes.ChangesSeed;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.net.URL;
import org.junit.jupiter.api.Test;

/**
 * The build page in a real headless Chromium shows "Changes since build N" for the second of two
 * successive bundles of one extension (published through the worker protocol and the upload API):
 * the files added, removed and changed, the size delta, the bundled libraries with their Debian
 * versions and the new system requirements; the first build says it is the first.
 */
@QuarkusTest
class BuildChangesPageTest {

    @TestHTTPResource("/")
    URL url;
    @Inject
    QueueJanitor janitor;

    @Test
    void theBuildPageShowsWhatChangedSinceThePreviousBuild() throws Exception {
        janitor.cancelEverythingLive();
        String name = Farm.unique("changesui");
        ChangesSeed seed = new ChangesSeed(Farm.token("maintainer"), new TestWorker(url.toURI(), Farm.token("worker"), "changes-ui"), name);
        ChangesSeed.Published one = seed.build(BuildChangesTest.first(name));
        ChangesSeed.Published two = seed.build(BuildChangesTest.second(name));
        long delta = two.size() - one.size();

        Browser browser = new Browser(url.toString(), 1280, 900);
        try {
            browser.open("#/builds/" + two.buildId());
            assertThat(browser.textOf("#changes h2", "Changes since")).isEqualTo("Changes since build #" + one.buildId());
            assertThat(browser.text("#changes [data-changes=summary]")).contains("1.0.0 → 1.1.0").doesNotContain("[object")
                    .contains("3 added, 1 removed, 4 changed, 1 unchanged files")
                    .contains(delta >= 1024 ? "(+" + delta + " B)" : (delta > 0 ? "+" : "−") + Math.abs(delta) + " B");
            assertThat(browser.text("#changes [data-changes=added]")).contains("lib/libnew.so.3")
                    .contains("share/extension/" + name + "--1.1.0.sql");
            assertThat(browser.text("#changes [data-changes=removed]")).contains("lib/libold.so.2");
            assertThat(browser.text("#changes [data-changes=changed]")).contains("lib/" + name + ".so").contains("→");
            assertThat(browser.text("#changes [data-library=changed]")).contains("libfoo.so.1").contains("libfoo1 1.2-1")
                    .contains("libfoo1 1.2-2+deb12u1");
            assertThat(browser.text("#changes [data-library=added]")).contains("libnew.so.3").contains("libnew3 3.1-1");
            assertThat(browser.text("#changes [data-library=removed]")).contains("libold.so.2").contains("libold2 2.0-3");
            assertThat(browser.text("#changes [data-changes=system]")).contains("libssl.so.3").doesNotContain("libc.so.6");
            assertThat(browser.text("#changes [data-changes=system-removed]")).contains("libm.so.6");
            browser.find("#changes a[href='#/builds/" + one.buildId() + "']");
            browser.screenshot("build-changes");

            browser.go("#/builds/" + one.buildId());
            assertThat(browser.textOf("#changes [data-changes=first]", "First build")).contains(name).contains("PostgreSQL 15");
            assertThat(browser.consoleErrors()).isEmpty();
        } finally {
            browser.close();
        }
    }
}
