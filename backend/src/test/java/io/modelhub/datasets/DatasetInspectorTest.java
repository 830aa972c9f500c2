package io.modelhub.datasets;

import io.modelhub.testing.HubApi;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The schema detected at commit time, as the dataset's API info (and page) show it. */
@QuarkusTest
class DatasetInspectorTest {

    private static JsonPath schema(String name) {
        return HubApi.asAdmin().get("/api/datasets/admin/" + name).then().statusCode(200).extract().jsonPath();
    }

    @Test
    void csvWithTextAndLabelColumns() {
        HubApi.dataset("schema-csv").file("train.csv", "text,label\n\"Great, really great\",pos\nAwful,neg\nFine,pos\n")
                .file("test.csv", "text,label\nBad,neg\nGood,pos\n").create();
        JsonPath s = schema("schema-csv");
        assertEquals("csv", s.getString("datasetSchema.format"));
        assertEquals("text", s.getString("datasetSchema.modality"));
        assertEquals(Map.of("train", 3, "test", 2), s.getMap("datasetSchema.splits"));
        assertEquals(List.of("neg", "pos"), s.getList("datasetSchema.labels"));
        assertEquals(List.of("text", "label"), s.getList("datasetSchema.columns"));
        assertEquals("label", s.getString("datasetSchema.labelColumn"));
    }

    @Test
    void jsonlInHfDataFolderNaming() {
        HubApi.dataset("schema-jsonl").file("data/train-00000-of-00001.jsonl",
                "{\"sentence\":\"a\",\"label\":1}\n{\"sentence\":\"b\",\"label\":0}\n")
                .file("data/validation-00000-of-00001.jsonl", "{\"sentence\":\"c\",\"label\":1}\n").create();
        JsonPath s = schema("schema-jsonl");
        assertEquals("jsonl", s.getString("datasetSchema.format"));
        assertEquals(Map.of("train", 2, "validation", 1), s.getMap("datasetSchema.splits"));
        assertEquals("sentence", s.getString("datasetSchema.textColumn"));
        assertEquals(List.of("0", "1"), s.getList("datasetSchema.labels"));
    }

    @Test
    void imageAndAudioFoldersAndPairs() {
        HubApi.dataset("schema-images").file("train/cat/1.png", new byte[]{1}).file("train/dog/2.png", new byte[]{2})
                .file("val/cat/3.png", new byte[]{3}).create();
        JsonPath images = schema("schema-images");
        assertEquals("imagefolder", images.getString("datasetSchema.format"));
        assertEquals("vision", images.getString("datasetSchema.modality"));
        assertEquals(Map.of("train", 2, "validation", 1), images.getMap("datasetSchema.splits"));
        assertEquals(List.of("cat", "dog"), images.getList("datasetSchema.labels"));

        HubApi.dataset("schema-audio").file("train/yes/1.wav", new byte[]{1}).file("train/no/2.wav", new byte[]{2}).create();
        assertEquals("audiofolder", schema("schema-audio").getString("datasetSchema.format"));
        assertEquals("audio", schema("schema-audio").getString("datasetSchema.modality"));

        HubApi.dataset("schema-data-folder").file("data/train/yes/1.wav", new byte[]{1})
                .file("data/train/no/2.wave", new byte[]{2}).file("data/test/no/3.wav", new byte[]{3}).create();
        JsonPath below = schema("schema-data-folder");
        assertEquals(Map.of("train", 2, "test", 1), below.getMap("datasetSchema.splits"));
        assertEquals(List.of("no", "yes"), below.getList("datasetSchema.labels"));

        HubApi.dataset("schema-pairs").file("train/1.png", new byte[]{1}).file("train/2.png", new byte[]{2})
                .file("train/metadata.csv", "file_name,caption\n1.png,a red disc\n2.png,a blue ring\n").create();
        JsonPath pairs = schema("schema-pairs");
        assertEquals("paired", pairs.getString("datasetSchema.format"));
        assertEquals("caption", pairs.getString("datasetSchema.textColumn"));
        assertEquals(Map.of("train", 2), pairs.getMap("datasetSchema.splits"));

        // image-audio pairs: two columns naming files, no text
        HubApi.dataset("schema-image-audio").file("train/img/1.png", new byte[]{1}).file("train/snd/1.wav", new byte[]{2})
                .file("validation/img/2.png", new byte[]{1}).file("validation/snd/2.wav", new byte[]{2})
                .file("train/metadata.csv", "image_file_name,audio_file_name\nimg/1.png,snd/1.wav\n")
                .file("validation/metadata.csv", "image_file_name,audio_file_name\nimg/2.png,snd/2.wav\n").create();
        JsonPath imageAudio = schema("schema-image-audio");
        assertEquals("paired", imageAudio.getString("datasetSchema.format"));
        assertEquals("multimodal", imageAudio.getString("datasetSchema.modality"));
        assertEquals(Map.of("train", 1, "validation", 1), imageAudio.getMap("datasetSchema.splits"));
    }
}
