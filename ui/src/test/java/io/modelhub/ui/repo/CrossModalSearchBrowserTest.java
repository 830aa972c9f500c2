package io.modelhub.ui.repo;

import io.modelhub.testing.HubApi;
import io.modelhub.ui.testing.Browser;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The search tab of a dual encoder, in a real browser. The model's embedding index is written here in the layout the
 * cross-modal recipe commits (index/embeddings.safetensors "a"/"b", index/items.jsonl), with embeddings that encode
 * colour and shape, so the expected ranking is known: the first caption's matching images come ranked first, a typed
 * text without a serving runner gets the runner's absence named, and clicking an image lists its best captions and
 * zero-shot labels. Typed texts embedded by a real runner: backend CrossModalEndToEndTest.
 */
@QuarkusTest
class CrossModalSearchBrowserTest {
    static final String[] COLOURS = {"red", "green", "blue"};
    static final String[] SHAPES = {"circle", "square", "triangle"};
    static final String[][] PAIRS = {{"red", "circle"}, {"blue", "square"}, {"green", "triangle"}, {"red", "square"},
            {"blue", "circle"}, {"green", "circle"}};

    @TestHTTPResource("/")
    URL base;
    Browser browser;

    @BeforeEach
    void start() throws Exception {
        browser = new Browser(base);
    }

    @AfterEach
    void stop() {
        browser.close();
    }

    @Test
    void aCaptionFindsItsImagesRanked() throws Exception {
        createModel("xmodal-dual");

        // before a text is typed, the first indexed caption's images, ranked from the index alone
        browser.open("/admin/xmodal-dual");
        browser.click(By.xpath("//vaadin-tab[contains(., 'Search')]"));
        browser.waitUntil(d -> d.findElements(By.cssSelector("#crossmodal-results .crossmodal-hit")).size() == PAIRS.length);
        List<WebElement> hits = browser.driver().findElements(By.cssSelector("#crossmodal-results .crossmodal-hit"));
        assertEquals("train/0.png", hits.get(0).getAttribute("data-item"), "the red circle first");
        assertTrue(hits.get(0).getText().contains("#1 · 1.000") && hits.get(0).getText().contains("a red circle"), hits.get(0).getText());
        // then the images sharing colour or shape (score 0.5), then the rest (0)
        for (int r = 1; r < 4; r++) {
            assertTrue(hits.get(r).getText().contains(String.format(Locale.ROOT, "#%d · 0.500", r + 1)), hits.get(r).getText());
        }
        assertTrue(hits.get(5).getText().contains("0.000"), hits.get(5).getText());
        assertTrue(browser.driver().findElements(By.cssSelector("#crossmodal-results img")).size() == PAIRS.length);
        assertEquals("Showing the items that match the indexed caption “a red circle”",
                browser.driver().findElement(By.id("crossmodal-searched-as")).getText());

        // a typed text needs the model's text tower on a serving runner (CrossModalEndToEndTest runs one): without
        // one the page says so, and the items stay
        browser.type("crossmodal-query", "Red  SQUARE");
        browser.click(By.id("crossmodal-search"));
        browser.waitUntil(d -> d.findElement(By.id("crossmodal-error")).getText().contains("No serving runner online"));
        assertEquals(PAIRS.length, browser.driver().findElements(By.cssSelector("#crossmodal-results .crossmodal-hit")).size());

        // an image's best captions
        browser.click(By.cssSelector("#crossmodal-results .crossmodal-hit[data-item='train/1.png']"));
        browser.waitUntil(d -> !d.findElements(By.cssSelector("#crossmodal-item-results .crossmodal-text-hit")).isEmpty());
        List<WebElement> captions = browser.driver().findElements(By.cssSelector("#crossmodal-item-results .crossmodal-text-hit"));
        assertTrue(captions.get(0).getText().endsWith("a blue square"), captions.get(0).getText());
        // and its zero-shot label: the prompt embeddings are the colours, at the model's scale (10)
        List<WebElement> zeroShot = browser.driver().findElements(By.cssSelector("#crossmodal-item-results .crossmodal-zero-shot"));
        assertEquals(3, zeroShot.size());
        assertTrue(zeroShot.get(0).getText().startsWith("blue · 99.8 %"), zeroShot.get(0).getText());
    }

