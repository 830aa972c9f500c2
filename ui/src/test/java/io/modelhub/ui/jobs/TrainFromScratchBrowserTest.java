package io.modelhub.ui.jobs;

import io.modelhub.runners.testing.ImageFolderDatasetBuilder;
import io.modelhub.runners.testing.ImageFolderDatasetBuilder.Pattern;
import io.modelhub.testing.HubApi;
import io.modelhub.testing.HubServicesResource;
import io.modelhub.testing.JobsApi;
import io.modelhub.testing.RunnerProcess;
import io.modelhub.ui.testing.Browser;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Training from scratch from the browser: a dataset's page opens the launch form ("Train a model") with the recipes
 * that need no base model, here the real runner's image-pretraining, whose architecture parameters ask for the seeds'
 * CNN. The job goes to a runner label no runner has, so it is queued and checked, never trained.
 */
@QuarkusTest
class TrainFromScratchBrowserTest {
    private static final String DATASET = "admin/scratch-marks";
    private static final String NO_RUNNER = "scratch-form-nobody";

    @TestHTTPResource("/")
    URL base;
    Browser browser;

    static RunnerProcess runner;

    @BeforeEach
    void start() throws Exception {
        if (runner == null) {
            Path tmp = Files.createTempDirectory("scratch-form-browser");
            HubApi.dataset("scratch-marks").folder(ImageFolderDatasetBuilder.in(tmp.resolve("marks"))
                    .classes(Pattern.RING, Pattern.CROSS, Pattern.SQUARE)
                    .split("train", 6).split("validation", 3).seed(3).build()).create();
            // the real agent publishes the real recipe schemas (image-pretraining version 3)
            runner = RunnerProcess.start(base.toString().replaceAll("/$", ""), "scratch-form-runner", tmp.resolve("runner"));
            runner.awaitRegistration();
        }
        browser = new Browser(base);
    }

    @AfterEach
    void stop() {
        browser.close();
    }

    @AfterAll
    static void stopRunner() throws Exception {
        if (runner != null) {
            runner.close();
        }
    }

    @Test
    void trainTheSeedsCnnFromTheDatasetPage() {
        browser.signIn(HubServicesResource.ADMIN, HubServicesResource.ADMIN_PASSWORD);
        browser.open("/datasets/" + DATASET);
        browser.click(By.id("train-button"));
        browser.waitUntil(d -> d.getCurrentUrl().endsWith("/train/" + DATASET));
        assertEquals("Train a model on " + DATASET, browser.waitFor(By.id("train-title")).getText());
        choose("recipe", "image-pretraining (");
        browser.waitFor(By.id("param-conv_channels"));
        assertEquals(DATASET, browser.waitFor(By.cssSelector("#dataset input")).getAttribute("value"), "this page's dataset");
        assertEquals("admin/scratch-marks-pretraining", browser.waitFor(By.cssSelector("#output-repo input")).getAttribute("value"));
        assertEquals("same", value("param-padding"), "a choice is a select, at its default");
        assertTrue(browser.driver().findElement(By.id("param-conv_channels")).getText().contains("comma-separated"),
                "a free string is a text field with its help");

        browser.type("param-conv_channels", "32,64");
        browser.type("param-hidden_sizes", "64");
        choose("param-padding", "valid");
        choose("param-head", "flatten");
        choose("param-color_mode", "grayscale");
        browser.type("runner-labels", NO_RUNNER);
        browser.type("output-repo", "admin/scratch-seeds-cnn");
        review();
        String summary = browser.waitFor(By.id("job-summary")).getText();
        assertTrue(summary.contains("\"conv_channels\":\"32,64\"") && summary.contains("\"head\":\"flatten\""), summary);
        browser.click(By.id("submit-job"));
        browser.waitUntil(d -> d.getCurrentUrl().matches(".*/jobs/\\d+$"));
        long id = Long.parseLong(browser.driver().getCurrentUrl().replaceAll(".*/jobs/", ""));
        try {
            JsonPath job = JobsApi.job(id);
            assertEquals("image-pretraining", job.getString("recipe"), job.prettify());
            assertEquals("3", job.getString("recipeVersion"));
            assertNull(job.getString("baseModel"), "no base model");
            assertEquals(DATASET, job.getString("dataset"));
            assertEquals("admin/scratch-seeds-cnn", job.getString("outputRepo"));
            assertEquals("32,64", job.getString("params.conv_channels"));
            assertEquals("64", job.getString("params.hidden_sizes"));
            assertEquals("valid", job.getString("params.padding"));
            assertEquals("flatten", job.getString("params.head"));
            assertEquals("grayscale", job.getString("params.color_mode"));
            assertEquals(3, job.getInt("params.kernel_size"), "untouched parameters keep their defaults");
            assertEquals(true, job.getBoolean("params.batch_norm"));
        } finally {
            HubApi.asAdmin().post("/api/jobs/" + id + "/cancel").then().statusCode(200);
        }
    }

