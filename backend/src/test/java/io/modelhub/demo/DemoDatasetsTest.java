package io.modelhub.demo;

import io.modelhub.testing.HubApi;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.io.ByteArrayInputStream;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The demo datasets as the hub sees them once published: the schema the job validation relies on (layout,
 * modality, labels, splits), readable media, and the card naming source and licence. Training on them is what
 * DemoCatalogIT covers, through the packaged server and its local runner.
 */
@QuarkusTest
class DemoDatasetsTest {
    private static final DemoDataset.Sizes SMALL = new DemoDataset.Sizes(5, 2, 3);

    @Inject
    DemoCatalog catalog;

    private JsonPath published(DemoDataset dataset) {
        catalog.publish(catalog.demoViewer(), dataset);
        return HubApi.asAdmin().get("/api/datasets/demo/" + dataset.name()).then().statusCode(200).extract().jsonPath();
    }

    @Test
    void shapesAreAnImageFolderWithFourLabels() throws Exception {
        DemoDataset shapes = ShapeImages.generate("test-shapes", 7, SMALL);
        JsonPath info = published(shapes);
        assertEquals("imagefolder", info.getString("datasetSchema.format"));
        assertEquals("vision", info.getString("datasetSchema.modality"));
        assertEquals(ShapeImages.LABELS, info.getList("datasetSchema.labels"));
        assertEquals(Map.of("train", 20, "validation", 8, "test", 12), info.getMap("datasetSchema.splits"));
        BufferedImage image = ImageIO.read(new ByteArrayInputStream(shapes.files().get("train/circle/circle-0000.png")));
        assertEquals(ShapeImages.SIZE, image.getWidth());
        assertEquals("cc0-1.0", info.getString("cardData.license"));
        assertTrue(info.getList("cardData.tags").containsAll(List.of("demo", "synthetic")));
    }

    @Test
    void topicsAreCsvTablesWithTextAndLabel() {
        JsonPath info = published(TopicSentences.generate("test-topics", 7, SMALL));
        assertEquals("csv", info.getString("datasetSchema.format"));
        assertEquals("text", info.getString("datasetSchema.modality"));
        assertEquals(TopicSentences.LABELS, info.getList("datasetSchema.labels"));
        assertEquals("text", info.getString("datasetSchema.textColumn"));
        assertEquals("label", info.getString("datasetSchema.labelColumn"));
        assertEquals(Map.of("train", 20, "validation", 8, "test", 12), info.getMap("datasetSchema.splits"));
    }

    @Test
    void tonesAreAnAudioFolderOfPcmWavs() {
        DemoDataset tones = ToneClips.generate("test-tones", 7, SMALL);
        JsonPath info = published(tones);
        assertEquals("audiofolder", info.getString("datasetSchema.format"));
        assertEquals("audio", info.getString("datasetSchema.modality"));
        assertEquals(ToneClips.LABELS, info.getList("datasetSchema.labels"));
        byte[] wav = tones.files().get("train/low-tone/low-tone-0000.wav");
        ByteBuffer header = ByteBuffer.wrap(wav).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals("RIFF", new String(wav, 0, 4, java.nio.charset.StandardCharsets.US_ASCII));
        assertEquals(16_000, header.getInt(24), "sample rate");
        assertEquals(wav.length - 44, header.getInt(40), "data chunk size");
    }

    @Test
    void captionedShapesArePairsAndTheirCaptionsATextTable() {
        DemoDataset pairs = CaptionedShapes.pairs("test-captioned-shapes", 7, SMALL);
        JsonPath info = published(pairs);
        assertEquals("paired", info.getString("datasetSchema.format"));
        assertEquals("multimodal", info.getString("datasetSchema.modality"));
        assertEquals("text", info.getString("datasetSchema.textColumn"));
        assertEquals(Map.of("train", 5, "validation", 2, "test", 3), info.getMap("datasetSchema.splits"));
        String metadata = new String(pairs.files().get("train/metadata.csv"), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(metadata.startsWith("file_name,text\n0000.png,a "), metadata);

        DemoDataset captions = CaptionedShapes.captions("test-shape-captions", 7, SMALL);
        JsonPath text = published(captions);
        assertEquals("text", text.getString("datasetSchema.modality"));
        // the same seed draws the same captions, so the caption encoder knows every word of the pairs
        String trainCaptions = new String(captions.files().get("train.csv"), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(metadata.lines().skip(1).map(l -> l.substring(l.indexOf(',') + 1)).toList(),
                trainCaptions.lines().skip(1).toList());
    }

    @Test
    void crossModalDemoModelWaitsForBothTowers() {
        DemoCatalog.DemoModel clip = DemoCatalog.models().stream().filter(m -> m.recipe().equals("cross-modal-alignment"))
                .findFirst().orElseThrow();
        assertEquals(List.of("shape-captions-text-encoder", "shapes-cnn"), clip.inputs());
        List<String> order = DemoCatalog.models().stream().map(DemoCatalog.DemoModel::output).toList();
        assertTrue(order.indexOf("captioned-shapes-clip") > order.indexOf("shapes-cnn")
                && order.indexOf("captioned-shapes-clip") > order.indexOf("shape-captions-text-encoder"), order.toString());
    }

    @Test
    void generationIsDeterministicPerSeed() {
        assertArrayEquals(ToneClips.generate("a", 3, SMALL).files().get("test/noise/noise-0001.wav"),
                ToneClips.generate("b", 3, SMALL).files().get("test/noise/noise-0001.wav"));
        assertNotEquals(TopicSentences.generate("a", 3, SMALL).files().get("train.csv").length,
                TopicSentences.generate("a", 4, new DemoDataset.Sizes(6, 2, 3)).files().get("train.csv").length);
    }
}