    /** The shapes dataset (once) and a dual encoder over it (its index only: no weights, nothing to run). */
    static void createModel(String name) throws Exception {
        if (!datasetCreated) {
            createDataset();
            datasetCreated = true;
        }
        StringBuilder items = new StringBuilder();
        float[] embeddings = new float[PAIRS.length * 6];
        for (int i = 0; i < PAIRS.length; i++) {
            String caption = "a " + PAIRS[i][0] + " " + PAIRS[i][1];
            items.append("{\"split\":\"train\",\"a\":\"").append(caption).append("\",\"b\":\"train/").append(i).append(".png\"}\n");
            embeddings[i * 6 + List.of(COLOURS).indexOf(PAIRS[i][0])] = (float) Math.sqrt(0.5);
            embeddings[i * 6 + 3 + List.of(SHAPES).indexOf(PAIRS[i][1])] = (float) Math.sqrt(0.5);
        }
        HubApi.RepoBuilder model = HubApi.model(name)
                .file("README.md", "---\ndatasets:\n- admin/xmodal-shapes\n---\n# A dual encoder\n")
                .file("config.json", "{\"architectures\":[\"ModelHubMultimodalDualEncoder\"],\"model_type\":\"modelhub-dual-encoder\","
                        + "\"modalities\":[\"text\",\"vision\"],\"projection_size\":6,\"logit_scale\":2.302585,"
                        + "\"tower_a\":{\"modality\":\"text\",\"column\":\"text\""
                        + "},\"tower_b\":{\"modality\":\"vision\",\"column\":\"file_name\"}}")
                .file("index/items.jsonl", items.toString())
                .file("index/prompts.jsonl", "{\"label\":\"red\",\"prompt\":\"a red shape\"}\n"
                        + "{\"label\":\"green\",\"prompt\":\"a green shape\"}\n{\"label\":\"blue\",\"prompt\":\"a blue shape\"}\n")
                .file("index/embeddings.safetensors", safetensors(embeddings, PAIRS.length, 6));
        model.create();
    }

    static boolean datasetCreated;
    static void createDataset() throws Exception {
        HubApi.RepoBuilder dataset = HubApi.dataset("xmodal-shapes");
        StringBuilder metadata = new StringBuilder("file_name,text\n");
        for (int i = 0; i < PAIRS.length; i++) {
            dataset.file("train/" + i + ".png", png(PAIRS[i][0], PAIRS[i][1]));
            metadata.append(i).append(".png,a ").append(PAIRS[i][0]).append(' ').append(PAIRS[i][1]).append('\n');
        }
        dataset.file("train/metadata.csv", metadata.toString()).create();
    }

    static byte[] png(String colour, String shape) throws IOException {
        BufferedImage image = new BufferedImage(16, 16, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setColor(colour.equals("red") ? Color.RED : colour.equals("green") ? Color.GREEN : Color.BLUE);
        switch (shape) {
            case "circle" -> g.fillOval(2, 2, 12, 12);
            case "square" -> g.fillRect(2, 2, 12, 12);
            default -> g.fillPolygon(new int[]{2, 8, 14}, new int[]{14, 2, 14}, 3);
        }
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(image, "png", out);
        return out.toByteArray();
    }

    /**
     * "a" and "b" with the same (n, d) F32 values (image and caption of a pair embed alike), and "prompts": the
     * three colour axes.
     */
    static byte[] safetensors(float[] values, int n, int d) {
        int bytes = values.length * 4;
        float[] prompts = new float[3 * d];
        for (int c = 0; c < 3; c++) {
            prompts[c * d + c] = 1;
        }
        String header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[" + n + "," + d + "],\"data_offsets\":[0," + bytes + "]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[" + n + "," + d + "],\"data_offsets\":[" + bytes + "," + 2 * bytes + "]},"
                + "\"prompts\":{\"dtype\":\"F32\",\"shape\":[3," + d + "],\"data_offsets\":[" + 2 * bytes + ","
                + (2 * bytes + prompts.length * 4) + "]}}";
        while (header.length() % 8 != 0) {
            header += " ";
        }
        byte[] h = header.getBytes(StandardCharsets.US_ASCII);
        ByteBuffer buffer = ByteBuffer.allocate(8 + h.length + 2 * bytes + prompts.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putLong(h.length).put(h);
        for (int copy = 0; copy < 2; copy++) {
            for (float v : values) {
                buffer.putFloat(v);
            }
        }
        for (float v : prompts) {
            buffer.putFloat(v);
        }
        return buffer.array();
    }
}
