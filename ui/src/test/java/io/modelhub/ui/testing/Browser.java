package io.modelhub.ui.testing;

import io.modelhub.testing.HubServicesResource;
import io.quarkus.test.common.QuarkusTestResource;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedCondition;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.io.File;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Headless Debian Chromium driven by chromedriver, pointed at the hub under test. The resource annotation
 * gives every @QuarkusTest of this module the real PostgreSQL and S3 server.
 */
@QuarkusTestResource(HubServicesResource.class)
public final class Browser implements AutoCloseable {
    public static final String CHROMIUM = System.getenv().getOrDefault("CHROMIUM_BIN", "/usr/bin/chromium");
    public static final String CHROMEDRIVER = System.getenv().getOrDefault("CHROMEDRIVER_BIN", "/usr/bin/chromedriver");

    private final WebDriver driver;
    private final String base;
    private final Path profile;

    public Browser(URL base) throws IOException {
        this.base = base.toString().endsWith("/") ? base.toString().substring(0, base.toString().length() - 1) : base.toString();
        this.profile = Files.createTempDirectory("modelhub-chromium");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--window-size=1400,1000", "--user-data-dir=" + profile,
                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1, EXCLUDE localhost");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER)).usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
    }

    public WebDriver driver() {
        return driver;
    }

    public void open(String path) {
        driver.get(base + path);
        waitForVaadin();
    }

    public void signIn(String user, String password) {
        open("/login");
        WebElement username = waitFor(By.cssSelector("input[name='username']"));
        username.sendKeys(user);
        WebElement pw = driver.findElement(By.cssSelector("input[name='password']"));
        pw.sendKeys(password);
        pw.sendKeys(Keys.ENTER);
        waitUntil(d -> d.findElements(By.id("current-user")).size() > 0);
    }

    public WebElement waitFor(By by) {
        return new WebDriverWait(driver, Duration.ofSeconds(30)).until(d -> {
            var found = d.findElements(by);
            return found.isEmpty() || !found.get(0).isDisplayed() ? null : found.get(0);
        });
    }

    public <T> T waitUntil(ExpectedCondition<T> condition) {
        return waitUntil(condition, Duration.ofSeconds(30));
    }

    /** Waits for the condition; an element that live updates (server push) replaced meanwhile is looked up again. */
    public <T> T waitUntil(ExpectedCondition<T> condition, Duration timeout) {
        return new WebDriverWait(driver, timeout).ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                .until(condition);
    }

    /** Types into a Vaadin text field (the real input lives inside the component). */
    public void type(String fieldId, String text) {
        WebElement input = new WebDriverWait(driver, Duration.ofSeconds(30)).until(d -> {
            var found = d.findElements(By.cssSelector("#" + fieldId + " input"));
            return found.isEmpty() ? null : found.get(0);
        });
        if (!input.isDisplayed()) {
            // Chromium 156 reports the inputs of a form with an invalid Vaadin field as not displayed (the invalid
            // field's own, and at times its neighbours'), so they take no keys: set the value as typing would, with
            // the events the field and Flow listen to
            script("const f = arguments[0]; f.value = arguments[1]; f.dispatchEvent(new CustomEvent('change', {bubbles: true}));",
                    driver.findElement(By.id(fieldId)), text);
            waitForVaadin();
            return;
        }
        input.clear();
        input.sendKeys(text);
    }

    /**
     * The error message a Vaadin field shows (its errorMessage property), "" when none: read from the component, as
     * Selenium finds an invalid field neither displayed nor with visible text under this Chromium (156).
     */
    public String errorMessage(String fieldId) {
        String message = driver.findElement(By.id(fieldId)).getDomProperty("errorMessage");
        return message == null ? "" : message;
    }

    public void click(By by) {
        waitFor(by).click();
        waitForVaadin();
    }

    public Object script(String js, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(js, args);
    }

    public Object asyncScript(String js, Object... args) {
        return ((JavascriptExecutor) driver).executeAsyncScript(js, args);
    }

    /** Waits until Vaadin has no request in flight. */
    public void waitForVaadin() {
        waitUntil(d -> Boolean.TRUE.equals(((JavascriptExecutor) d).executeScript(
                "if (!window.Vaadin || !window.Vaadin.Flow || !window.Vaadin.Flow.clients) return true;"
                        + "return Object.values(window.Vaadin.Flow.clients).every(c => !c.isActive || !c.isActive());")));
    }

    @Override
    public void close() {
        driver.quit();
        profile.toFile().deleteOnExit();
    }
}
