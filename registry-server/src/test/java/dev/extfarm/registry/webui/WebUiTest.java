package dev.extfarm.registry.webui;

import static org.assertj.core.api.Assertions.assertThat;

import dev.extfarm.registry.builds.QueueJanitor;
import dev.extfarm.registry.webhook.Signature;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.net.URL;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.Select;

/**
 * The web UI in a real headless Chromium against the running registry, with data seeded through
 * the API under random names: search, filter, open an extension and a failed build, see its cause
 * and log, tail a running build, the farm and notifications pages.
 */
@QuarkusTest
@TestProfile(LoopbackWebhooks.class)
class WebUiTest {

    static Browser browser;

    @TestHTTPResource("/")
    URL url;
    @Inject
    QueueJanitor janitor;

    @BeforeAll
    static void noBrowserYet() {
        browser = null;
    }

    @BeforeEach
    void setUp() {
        janitor.cancelEverythingLive();
        if (browser == null) {
            browser = new Browser(url.toString(), 1280, 900);
        }
    }

    @org.junit.jupiter.api.AfterEach
    void noConsoleErrors() {
        if (browser != null) {
            assertThat(browser.consoleErrors()).as("errors in the browser console").isEmpty();
        }
    }

    @AfterAll
    static void quit() {
        if (browser != null) {
            browser.close();
        }
    }

    /** Two extensions: one built for 15 and 17 whose 18 fails twice (two causes), one built for 15. */
    record Seeded(Seed seed, String stem, String vec, String txt, Map<Integer, Long> v1, long v11on18) {
    }

    Seeded seedCatalog() {
        Seed seed = new Seed(Seed.unique("builder"));
        String stem = Seed.unique("ui");
        String vec = stem + "_vec";
        String txt = stem + "_txt";
        Map<Integer, Long> v1 = seed.push(vec, "1.0", List.of(15, 17, 18), "v1");
        seed.succeed(seed.claim(v1.get(15)));
        seed.succeed(seed.claim(v1.get(17)));
        seed.fail(seed.claim(v1.get(18)), "build-deps", "missing-build-dependency", "recipe", 100,
                "no package libfoo-dev in debian-sid", "Reading package lists...", "Building dependency tree...",
                "E: Unable to locate package libfoo-dev");
        long v11 = seed.push(vec, "1.1", List.of(18), "v11").get(18);
        StringBuilder noise = new StringBuilder();
        String[] lines = new String[60];
        for (int i = 0; i < 50; i++) {
            lines[i] = "gcc -Wall -O2 -fPIC -I/usr/include/postgresql/18/server -c src/part" + i + ".c -o src/part" + i + ".o";
        }
        lines[50] = "src/" + vec + ".c: In function 'vec_in':";
        lines[51] = "src/" + vec + ".c:42:10: error: 'PG_MODULE_MAGIC_EXT' undeclared (first use in this function)";
        lines[52] = "   42 |   return PG_MODULE_MAGIC_EXT;";
        lines[53] = "make: *** [<builtin>: src/" + vec + ".o] Error 1";
        for (int i = 54; i < 60; i++) {
            lines[i] = "make: leaving directory '/build/src'";
        }
        seed.fail(seed.claim(v11), "build", "compile-error", "upstream", 2, "src/" + vec + ".c:42:10: error: 'PG_MODULE_MAGIC_EXT' undeclared", lines);
        seed.succeed(seed.claim(seed.push(txt, "2.3.1", List.of(15), "t").get(15)));
        return new Seeded(seed, stem, vec, txt, v1, v11);
    }