    @Test
    void aValueTheApiRefusesIsShownOnItsFieldAndNothingIsSubmitted() {
        browser.signIn(HubServicesResource.ADMIN, HubServicesResource.ADMIN_PASSWORD);
        browser.open("/train/" + DATASET);
        choose("recipe", "image-pretraining (");
        browser.type("param-conv_channels", "32,64");
        long before = jobCount();
        browser.type("param-kernel_size", "20");
        review();
        browser.waitUntil(d -> d.findElement(By.id("param-kernel_size")).getAttribute("invalid") != null);
        assertEquals("Parameter 'kernel_size' is 20; it must be between 1 and 15", browser.errorMessage("param-kernel_size"));
        assertTrue(browser.driver().findElements(By.id("submit-job")).isEmpty(), "no summary, so nothing to submit");
        // a malformed list is the hub's to refuse too (int_list), not left for the runner to fail the job with
        browser.type("param-kernel_size", "3");
        browser.type("param-conv_channels", "32,x");
        review();
        browser.waitUntil(d -> d.findElement(By.id("param-conv_channels")).getAttribute("invalid") != null);
        assertEquals("Parameter 'conv_channels' must be whole numbers separated by commas, e.g. \"32,64\", got '32,x'",
                browser.errorMessage("param-conv_channels"));
        assertTrue(browser.driver().findElements(By.id("submit-job")).isEmpty(), "no summary, so nothing to submit");
        assertEquals(before, jobCount());
    }

    @Test
    void signedOutGoesToLoginAndAnUnknownDatasetIsNotFound() {
        browser.open("/train/" + DATASET);
        browser.waitUntil(d -> d.getCurrentUrl().contains("/login"));
        browser.signIn(HubServicesResource.ADMIN, HubServicesResource.ADMIN_PASSWORD);
        browser.open("/train/admin/no-such-dataset");
        browser.waitFor(By.xpath("//h2[normalize-space(.)='Not found']"));
        assertTrue(browser.driver().findElements(By.id("recipe")).isEmpty());
    }

    /** Opens a Vaadin select and clicks the item whose label starts with {@code label}. */
    private void choose(String id, String label) {
        WebElement select = browser.waitFor(By.id(id));
        browser.script("arguments[0].scrollIntoView({block: 'center'});", select);
        select.click();
        // the value button holds a copy of the selected item: only the overlay's items are choices
        browser.waitFor(By.xpath("//vaadin-select-item[not(ancestor::vaadin-select-value-button)]"
                + "[starts-with(normalize-space(.), '" + label + "')]")).click();
        browser.waitForVaadin();
        browser.waitUntil(d -> value(id).startsWith(label));
    }

    /** The label a Vaadin select shows. */
    private String value(String id) {
        Object text = browser.script("const v = arguments[0].querySelector('vaadin-select-value-button');"
                + "return (v ? v.textContent : arguments[0].textContent).trim();", browser.driver().findElement(By.id(id)));
        return text == null ? "" : text.toString();
    }

    /** The button sits below a long form: centre it first, so no bar or notification is over it. */
    private void review() {
        WebElement button = browser.waitFor(By.id("review-job"));
        browser.script("arguments[0].scrollIntoView({block: 'center'});", button);
        button.click();
        browser.waitForVaadin();
    }

    private static long jobCount() {
        return Long.parseLong(HubApi.asAdmin().get("/api/jobs?limit=1").then().statusCode(200).extract().header("X-Total-Count"));
    }
}
