package io.modelhub.storage.datasets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The shared rules on path lists; gpu-runners' DatasetLayoutAgreementTest holds the runners' loaders to them. */
class DatasetLayoutTest {

    /** A dataset as paths with, for tables, their text. */
    private final Map<String, String> files = new LinkedHashMap<>();

    private DatasetLayoutTest file(String path, String content) {
        files.put(path, content);
        return this;
    }

    private DatasetLayoutTest media(String... paths) {
        for (String path : paths) {
            files.put(path, "");
        }
        return this;
    }

    private DetectedLayout detect() {
        return DatasetLayout.detect(files.keySet(), path -> new StringReader(files.get(path)));
    }

    @Test
    void classFoldersBelowDataWithoutSplitFoldersAndHiddenFiles() {
        DetectedLayout below = media("data/train/cat/1.webp", "data/train/dog/2.png", "data/test/cat/3.jpg",
                ".cache/train/x/4.png", "README.md").detect();
        assertEquals("imagefolder", below.format());
        assertEquals("vision", below.modality());
        assertEquals(Map.of("train", 2L, "test", 1L), below.splits());
        assertEquals(List.of("cat", "dog"), below.labels());
        assertTrue(below.undecodable().isEmpty());

        files.clear();
        DetectedLayout noSplits = media("yes/1.wav", "no/2.wave", "no/3.flac").detect();
        assertEquals("audiofolder", noSplits.format());
        assertEquals(Map.of("train", 3L), noSplits.splits(), "class folders without split folders are all train");
        assertEquals(List.of("no", "yes"), noSplits.labels());
        assertEquals(List.of("no/3.flac"), noSplits.undecodable());
    }

    @Test
    void oneTextColumnOrderAndNumericLabelOrder() {
        DetectedLayout t = file("train.csv", "caption,sentence,label\na,b,10\nc,d,2\n,,1\ne,f,1\n")
                .file("data/validation-00000-of-00001.csv", "caption,sentence,label\n\"multi\nline\",g,2\n").detect();
        assertEquals("csv", t.format());
        assertEquals("sentence", t.textColumn(), "sentence comes before caption, for the hub and every loader");
        assertEquals(Map.of("train", 3L, "validation", 1L), t.splits(), "rows with an empty text are no examples");
        assertEquals(List.of("1", "2", "10"), t.labels());
        assertEquals("label", t.labelColumn());
    }

    @Test
    void pairedTablesTakeTheirSplitFromTheirFolderOrTheFilePath() {
        DetectedLayout captions = media("train/1.png", "test/2.png")
                .file("metadata.csv", "file_name,caption,sentence\ntrain/1.png,x,y\ntest/2.png,z,w\n").detect();
        assertEquals("paired", captions.format());
        assertEquals("multimodal", captions.modality());
        assertEquals("sentence", captions.textColumn());
        assertEquals(Map.of("train", 1L, "test", 1L), captions.splits());
        assertEquals(List.of("sentence", "file_name"), DatasetLayout.pairColumns(captions.columns()));

        files.clear();
        DetectedLayout imageAudio = media("val/img/1.png", "val/snd/1.wav")
                .file("val/metadata.jsonl", "{\"image_file_name\":\"img/1.png\",\"audio_file_name\":\"snd/1.wav\"}\n")
                .detect();
        assertEquals("paired", imageAudio.format());
        assertNull(imageAudio.textColumn());
        assertEquals(Map.of("validation", 1L), imageAudio.splits());

        files.clear();
        DetectedLayout notPairs = media("train/cat/1.png", "train/dog/2.png")
                .file("train/metadata.csv", "file_name,label\ncat/1.png,cat\n").detect();
        assertEquals("imagefolder", notPairs.format(), "a metadata table without a text or second file pairs nothing");
    }

    @Test
    void aTableCutAtTheReadLimitIsReadAsFarAsItGoes() throws Exception {
        List<Map<String, String>> rows = new ArrayList<>();
        TableRows.read("train.csv", new StringReader("text,label\nfine,1\n\"cut in the mid"), (columns, row) -> rows.add(row));
        assertEquals(List.of(Map.of("text", "fine", "label", "1"), Map.of("text", "cut in the mid", "label", "")), rows);
        rows.clear();
        TableRows.read("train.jsonl", new StringReader("{\"text\":\"a\",\"n\":null,\"x\":[1]}\n{\"text\":\"cu"),
                (columns, row) -> rows.add(row));
        assertEquals(List.of(Map.of("text", "a", "n", "", "x", "[1]")), rows);
    }

    @Test
    void mediaByExtension() {
        assertEquals(Media.IMAGE, Media.ofPath("a/b.WEBP"));
        assertTrue(Media.IMAGE.decodes("b.webp"));
        assertEquals(Media.AUDIO, Media.ofPath("x.mp3"));
        assertTrue(!Media.AUDIO.decodes("x.mp3"));
        assertNull(Media.ofPath("data.v2/README"));
        assertTrue(DatasetLayout.isMetadataTable("validation/metadata.jsonl"));
        assertTrue(!DatasetLayout.isMetadataTable("images/metadata.csv"));
    }
}
