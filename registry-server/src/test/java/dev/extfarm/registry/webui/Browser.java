package dev.extfarm.registry.webui;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedCondition;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's headless Chromium driven through Debian's chromedriver (nothing is downloaded; both
 * listen on 127.0.0.1 only). Screenshots go to target/screenshots, and also to the directory in
 * the system property {@code extfarm.screenshots} (docs/screenshots when refreshing them).
 */
final class Browser implements AutoCloseable {

    static final String CHROMIUM = System.getenv().getOrDefault("EXTFARM_CHROMIUM", "/usr/bin/chromium");
    static final String CHROMEDRIVER = System.getenv().getOrDefault("EXTFARM_CHROMEDRIVER", "/usr/bin/chromedriver");

    final ChromeDriver driver;
    private final String base;

    Browser(String base, int width, int height) {
        if (!new File(CHROMIUM).canExecute() || !new File(CHROMEDRIVER).canExecute()) {
            throw new IllegalStateException("browser tests need Debian's chromium and chromium-driver: apt-get install -y chromium chromium-driver"
                    + " (or EXTFARM_CHROMIUM / EXTFARM_CHROMEDRIVER)");
        }
        ChromeOptions o = new ChromeOptions();
        o.setBinary(CHROMIUM);
        o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-extensions", "--lang=en-US", "--window-size=" + width + "," + height);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER))
                .usingAnyFreePort().withLogOutput(System.err).withSilent(true).build();
        driver = new ChromeDriver(service, o);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(20));
        if (width < 500) {
            // a window cannot be narrower than 500 px: emulate the phone's screen instead
            driver.executeCdpCommand("Emulation.setDeviceMetricsOverride", Map.of("width", width, "height", height,
                    "deviceScaleFactor", 1, "mobile", true));
        }
        this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    }

    /** Loads the app afresh at this route (about:blank first: a changed hash alone would not reload it). */
    void open(String hashRoute) {
        driver.get("about:blank");
        driver.get(base + "/" + hashRoute);
    }

    /** Changes the route in the running page (no reload). */
    void go(String hashRoute) {
        js("location.hash = arguments[0]", hashRoute.replaceFirst("^#", ""));
    }

    Object js(String script, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(script, args);
    }

    <T> T until(ExpectedCondition<T> condition) {
        return new WebDriverWait(driver, Duration.ofSeconds(20)).pollingEvery(Duration.ofMillis(100))
                .ignoring(StaleElementReferenceException.class).until(condition);
    }

    WebElement find(String css) {
        return until(d -> {
            List<WebElement> els = d.findElements(By.cssSelector(css));
            return els.isEmpty() || !els.get(0).isDisplayed() ? null : els.get(0);
        });
    }

    List<WebElement> all(String css) {
        return driver.findElements(By.cssSelector(css));
    }

    /** Waits until the element's text contains {@code text}; returns the text. */
    String textOf(String css, String text) {
        return until(d -> {
            List<WebElement> els = d.findElements(By.cssSelector(css));
            return els.isEmpty() || !els.get(0).getText().contains(text) ? null : els.get(0).getText();
        });
    }

    /** The text of the first element matching, once it is shown (retried while the page redraws it). */
    String text(String css) {
        return until(d -> {
            List<WebElement> els = d.findElements(By.cssSelector(css));
            return els.isEmpty() || !els.get(0).isDisplayed() ? null : els.get(0).getText();
        });
    }

    String h1() {
        return text("main h1");
    }

    /** The whole page, rendered beyond the viewport by Chromium itself (the layout, vh units included, is unchanged). */
    @SuppressWarnings("unchecked")
    Path screenshot(String name) {
        try {
            js("document.activeElement && document.activeElement.blur && document.activeElement.blur()");
            Map<String, Object> metrics = driver.executeCdpCommand("Page.getLayoutMetrics", Map.of());
            Map<String, Object> size = (Map<String, Object>) metrics.get("cssContentSize");
            double width = ((Number) size.get("width")).doubleValue();
            double height = Math.min(6000, ((Number) size.get("height")).doubleValue());
            Map<String, Object> shot = driver.executeCdpCommand("Page.captureScreenshot", Map.of("format", "png",
                    "captureBeyondViewport", true, "clip", Map.of("x", 0, "y", 0, "width", width, "height", height, "scale", 1)));
            byte[] png = java.util.Base64.getDecoder().decode((String) shot.get("data"));
            Path target = Path.of("target", "screenshots", name + ".png");
            Files.createDirectories(target.getParent());
            Files.write(target, png);
            String extra = System.getProperty("extfarm.screenshots");
            if (extra != null && !extra.isBlank()) {
                Path copy = Path.of(extra, name + ".png");
                Files.createDirectories(copy.getParent());
                Files.write(copy, png);
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Form controls without an accessible name (label, aria-label, aria-labelledby): should be none. */
    @SuppressWarnings("unchecked")
    List<String> unlabelled() {
        return (List<String>) js("return [...document.querySelectorAll('input:not([type=hidden]), select, textarea, button')]"
                + ".filter(e => e.offsetParent !== null && !e.closest('[aria-hidden=true]'))"
                + ".filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby')"
                + " && !(e.tagName === 'BUTTON' && e.textContent.trim()))"
                + ".map(e => e.outerHTML.slice(0, 120))");
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> timing(String script) {
        return (Map<String, Object>) js(script);
    }

    @Override
    public void close() {
        driver.quit();
    }
}