    @Test
    void searchFilterOpenTheExtensionAndAFailedBuildAndSeeItsCauseAndLog() {
        Seeded s = seedCatalog();

        // catalog: search as you type
        browser.open("#/");
        assertThat(browser.h1()).isEqualTo("Extension catalog");
        WebElement search = browser.find("input[name=q]");
        search.sendKeys(s.stem());
        browser.until(d -> cardNames().equals(List.of(s.txt(), s.vec())) ? true : null);
        assertThat(browser.textOf("li.card[data-ext='" + s.vec() + "'] .majors", "17")).isEqualTo("17, 15");
        assertThat(browser.textOf("li.card[data-ext='" + s.vec() + "'] .card-status", "failed")).contains("1 of 3 failed");
        assertThat(browser.textOf("li.card[data-ext='" + s.vec() + "'] .size", "KiB")).contains("KiB");
        browser.textOf("li.card[data-ext='" + s.txt() + "'] .card-status", "succeeded");
        browser.screenshot("catalog");
        assertThat(browser.unlabelled()).isEmpty();

        // filter by PostgreSQL major
        new Select(browser.find("select[name=pg]")).selectByValue("17");
        browser.until(d -> cardNames().equals(List.of(s.vec())) ? true : null);
        new Select(browser.find("select[name=pg]")).selectByValue("18");
        browser.textOf("#catalog-results", "No extension matches");
        assertThat(browser.driver.getCurrentUrl()).contains("pg=18").contains("q=" + s.stem());
        new Select(browser.find("select[name=pg]")).selectByValue("");
        WebElement license = browser.find("input[name=license]");
        license.sendKeys("MIT");
        browser.textOf("#catalog-results", "No extension matches");
        license.clear();
        license.sendKeys("postgresql");
        browser.until(d -> d.getCurrentUrl().contains("license=postgresql") && cardNames().size() == 2 ? true : null);

        // the extension: which majors, the matrix, what to pull
        browser.find("li.card[data-ext='" + s.vec() + "'] h2 a").click();
        browser.textOf("main h1", s.vec());
        assertThat(browser.text("[data-answer=majors]")).contains("PostgreSQL 17, PostgreSQL 15").contains("newest version 1.0");
        assertThat(browser.text("[data-answer=failure]")).contains("#" + s.v11on18()).contains("compile-error at build");
        assertThat(browser.text("[data-answer=pull] code")).endsWith("/extensions/" + s.vec() + ":1.0-pg17-debian-13-amd64");
        assertThat(cell("1.0|18|debian-sid-amd64-glibc").getAttribute("data-state")).isEqualTo("failed");
        assertThat(cell("1.1|18|debian-sid-amd64-glibc").getAttribute("data-state")).isEqualTo("failed");
        assertThat(cell("1.0|17|debian-13-amd64-glibc").getAttribute("data-state")).isEqualTo("built");
        assertThat(cell("1.0|17|debian-13-amd64-glibc").getAttribute("aria-pressed")).isEqualTo("true");
        assertThat(copyValue("Bundle URL")).startsWith(url.toString() + "extensions/" + s.vec() + "/sha-256+").endsWith("/bundle.tar");
        assertThat(copyValue("docker pull")).isEqualTo("docker pull " + url.getHost() + ":" + url.getPort() + "/extensions/" + s.vec()
                + ":1.0-pg17-debian-13-amd64");
        assertThat(copyValue("Fetcher spec entry")).contains("\"extension_name\": \"" + s.vec() + "\"").contains("\"control_link\"");
        assertThat(browser.text("#bundle-detail")).contains("shared_preload_libraries: no").contains("PostgreSQL")
                .contains("libc.so.6").contains("Built by").contains("build #" + s.v1().get(17));
        // trust: the bundle panel links the signature (served beside the bundle) and the farm keys
        String sigHref = browser.find("#bundle-detail a[href$='bundle.tar.sig']").getAttribute("href");
        io.restassured.RestAssured.given().get(java.net.URI.create(sigHref).getRawPath()).then().statusCode(200)
                .contentType("application/jose+json");
        assertThat(browser.find("#bundle-detail a[href$='/api/v1/keys']").getText()).isEqualTo("farm keys");
        assertThat(browser.find("#bundle-detail a[href$='/sbom']").getAttribute("href"))
                .contains("/api/v1/extensions/" + s.vec() + "/bundles/");
        browser.screenshot("extension");
        cell("1.0|15|debian-12-amd64-glibc").click();
        browser.textOf("#bundle-detail h2", "PostgreSQL 15");
        assertThat(browser.driver.getCurrentUrl()).contains("pg=15");
        assertThat(copyValue("docker pull")).endsWith(":1.0-pg15-debian-12-amd64");
        WebElement copy = browser.find("#bundle-detail button[data-copy='bundle url']");
        copy.click();
        browser.until(d -> copy.getAttribute("data-copied") != null ? true : null);
        browser.until(d -> browser.find("#announcer").getAttribute("textContent").toLowerCase().contains("bundle url") ? true : null);
        assertThat(browser.unlabelled()).isEmpty();

        // the last failed build: cause, steps, the log with the failing part marked, the previous build
        browser.find("[data-answer=failure] a").click();
        browser.textOf("main h1", "Build #" + s.v11on18());
        assertThat(browser.text("[data-failure-cause]")).isEqualTo("compile-error");
        assertThat(browser.text("[data-failure-step]")).isEqualTo("build");
        assertThat(browser.text("#failure")).contains("responsibility: upstream, exit code 2").contains("PG_MODULE_MAGIC_EXT");
        assertThat(browser.find("li.step.failed").getAttribute("data-step")).isEqualTo("build");
        WebElement failing = browser.find("#log details[data-step='build']");
        assertThat(failing.getAttribute("open")).isNotNull();
        assertThat(failing.getAttribute("class")).contains("failing");
        assertThat(browser.text("#log details[data-step='fetch'] summary")).contains("step fetch");
        assertThat(browser.all("#log details[data-step='fetch']").get(0).getAttribute("open")).isNull();
        assertThat(browser.all("#log details.failing .hit").stream().map(WebElement::getText).toList())
                .anyMatch(t -> t.contains("error: 'PG_MODULE_MAGIC_EXT' undeclared")).anyMatch(t -> t.contains("Error 1"))
                .noneMatch(t -> t.startsWith("gcc -Wall"));
        assertThat(browser.text("#log .fail")).startsWith("##[extfarm] build failed at build: compile-error");
        // the first error line is scrolled into the log's view
        assertThat(browser.js("const box = document.getElementById('log').getBoundingClientRect();"
                + "const hit = document.querySelector('#log details.failing .hit').getBoundingClientRect();"
                + "return document.getElementById('log').scrollTop > 0 && hit.top >= box.top && hit.bottom <= box.bottom"))
                .as("the first error line is scrolled into the log's view").isEqualTo(true);
        assertThat(browser.text("[data-previous]")).contains("#" + s.v1().get(18)).contains("failed")
                .contains("version 1.0 → 1.1").contains("recipe revision");
        browser.screenshot("build");
        assertThat(browser.unlabelled()).isEmpty();
        browser.find("[data-previous] a").click();
        browser.textOf("main h1", "Build #" + s.v1().get(18));
        assertThat(browser.text("[data-failure-cause]")).isEqualTo("missing-build-dependency");
        assertThat(browser.text("#log details.failing .hit")).contains("E: Unable to locate package libfoo-dev");

        // builds: filters, then the failures grouped by cause
        browser.go("#/builds?extension=" + s.vec());
        browser.textOf("main h1", "Builds");
        browser.until(d -> rows().size() == 4 ? true : null);
        new Select(browser.find("select[name=status]")).selectByValue("failed");
        browser.until(d -> statuses().equals(List.of("failed", "failed")) ? true : null);
        assertThat(browser.text("#builds-results tbody")).contains("compile-error").contains("missing-build-dependency");
        new Select(browser.find("select[name=pg]")).selectByValue("15");
        browser.textOf("#builds-results", "No build matches");
        new Select(browser.find("select[name=pg]")).selectByValue("");
        browser.until(d -> rows().size() == 2 ? true : null);
        assertThat(browser.unlabelled()).isEmpty();
        browser.find("#builds-results tbody tr a").click();
        browser.textOf("main h1", "Build #" + s.v11on18());

        browser.go("#/failures?extension=" + s.vec());
        assertThat(browser.textOf("[data-summary]", "failed"))
                .isEqualTo("2 builds failed: 1 compile-error, 1 missing-build-dependency");
        assertThat(browser.all("ul.bars li").stream().map(e -> e.getAttribute("data-cause")).toList())
                .containsExactly("compile-error", "missing-build-dependency");
                assertThat(browser.unlabelled()).isEmpty();
    }

