package io.modelhub.ui.widget;

import io.modelhub.contract.InferenceProtocol;
import io.modelhub.contract.RunnerProtocol;
import io.modelhub.testing.HubApi;
import io.modelhub.testing.HubServicesResource;
import io.modelhub.testing.InferenceModels;
import io.modelhub.testing.RunnerProcess;
import io.modelhub.testing.SimulatedRunner;
import io.modelhub.ui.testing.Browser;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;

import java.awt.Color;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The inference widget of the model page in a real browser: a BERT text classifier whose scores depend on the text,
 * and a modelhub-cnn that tells red from blue ({@link InferenceModels}). First without any serving runner (the
 * widget says so; an empty text gets the API's own refusal), then with a runner played by the test that holds the
 * request (the loading state, then the retry answered), then with a real runner process serving: the labelled
 * scores the widget shows are those the API answers for the same input (text and image classification, fill-mask,
 * an uploaded WAV clip).
 */
@QuarkusTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class InferenceWidgetBrowserTest {
    static final String TEXT = "widget-sentiment";
    static final String IMAGE = "widget-colours";
    static final String SECRET = "widget-secret";
    static final String FILL = "widget-fill-mask";
    static final String SOUND = "widget-sounds";
    static final Duration ANSWER = Duration.ofSeconds(120);

    @TestHTTPResource("/")
    URL base;
    Browser browser;

    static RunnerProcess runner;
    static boolean created;

    @BeforeEach
    void start() throws Exception {
        createModels();
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
    @Order(1)
    void withoutAServingRunnerTheWidgetSaysSoAndAnEmptyTextGetsTheApisRefusal() {
        browser.open("/admin/" + TEXT);
        WebElement widget = browser.waitFor(By.id("inference-widget"));
        assertEquals("text-classification", widget.getAttribute("data-task"));
        List<String> examples = browser.driver().findElements(By.cssSelector("#widget-examples .widget-example"))
                .stream().map(WebElement::getText).toList();
        assertEquals(List.of("Good", "an awful movie"), examples, "the card's widget examples, titled or by their text");

        browser.click(By.xpath("//vaadin-button[contains(@class, 'widget-example') and contains(., 'Good')]"));
        assertEquals("a good movie", text());
        browser.click(By.id("widget-compute"));
        browser.waitUntil(d -> d.findElement(By.id("widget-error")).getText().startsWith("No serving runner online for admin/" + TEXT));

        setText("");
        browser.click(By.id("widget-compute"));
        String refusal = HubApi.as(null).contentType("application/json").body(Map.of("inputs", ""))
                .post("/models/admin/" + TEXT).then().statusCode(400).extract().path("error");
        browser.waitUntil(d -> d.findElement(By.id("widget-error")).getText().equals(refusal));

        // a task the hub does not serve has no widget
        browser.open("/admin/widget-translator");
        browser.waitFor(By.id("repo-title"));
        assertTrue(browser.driver().findElements(By.id("inference-widget")).isEmpty());
    }

    @Test
    @Order(2)
    void whileTheModelLoadsTheWidgetSaysWhereAndAsksAgainUntilAnswered() throws Exception {
        SimulatedRunner loader = SimulatedRunner.register("widget-loader", 0, List.of());
        // a first poll makes it a live serving runner
        poll(loader, List.of(), 0);

        browser.open("/admin/" + IMAGE);
        browser.waitFor(By.id("inference-widget"));
        WebElement external = browser.waitFor(By.xpath("//vaadin-button[contains(@class, 'widget-example') and contains(., 'Elsewhere')]"));
        assertTrue(external.getAttribute("disabled") != null, "a src outside the repository is not fetched");
        browser.click(By.xpath("//vaadin-button[contains(@class, 'widget-example') and contains(., 'Red square')]"));
        browser.waitUntil(d -> d.findElement(By.id("widget-chosen")).getText().startsWith("red.png"));
        assertEquals(1, browser.driver().findElements(By.cssSelector("#widget-preview img")).size());
        browser.click(By.id("widget-compute"));

        // the runner takes the request and does not answer within the widget's wait: the model is "loading" there
        InferenceProtocol.Work first = poll(loader, List.of(), 20).get(0);
        assertEquals("admin/" + IMAGE, first.repo());
        assertArrayEquals(InferenceModels.png(Color.RED), first.data(), "the example's file, sent as the raw body");
        browser.waitUntil(d -> d.findElement(By.id("widget-status")).getText()
                .equals("Model loading on runner widget-loader, about 10 s…"), Duration.ofSeconds(20));

        // the widget asks again; this time the runner answers
        InferenceProtocol.Work retry = poll(loader, List.of(first.id()), 20).get(0);
        assertNotEquals(first.id(), retry.id());
        SimulatedRunner.as(loader.credential()).contentType("application/json")
                .body(InferenceProtocol.Result.ok(List.of(Map.of("label", "red", "score", 0.625), Map.of("label", "blue", "score", 0.375))))
                .post(RunnerProtocol.ROOT + "/" + loader.id() + "/inference/" + retry.id() + "/result").then().statusCode(204);
        browser.waitUntil(d -> d.findElements(By.cssSelector("#widget-results .widget-label")).size() == 2);
        assertEquals(List.of("red 0.625", "blue 0.375"), shownScores().stream().map(s -> s.label + " " + s.score).toList());
        assertTrue(browser.driver().findElement(By.id("widget-latency")).getText().contains("(the model was loading)"));
        assertEquals("", browser.driver().findElement(By.id("widget-status")).getText());
    }

    @Test
    @Order(3)
    void aRealRunnerAnswersTheWidgetAsItAnswersTheApi() throws Exception {
        startServingRunner();
        // the serving loop polls a moment after the runner registers
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Response first;
        do {
            first = HubApi.as(null).contentType("application/json").body(Map.of("inputs", "hello")).post("/models/admin/" + TEXT);
        } while (first.statusCode() == 503 && System.nanoTime() < deadline && pause());
        assertEquals(200, first.statusCode(), first.asString() + "\n" + output());
        browser.open("/admin/" + TEXT);
        browser.waitFor(By.id("inference-widget"));
        setText("a good movie");
        browser.click(By.id("widget-compute"));
        List<Shown> good = awaitScores(List.of());
        assertMatchesApi(good, apiText("a good movie"));
        assertTrue(browser.driver().findElement(By.id("widget-latency")).getText().matches("Computed in \\d+ ms.*"),
                browser.driver().findElement(By.id("widget-latency")).getText());

        setText("an awful movie");
        browser.click(By.id("widget-compute"));
        List<Shown> awful = awaitScores(good);
        assertMatchesApi(awful, apiText("an awful movie"));
        assertNotEquals(good.get(0).score, awful.stream().filter(s -> s.label.equals(good.get(0).label)).findFirst().orElseThrow().score,
                "the widget sends the typed text: another text, other scores");

        // an uploaded image, and the API's answer for the same bytes
        browser.open("/admin/" + IMAGE);
        browser.waitFor(By.id("inference-widget"));
        Path blue = Files.createTempDirectory("widget").resolve("blue.png");
        Files.write(blue, InferenceModels.png(Color.BLUE));
        browser.waitFor(By.id("widget-upload")).getShadowRoot().findElement(By.cssSelector("input[type=file]")).sendKeys(blue.toString());
        browser.waitUntil(d -> d.findElement(By.id("widget-chosen")).getText().startsWith("blue.png"));
        browser.click(By.id("widget-compute"));
        List<Shown> image = awaitScores(List.of());
        JsonPath api = HubApi.as(null).contentType("image/png").body(InferenceModels.png(Color.BLUE)).post("/models/admin/" + IMAGE)
                .then().statusCode(200).extract().jsonPath();
        assertMatchesApi(image, api.getList("label", String.class), api.getList("score", Double.class));
        double high = 1 / (1 + Math.exp(-InferenceModels.COLOUR_HEAD / Math.sqrt(1 + 1e-5)));
        assertEquals("blue", image.get(0).label);
        assertEquals(high, image.get(0).score, 1e-4, "the score the weights give");

        // a private model: the widget runs as the signed-in reader, exactly as the API with their token
        browser.open("/admin/" + SECRET);
        browser.waitFor(By.tagName("h2"));
        assertTrue(browser.driver().findElements(By.id("inference-widget")).isEmpty(), "anonymous: not even the page");
        browser.signIn(HubServicesResource.ADMIN, HubServicesResource.ADMIN_PASSWORD);
        browser.open("/admin/" + SECRET);
        browser.waitFor(By.id("inference-widget"));
        setText("hello");
        browser.click(By.id("widget-compute"));
        List<Shown> secret = awaitScores(List.of());
        JsonPath asOwner = HubApi.asAdmin().contentType("application/json").body(Map.of("inputs", "hello"))
                .post("/models/admin/" + SECRET).then().statusCode(200).extract().jsonPath();
        assertMatchesApi(secret, asOwner.getList("[0].label", String.class), asOwner.getList("[0].score", Double.class));
    }

    @Test
    @Order(4)
    void theFillMaskAndAudioWidgetsShowTheApisAnswers() throws Exception {
        startServingRunner();
        browser.open("/admin/" + FILL);
        WebElement widget = browser.waitFor(By.id("inference-widget"));
        assertEquals("fill-mask", widget.getAttribute("data-task"));
        browser.click(By.xpath("//vaadin-button[contains(@class, 'widget-example') and contains(., 'a [MASK] movie')]"));
        assertEquals("a [MASK] movie", text());
        browser.click(By.id("widget-compute"));
        List<Shown> filled = awaitScores(List.of());
        JsonPath api = HubApi.as(null).contentType("application/json").body(Map.of("inputs", "a [MASK] movie"))
                .post("/models/admin/" + FILL).then().statusCode(200).extract().jsonPath();
        assertMatchesApi(filled, api.getList("token_str", String.class), api.getList("score", Double.class));
        // the head's bias alone: ln 3 for "good", 0 for every other token
        assertEquals("good", filled.get(0).label());
        assertEquals(3 * filled.get(1).score(), filled.get(0).score(), 1e-6);

        browser.open("/admin/" + SOUND);
        assertEquals("audio-classification", browser.waitFor(By.id("inference-widget")).getAttribute("data-task"));
        byte[] tone = InferenceModels.wav(16_000, 8_000);
        Path clip = Files.createTempDirectory("widget").resolve("tone.wav");
        Files.write(clip, tone);
        browser.waitFor(By.id("widget-upload")).getShadowRoot().findElement(By.cssSelector("input[type=file]"))
                .sendKeys(clip.toString());
        browser.waitUntil(d -> d.findElement(By.id("widget-chosen")).getText().startsWith("tone.wav"));
        assertEquals(1, browser.driver().findElements(By.cssSelector("#widget-preview audio")).size());
        browser.click(By.id("widget-compute"));
        List<Shown> heard = awaitScores(List.of());
        JsonPath sound = HubApi.as(null).contentType("audio/wav").body(tone).post("/models/admin/" + SOUND)
                .then().statusCode(200).extract().jsonPath();
        assertMatchesApi(heard, sound.getList("label", String.class), sound.getList("score", Double.class));
        assertEquals(List.of(new Shown("yes", 0.75), new Shown("no", 0.25)), heard.stream()
                .map(s -> new Shown(s.label(), Math.round(s.score() * 1e6) / 1e6)).toList(), "the head's bias alone");
    }

    // ---- the page ----

    record Shown(String label, double score) {
    }

    private String text() {
        return browser.waitFor(By.id("widget-text")).getDomProperty("value");
    }

    private void setText(String value) {
        WebElement area = browser.waitFor(By.cssSelector("#widget-text textarea"));
        area.sendKeys(Keys.chord(Keys.CONTROL, "a"), Keys.DELETE);
        if (!value.isEmpty()) {
            area.sendKeys(value);
        }
        // the value reaches the server on change
        area.sendKeys(Keys.TAB);
        browser.waitForVaadin();
        assertEquals(value, text());
    }

    /** The scores shown once they differ from {@code before} (an answer to this Compute, not the last one). */
    private List<Shown> awaitScores(List<Shown> before) {
        return browser.waitUntil(d -> {
            List<Shown> now = shownScores();
            String error = d.findElement(By.id("widget-error")).getText();
            assertEquals("", error, "the widget showed an error" + (runner == null ? "" : "\n" + output()));
            return !now.isEmpty() && !now.equals(before) ? now : null;
        }, ANSWER);
    }

    private List<Shown> shownScores() {
        return browser.driver().findElements(By.cssSelector("#widget-results .widget-label")).stream()
                .map(e -> new Shown(e.getAttribute("data-label"), Double.parseDouble(e.getAttribute("data-score")))).toList();
    }

    private static void assertMatchesApi(List<Shown> shown, JsonPath api) {
        assertMatchesApi(shown, api.getList("[0].label", String.class), api.getList("[0].score", Double.class));
    }

    private static void assertMatchesApi(List<Shown> shown, List<String> labels, List<Double> scores) {
        assertEquals(labels, shown.stream().map(Shown::label).toList(), "labels in the API's order");
        for (int i = 0; i < scores.size(); i++) {
            assertEquals(scores.get(i), shown.get(i).score(), 1e-6, "score of " + labels.get(i));
        }
    }

    private static JsonPath apiText(String text) {
        return HubApi.as(null).contentType("application/json").body(Map.of("inputs", text)).post("/models/admin/" + TEXT)
                .then().statusCode(200).extract().jsonPath();
    }

    // ---- the runners ----

    private static List<InferenceProtocol.Work> poll(SimulatedRunner runner, List<String> inFlight, int waitSeconds) {
        Response r = SimulatedRunner.as(runner.credential()).contentType("application/json")
                .body(new InferenceProtocol.Poll(List.of(), 1L << 30, inFlight, 1))
                .post(RunnerProtocol.ROOT + "/" + runner.id() + "/inference/next?" + RunnerProtocol.WAIT + "=" + waitSeconds);
        if (r.statusCode() == 204) {
            return List.of();
        }
        assertEquals(200, r.statusCode(), r.asString());
        return Arrays.asList(r.as(InferenceProtocol.Work[].class));
    }

    private void startServingRunner() throws Exception {
        if (runner == null) {
            Path work = Files.createTempDirectory("widget-runner");
            runner = RunnerProcess.start(base.toString().replaceAll("/$", ""), "widget-serving", work,
                    HubApi.issueRunnerCredential("widget-serving"), Map.of(InferenceProtocol.SERVE_ENV, "1"));
            runner.awaitRegistration();
        }
    }

    private static boolean pause() {
        try {
            Thread.sleep(200);
            return true;
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String output() {
        try {
            return runner.output();
        } catch (java.io.IOException e) {
            return "(no runner output: " + e.getMessage() + ")";
        }
    }

    // ---- the models ----

    private static synchronized void createModels() {
        if (created) {
            return;
        }
        InferenceModels.bertClassifier(TEXT, true)
                .file("README.md", HubApi.readme("""
                        pipeline_tag: text-classification
                        widget:
                        - text: a good movie
                          example_title: Good
                        - text: an awful movie""", "# A sentiment classifier\n"))
                .create();
        InferenceModels.bertClassifier(SECRET, true).privateRepo()
                .file("README.md", HubApi.readme("pipeline_tag: text-classification", "# Private\n")).create();
        InferenceModels.colourClassifier(IMAGE)
                .file("samples/red.png", InferenceModels.png(Color.RED))
                .file("README.md", HubApi.readme("""
                        pipeline_tag: image-classification
                        widget:
                        - src: samples/red.png
                          example_title: Red square
                        - src: https://example.com/cat.jpg
                          example_title: Elsewhere""", "# Red or blue\n"))
                .create();
        InferenceModels.fillMask(FILL)
                .file("README.md", HubApi.readme("""
                        pipeline_tag: fill-mask
                        widget:
                        - text: a [MASK] movie""", "# Fills a mask\n"))
                .create();
        InferenceModels.audioClassifier(SOUND)
                .file("README.md", HubApi.readme("pipeline_tag: audio-classification", "# Yes or no\n")).create();
        HubApi.model("widget-translator").file("README.md", HubApi.readme("pipeline_tag: translation", "# Not served\n")).create();
        created = true;
    }
}
