package io.modelhub.ui.jobs;

import java.util.EnumSet;
import io.modelhub.jobs.JobState;
import io.modelhub.runners.testing.ImageFolderDatasetBuilder;
import io.modelhub.runners.testing.ImageFolderDatasetBuilder.Pattern;
import io.modelhub.testing.HubApi;
import io.modelhub.testing.JobsApi;
import io.modelhub.testing.HubServicesResource;
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
import java.time.Duration;
import java.util.Map;

import static io.modelhub.testing.JobsApi.submit;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Fine-tuning from the browser against a real runner agent process: the launch form and its validation, the job
 * page following a run through server push (chart points appear without a reload) up to the produced model, and
 * the runners page showing the runner at work.
 */
@QuarkusTest
class FineTuneBrowserTest {
    @TestHTTPResource("/")
    URL base;
    Browser browser;

    static RunnerProcess runner;
    static long runnerId;

    @BeforeEach
    void start() throws Exception {
        if (runner == null) {
            prepare(base.toString().replaceAll("/$", ""));
        }
        browser = new Browser(base);
        browser.signIn(HubServicesResource.ADMIN, HubServicesResource.ADMIN_PASSWORD);
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

    /** Two tiny image datasets, one runner, and a base CNN pre-trained through the API. */
    private static void prepare(String hub) throws Exception {
        Path tmp = Files.createTempDirectory("fine-tune-browser");
        HubApi.dataset("ft-pretrain-shapes").folder(ImageFolderDatasetBuilder.in(tmp.resolve("shapes"))
                .classes(Pattern.HORIZONTAL_STRIPES, Pattern.VERTICAL_STRIPES, Pattern.DISC, Pattern.CHECKERBOARD)
                .split("train", 24).split("validation", 6).split("test", 6).seed(1).build()).create();
        HubApi.dataset("ft-marks").folder(ImageFolderDatasetBuilder.in(tmp.resolve("marks"))
                .classes(Pattern.RING, Pattern.CROSS, Pattern.SQUARE)
                .split("train", 24).split("validation", 6).split("test", 6).seed(2).build()).create();
        runner = RunnerProcess.start(hub, "ui-runner", tmp.resolve("runner"));
        runnerId = runner.awaitRegistration();
        long pretrain = submit(Map.of("recipe", "image-pretraining", "dataset", "admin/ft-pretrain-shapes",
                "outputRepo", "admin/ft-base-cnn", "params", Map.of("epochs", 3)));
        JsonPath done = JobsApi.awaitState(pretrain, EnumSet.of(JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED), 180);
        assertEquals(JobState.SUCCEEDED.wire(), done.getString("state"), done.prettify());
    }

    @Test
    void outOfRangeValuesAreRefusedOnTheirFieldsAndNothingIsSubmitted() {
        long before = jobCount();
        openForm();
        browser.type("param-epochs", "500");
        browser.type("param-learning_rate", "5");
        review();
        browser.waitUntil(d -> d.findElement(By.id("param-epochs")).getAttribute("invalid") != null);
        assertTrue(browser.errorMessage("param-epochs").contains("it must be between 1 and 200"), browser.errorMessage("param-epochs"));
        assertTrue(browser.errorMessage("param-learning_rate").contains("must be between"));
        browser.type("gpus", "65");
        browser.type("param-epochs", "2");
        browser.type("param-learning_rate", "0.003");
        review();
        browser.waitUntil(d -> browser.errorMessage("gpus").contains("GPUs must be between 0 and 64"));
        assertTrue(browser.driver().findElements(By.id("submit-job")).isEmpty(), "no summary, so nothing to submit");
        assertEquals(before, jobCount(), "nothing was submitted");
    }

    @Test
    void launchFromTheModelPageWatchItTrainLiveAndOpenTheProducedModel() {
        openForm();
        assertEquals("admin/ft-marks", browser.waitFor(By.cssSelector("#dataset input")).getAttribute("value"),
                "the first dataset that fits: vision, labelled");
        browser.type("param-epochs", "12");
        browser.type("param-batch_size", "8");
        browser.type("output-repo", "admin/ft-marks-cnn");
        review();
        assertTrue(browser.waitFor(By.id("job-summary")).getText().contains("\"epochs\":12"), browser.waitFor(By.id("job-summary")).getText());
        browser.click(By.id("submit-job"));
        browser.waitUntil(d -> d.getCurrentUrl().matches(".*/jobs/\\d+$"));
        String jobUrl = browser.driver().getCurrentUrl();
        assertTrue(browser.waitFor(By.id("job-spec")).getText().contains("\"epochs\" : 12"), "the submitted spec is shown");

        // Points arrive while it trains, pushed to this page: no reload, the same document throughout.
        browser.script("window.__notReloaded = true;");
        Duration training = Duration.ofSeconds(180);
        int first = browser.waitUntil(d -> {
            int n = points();
            return n > 0 ? n : null;
        }, training);
        browser.waitUntil(d -> points() > first, training);
        browser.waitUntil(d -> d.findElement(By.id("job-state")).getText().startsWith(JobState.SUCCEEDED.wire()), training);
        assertEquals(Boolean.TRUE, browser.script("return window.__notReloaded === true;"), "the page was never reloaded");
        assertEquals(jobUrl, browser.driver().getCurrentUrl());
        assertTrue(browser.driver().findElements(By.cssSelector("#metric-chart circle.point")).size() > 0, "validation metrics drawn");
        browser.waitUntil(d -> d.findElement(By.id("epoch-table")).getText().contains("val_accuracy"));
        browser.waitUntil(d -> d.findElement(By.id("job-logs")).getText().contains("Succeeded: committed admin/ft-marks-cnn"));
        String timeline = browser.driver().findElement(By.id("job-timeline")).getText();
        assertTrue(timeline.indexOf(JobState.QUEUED.wire()) < timeline.indexOf(JobState.RUNNING.wire()) && timeline.indexOf(JobState.RUNNING.wire()) < timeline.indexOf(JobState.SUCCEEDED.wire()), timeline);

        browser.click(By.id("output-model-link"));
        browser.waitUntil(d -> d.getCurrentUrl().endsWith("/admin/ft-marks-cnn"));
        assertEquals("admin/ft-marks-cnn", browser.waitFor(By.id("repo-title")).getText());
        browser.waitUntil(d -> d.findElement(By.id("model-card")).getText().contains("fine-tuned from"));
    }

    @Test
    void runnersPageShowsTheRunnerAtWorkOnItsJob() {
        long job = submit(Map.of("recipe", "image-classification", "baseModel", "admin/ft-base-cnn", "dataset", "admin/ft-marks",
                "outputRepo", "admin/ft-long-run", "params", Map.of("epochs", 200)));
        JobsApi.awaitState(job, EnumSet.complementOf(EnumSet.of(JobState.QUEUED)), 120);
        try {
            browser.open("/runners");
            browser.waitFor(By.id("runner-" + runnerId));
            // looked up afresh at each try: live updates re-render the card while the runner heartbeats
            browser.waitUntil(d -> {
                WebElement card = d.findElement(By.id("runner-" + runnerId));
                return card.getText().contains("ui-runner") && card.findElement(By.className("runner-state")).getText().equals("active");
            });
            browser.waitUntil(d -> d.findElement(By.cssSelector("#runner-" + runnerId + " .runner-job-link")).getText().equals("job " + job));
            browser.waitUntil(d -> d.findElement(By.cssSelector("#runner-" + runnerId + " .runner-utilisation")).getText().contains("CPU"));
        } finally {
            HubApi.asAdmin().post("/api/jobs/" + job + "/cancel").then().statusCode(200);
        }
        // The page follows: once the cancel lands the runner is idle again, without a reload.
        browser.waitUntil(d -> d.findElement(By.cssSelector("#runner-" + runnerId + " .runner-job")).getText().equals("Idle"),
                Duration.ofSeconds(60));
        assertEquals(JobState.CANCELLED.wire(), JobsApi.awaitState(job, EnumSet.of(JobState.CANCELLED, JobState.FAILED, JobState.SUCCEEDED), 60).getString("state"));
    }

    private void openForm() {
        browser.open("/admin/ft-base-cnn");
        browser.click(By.id("fine-tune-button"));
        browser.waitUntil(d -> d.getCurrentUrl().endsWith("/fine-tune/admin/ft-base-cnn"));
        browser.waitFor(By.id("param-epochs"));
    }

    /** The button sits below a long form: centre it first, so no bar or notification is over it. */
    private void review() {
        WebElement button = browser.waitFor(By.id("review-job"));
        browser.script("arguments[0].scrollIntoView({block: 'center'});", button);
        button.click();
        browser.waitForVaadin();
    }

    private int points() {
        return browser.driver().findElements(By.cssSelector("#loss-chart circle.point")).size();
    }

    private static long jobCount() {
        return Long.parseLong(HubApi.asAdmin().get("/api/jobs?limit=1").then().statusCode(200).extract().header("X-Total-Count"));
    }
}