    @Test
    void aCardShowsEachMajorsVersionWhenTheyDiffer() {
        Seed seed = new Seed(Seed.unique("builder"));
        String name = Seed.unique("ui") + "_audit";
        seed.succeed(seed.claim(seed.push(name, "1.7.1", List.of(15), "a15").get(15)));
        seed.succeed(seed.claim(seed.push(name, "17.1", List.of(17), "a17").get(17)));

        browser.open("#/?q=" + name);
        assertThat(browser.textOf("li.card[data-ext='" + name + "'] .newest", "1.7.1")).isEqualTo("17.1 (17), 1.7.1 (15)");
    }

    /**
     * Upstream's regression suite on the build page: counts, the failing test, the diffs linked (never
     * inlined: they are a sandbox's bytes, markup included), and a known failure as a warning on a
     * build that succeeded, also on the extension page.
     */
    @Test
    void aRegressionFailureLinksItsDiffsAndAKnownFailureIsAWarning() {
        Seed seed = new Seed(Seed.unique("regress"));
        String name = Seed.unique("suite");
        Map<Integer, Long> ids = seed.push(name, "1.0", List.of(15, 17), "r");
        byte[] diffs = "-expected\n+<img src=x onerror=\"window.__pwned=1\"><script>window.__pwned=2</script>\n"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        seed.failRegression(seed.claim(ids.get(15)), diffs, 3, List.of("base"));

        browser.open("#/builds/" + ids.get(15));
        browser.textOf("[data-failure-cause]", "regression-failed");
        assertThat(browser.textOf("#regress [data-regress='counts']", "3 run")).contains("2 passed").contains("1 failed");
        assertThat(browser.text("#regress [data-regress='failed']")).contains("base");
        String href = (String) browser.js("return document.querySelector(\"[data-regress='diffs']\").getAttribute('href')");
        assertThat(href).isEqualTo("/api/v1/builds/" + ids.get(15) + "/artifacts/regression.diffs");
        assertThat(browser.text("main")).doesNotContain("onerror");
        assertThat(browser.js("return window.__pwned === undefined")).isEqualTo(true);
        browser.screenshot("build-regression-failed");

        seed.succeedWithKnownFailure(seed.claim(ids.get(17)), "crosstab", "expects PostgreSQL 16's output");
        browser.open("#/builds/" + ids.get(17));
        assertThat(browser.textOf("#regress [data-regress='known']", "crosstab")).contains("Warning").contains("expects PostgreSQL 16's output");
        browser.open("#/extensions/" + name + "?v=1.0&pg=17&platform=" + Seed.PLATFORMS.get(17));
        assertThat(browser.textOf("[data-regress]", "known failure")).contains("crosstab").contains("4 of 5 passed");
    }

