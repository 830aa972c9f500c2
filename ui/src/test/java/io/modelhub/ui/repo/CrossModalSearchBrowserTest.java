package io.modelhub.ui.repo;

import io.modelhub.testing.HubApi;
import io.modelhub.testing.Safetensors;
import io.modelhub.testing.TokenizerJson;
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
 * colour and shape, so the expected ranking is known. Without a text tower the hub can run, a caption finds the
 * matching images ranked first, a caption the index does not hold is searched as the closest one and the page says
 * why, and clicking an image lists its best captions. With a hand-set modelhub-text tower (its embeddings put each
 * colour and shape word on the index's axes, its transformer layer adds nothing), free text the index never held is
 * embedded and ranked.
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
        createModel("xmodal-dual", false);

        browser.open("/admin/xmodal-dual");
        browser.click(By.xpath("//vaadin-tab[contains(., 'Search')]"));
        browser.type("crossmodal-query", "a red circle");
        browser.click(By.id("crossmodal-search"));
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
        assertEquals("Searched as “a red circle”, the same text in the index: the hub cannot encode free text with this "
                + "model (the model has no tokenizer.json)", browser.driver().findElement(By.id("crossmodal-searched-as")).getText());

        // a caption the index does not hold is searched as the closest one, and says so
        browser.type("crossmodal-query", "Red  SQUARE");
        browser.click(By.id("crossmodal-search"));
        browser.waitUntil(d -> d.findElement(By.id("crossmodal-searched-as")).getText().contains("a red square"));
        browser.waitUntil(d -> "train/3.png".equals(d.findElements(By.cssSelector("#crossmodal-results .crossmodal-hit")).get(0).getAttribute("data-item")));
        assertTrue(browser.driver().findElement(By.id("crossmodal-searched-as")).getText().contains("closest text in the index"));

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

    @Test
    void freeTextIsEmbeddedByTheModelsTextTower() throws Exception {
        createModel("xmodal-dual-text", true);
        browser.open("/admin/xmodal-dual-text");
        browser.click(By.xpath("//vaadin-tab[contains(., 'Search')]"));

        // no caption says this; "the" and "?" are not in the vocabulary ([UNK], embedded as zeros)
        browser.type("crossmodal-query", "The BLUE circle?");
        browser.click(By.id("crossmodal-search"));
        browser.waitUntil(d -> d.findElements(By.cssSelector("#crossmodal-results .crossmodal-hit")).size() == PAIRS.length);
        assertEquals("Searched as “The BLUE circle?”, embedded by the model's text tower",
                browser.driver().findElement(By.id("crossmodal-searched-as")).getText());
        List<WebElement> hits = browser.driver().findElements(By.cssSelector("#crossmodal-results .crossmodal-hit"));
        assertEquals("train/4.png", hits.get(0).getAttribute("data-item"), "the blue circle first");
        assertTrue(hits.get(0).getText().contains("#1 · 1.000"), hits.get(0).getText());

        // one word: the two red images at cos 45° (0.707), then the rest at 0; nearest-caption search would have
        // answered one caption's images at 1.000
        browser.type("crossmodal-query", "anything red");
        browser.click(By.id("crossmodal-search"));
        browser.waitUntil(d -> d.findElement(By.id("crossmodal-searched-as")).getText().contains("anything red"));
        browser.waitUntil(d -> d.findElements(By.cssSelector("#crossmodal-results .crossmodal-hit")).get(0).getText().contains("0.707"));
        hits = browser.driver().findElements(By.cssSelector("#crossmodal-results .crossmodal-hit"));
        assertEquals(java.util.Set.of("train/0.png", "train/3.png"),
                java.util.Set.of(hits.get(0).getAttribute("data-item"), hits.get(1).getAttribute("data-item")));
        assertTrue(hits.get(1).getText().contains("#2 · 0.707"), hits.get(1).getText());
        assertTrue(hits.get(2).getText().contains("#3 · 0.000"), hits.get(2).getText());
    }

    /** The shapes dataset (once) and a dual encoder over it, with a runnable text tower or without one. */
    static void createModel(String name, boolean withTextTower) throws Exception {
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
                        + "\"tower_a\":{\"modality\":\"text\",\"column\":\"text\"" + (withTextTower ? ",\"config\":" + TEXT_CONFIG : "")
                        + "},\"tower_b\":{\"modality\":\"vision\",\"column\":\"file_name\"}}")
                .file("index/items.jsonl", items.toString())
                .file("index/prompts.jsonl", "{\"label\":\"red\",\"prompt\":\"a red shape\"}\n"
                        + "{\"label\":\"green\",\"prompt\":\"a green shape\"}\n{\"label\":\"blue\",\"prompt\":\"a blue shape\"}\n")
                .file("index/embeddings.safetensors", safetensors(embeddings, PAIRS.length, 6));
        if (withTextTower) {
            List<String> words = new java.util.ArrayList<>(List.of("a"));
            words.addAll(List.of(COLOURS));
            words.addAll(List.of(SHAPES));
            model.file("tokenizer.json", TokenizerJson.wordLevel(words)).file("model.safetensors", textTower(words));
        }
        model.create();
    }

    static boolean datasetCreated;
    static final int HIDDEN = 8;
    static final String TEXT_CONFIG = "{\"model_type\":\"modelhub-text\",\"vocab_size\":12,\"hidden_size\":8,"
            + "\"num_hidden_layers\":1,\"num_attention_heads\":1,\"intermediate_size\":2,\"max_position_embeddings\":16}";

    /**
     * A one-layer modelhub-text tower whose layer adds zero (zero output weights) and whose position embeddings are
     * zero, so a text's features are the mean of layer-normed word embeddings: colour c is e_c - e_6 and shape s is
     * e_(3+s) - e_7 (zero mean, so layer norm only scales them), every other token 0. projection_a keeps dimensions
     * 0-5: "blue circle" embeds exactly as the index's blue circle. A vision tower tensor is there and stays unread.
     */
    static byte[] textTower(List<String> words) {
        float[] wordEmbeddings = new float[12 * HIDDEN];
        for (int c = 0; c < 3; c++) {
            int id = 5 + words.indexOf(COLOURS[c]);
            wordEmbeddings[id * HIDDEN + c] = 1;
            wordEmbeddings[id * HIDDEN + 6] = -1;
            int shape = 5 + words.indexOf(SHAPES[c]);
            wordEmbeddings[shape * HIDDEN + 3 + c] = 1;
            wordEmbeddings[shape * HIDDEN + 7] = -1;
        }
        float[] ones = new float[HIDDEN];
        java.util.Arrays.fill(ones, 1);
        float[] projection = new float[6 * HIDDEN];
        for (int d = 0; d < 6; d++) {
            projection[d * HIDDEN + d] = 1;
        }
        String p = "tower_a.encoder.layers.0.";
        Safetensors file = Safetensors.builder()
                .f32("tower_a.embeddings.word_embeddings.weight", wordEmbeddings, 12, HIDDEN)
                .tensor("tower_b.backbone.conv0.weight", "F32", 4, 3, 3, 3)
                .f32("tower_a.embeddings.position_embeddings.weight", new float[16 * HIDDEN], 16, HIDDEN);
        for (String norm : List.of("attention_norm", "ffn_norm")) {
            file.f32(p + norm + ".weight", ones, HIDDEN).f32(p + norm + ".bias", new float[HIDDEN], HIDDEN);
        }
        for (String proj : List.of("query", "key", "value", "output")) {
            file.tensor(p + "attention." + proj + ".weight", "F32", HIDDEN, HIDDEN).tensor(p + "attention." + proj + ".bias", "F32", HIDDEN);
        }
        file.tensor(p + "ffn.intermediate.weight", "F32", 2, HIDDEN).tensor(p + "ffn.intermediate.bias", "F32", 2)
                .tensor(p + "ffn.output.weight", "F32", HIDDEN, 2).tensor(p + "ffn.output.bias", "F32", HIDDEN)
                .f32("tower_a.encoder.final_norm.weight", ones, HIDDEN).f32("tower_a.encoder.final_norm.bias", new float[HIDDEN], HIDDEN)
                .f32("projection_a.weight", projection, 6, HIDDEN)
                .tensor("projection_b.weight", "F32", 6, 4)
                .f32("logit_scale", new float[] {2.302585f}, 1);
        return file.build();
    }

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