    @Test
    void aRunningBuildsLogIsTailedLiveUntilItFails() {
        Seed seed = new Seed(Seed.unique("tailer"));
        String name = Seed.unique("live");
        Seed.Job job = seed.claim(seed.push(name, "0.1", List.of(17), "l").get(17));
        seed.heartbeat(job, "build");
        seed.log(job, Seed.header(job) + "##[extfarm] step build\nmake USE_PGXS=1\n");

        browser.open("#/builds/" + job.id());
        browser.textOf("main h1", "Build #" + job.id());
        browser.textOf("#failure, .callout", "Running step build");
        browser.textOf("#log", "make USE_PGXS=1");
        browser.js("window.__samePage = 'yes'");
        seed.log(job, "cc -c first_live_line.c\n");
        browser.textOf("#log", "first_live_line");
        seed.log(job, "cc -c second_live_");
        seed.log(job, "line.c\n");
        browser.textOf("#log", "second_live_line.c");
        browser.screenshot("build-running");
        seed.fail(job, "build", "compile-error", "upstream", 2, "error: live failure", "live.c:1:1: error: expected ';'");
        browser.textOf("[data-failure-cause]", "compile-error");
        browser.textOf("#log .fail", "build failed at build");
        assertThat(browser.text("#log details.failing .hit")).contains("live.c:1:1: error");
        assertThat(browser.js("return window.__samePage")).as("tailed, not reloaded").isEqualTo("yes");
        assertThat(browser.text("#log")).containsOnlyOnce("first_live_line");
    }

    @Test
    void theFarmShowsWhoBuildsWhatAndNotificationsRegisterASignedWebhook() throws Exception {
        String workerId = Seed.unique("builder");
        Seed seed = new Seed(workerId);
        String name = Seed.unique("farmui");
        Map<Integer, Long> ids = seed.push(name, "3.0", List.of(15, 17, 18), "f");
        Seed.Job job = seed.claim(ids.get(15));
        seed.heartbeat(job, "smoke-test");
        seed.succeed(seed.claim(ids.get(17)));

        browser.open("#/farm");
        browser.textOf("main h1", "Farm");
        String row = browser.textOf("tr[data-worker='" + workerId + "']", "busy");
        assertThat(row).contains("#" + job.id()).contains(name).contains("smoke-test");
        assertThat(browser.text(".answer")).contains("1 queued").contains("1 running");
        browser.screenshot("farm");
        assertThat(browser.unlabelled()).isEmpty();
        seed.fail(job, "smoke-test", "smoke-test-failed", "upstream", 53, "CREATE EXTENSION failed");

        try (Receiver receiver = new Receiver()) {
            browser.open("#/notifications?extension=" + name);
            browser.textOf("main h1", "Notifications");
            assertThat(copyValue("All build results")).isEqualTo(url + "feeds/builds.atom");
            assertThat(copyValue("Feed of " + name)).isEqualTo(url + "feeds/extensions/" + name + ".atom");
            browser.find("input[name=token]").sendKeys(seed.maintainer);
            browser.find("input[name=token]").sendKeys(Keys.ENTER);
            browser.textOf("#who", "maintainer");
            browser.find("input[name=url]").sendKeys(receiver.url("/hook").toString());
            browser.find("#ev-succeeded").click(); // failures only
            browser.find("form[aria-label='Register a webhook'] button[type=submit]").click();
            String secret = browser.text(".secret code");
            assertThat(secret).startsWith("whsec_");
            WebElement hook = browser.find("article[data-webhook]");
            assertThat(hook.getText()).contains(receiver.url("/hook").toString()).contains("Events: failed, farm-error");
            browser.screenshot("notifications");
            assertThat(browser.unlabelled()).isEmpty();
            hook.findElement(By.xpath(".//button[text()='Send ping']")).click();
            Receiver.Request ping = receiver.next(15);
            assertThat(ping.header("X-Extfarm-Event")).isEqualTo("ping");
            assertThat(ping.header(Signature.HEADER)).isEqualTo(Signature.sign(secret, Long.parseLong(ping.header(Signature.TIMESTAMP)), ping.body()));
            seed.fail(seed.claim(ids.get(18)), "patch", "patch-rejected", "recipe", 1, "hunk #1 FAILED");
            Receiver.Request failed = receiver.next(15);
            assertThat(failed.body()).contains("\"cause\":\"patch-rejected\"").contains(name);
        } finally {
            // leave the page first: its requests stop (a ping's delayed reload would otherwise ask without the token: a 401)
            browser.open("#/");
            browser.find("input[name=q]");
            browser.js("sessionStorage.clear()");
        }
    }

    @Test
    void everyPageIsReachableByKeyboardAndFitsAPhone() {
        Seeded s = seedCatalog();
        browser.open("#/");
        browser.find("input[name=q]");
        WebElement focused = null;
        for (int i = 0; i < 15; i++) {
            browser.driver.switchTo().activeElement().sendKeys(Keys.TAB);
            focused = browser.driver.switchTo().activeElement();
            if ("q".equals(focused.getAttribute("name"))) {
                break;
            }
        }
        assertThat(focused.getAttribute("name")).as("Tab reaches the search field").isEqualTo("q");
        focused.sendKeys(s.vec());
        browser.until(d -> cardNames().equals(List.of(s.vec())) ? true : null);
        for (int i = 0; i < 10; i++) {
            browser.driver.switchTo().activeElement().sendKeys(Keys.TAB);
            if (s.vec().equals(browser.driver.switchTo().activeElement().getText())) {
                break;
            }
        }
        browser.driver.switchTo().activeElement().sendKeys(Keys.ENTER);
        browser.textOf("main h1", s.vec());
        browser.until(d -> "main".equals(browser.js("return document.activeElement.id")) ? true : null); // focus moves to the new page

        try (Browser phone = new Browser(url.toString(), 390, 844)) {
            for (String route : List.of("#/?q=" + s.stem(), "#/extensions/" + s.vec(), "#/builds?extension=" + s.vec(),
                    "#/builds/" + s.v11on18(), "#/failures", "#/farm", "#/notifications")) {
                phone.open(route);
                phone.find("main h1");
                phone.until(d -> phone.all(".loading").isEmpty() ? true : null);
                long overflow = ((Number) phone.js("return document.documentElement.scrollWidth - window.innerWidth")).longValue();
                Object wide = phone.js("return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > window.innerWidth + 1"
                        + ").slice(0, 12).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right)).concat([document.documentElement.scrollWidth, window.innerWidth, document.documentElement.clientWidth, document.body.scrollWidth])");
                assertThat(overflow).as("no sideways scrolling of the page on a phone: " + route + "; too wide: " + wide).isLessThanOrEqualTo(0);
                if (route.startsWith("#/extensions/")) {
                    phone.find("#bundle-detail .copy-row");
                    phone.screenshot("extension-phone", 3000);
                }
                if (route.startsWith("#/?")) {
                    phone.until(d -> phone.all("li.card").size() == 2 ? true : null);
                    phone.screenshot("catalog-phone");
                }
            }
        }
    }

    @Test
    void theUiIsServedAtTheRootWithAContentSecurityPolicy() {
        io.restassured.RestAssured.given().get("/").then().statusCode(200).contentType(org.hamcrest.Matchers.containsString("text/html"))
                .header("Content-Security-Policy", org.hamcrest.Matchers.containsString("default-src 'self'"))
                .header("Content-Security-Policy", org.hamcrest.Matchers.containsString("frame-ancestors 'none'"))
                .body(org.hamcrest.Matchers.containsString("<script type=\"module\" src=\"js/app.js\"></script>"));
        io.restassured.RestAssured.given().get("/js/pages/build.js").then().statusCode(200)
                .contentType(org.hamcrest.Matchers.containsString("javascript"))
                .header("Cache-Control", org.hamcrest.Matchers.containsString("max-age=60"));
        io.restassured.RestAssured.given().get("/api/v1/farm").then().statusCode(200)
                .header("Content-Security-Policy", org.hamcrest.Matchers.nullValue());
    }

    private List<String> cardNames() {
        @SuppressWarnings("unchecked")
        List<String> names = (List<String>) browser.js("return [...document.querySelectorAll('#catalog-results li.card')].map(e => e.dataset.ext)");
        return names;
    }

    @SuppressWarnings("unchecked")
    private List<String> statuses() {
        return (List<String>) browser.js("return [...document.querySelectorAll('#builds-results tbody tr')].map(e => e.dataset.status)");
    }

    private List<WebElement> rows() {
        return browser.all("#builds-results tbody tr");
    }

    private WebElement cell(String key) {
        return browser.find("button.cell-btn[data-cell='" + key + "']");
    }

    private String copyValue(String label) {
        return browser.until(d -> {
            for (WebElement row : d.findElements(By.cssSelector(".copy-row"))) {
                if (row.findElement(By.cssSelector(".label")).getText().equals(label)) {
                    return row.findElement(By.cssSelector("code, pre")).getText();
                }
            }
            return null;
        });
    }
}
