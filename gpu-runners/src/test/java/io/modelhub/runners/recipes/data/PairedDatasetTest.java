package io.modelhub.runners.recipes.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The paired layouts (text-media and media-media tables), splits, the held-out split, and bad input. */
class PairedDatasetTest {
    @TempDir
    Path root;

    private void file(String path, String content) throws IOException {
        Path p = root.resolve(path);
        Files.createDirectories(p.getParent());
        Files.writeString(p, content);
    }

    @Test
    void imageAudioPairsFromTwoFileColumnsWithSplitFolders() throws Exception {
        StringBuilder train = new StringBuilder("image_file_name,audio_file_name\n");
        for (int i = 0; i < 6; i++) {
            file("train/img/" + i + ".png", "x");
            file("train/snd/" + i + ".wav", "x");
            train.append("img/").append(i).append(".png,snd/").append(i).append(".wav\n");
        }
        file("train/metadata.csv", train.toString());
        file("validation/img/v.png", "x");
        file("validation/snd/v.wav", "x");
        file("validation/metadata.csv", "image_file_name,audio_file_name\nimg/v.png,snd/v.wav\n");
        PairedDataset data = PairedDataset.open(root, 1);
        assertEquals(PairedDataset.Kind.IMAGE, data.kindA());
        assertEquals(PairedDataset.Kind.AUDIO, data.kindB());
        assertEquals(6, data.train().size());
        assertEquals(1, data.validation().size());
        assertEquals(root.resolve("validation/snd/v.wav").toString(), data.validation().get(0).b());
        assertTrue(data.notes().isEmpty());
    }

    @Test
    void captionsAtTheRootTakeTheSplitFromThePathAndHoldOutValidation() throws Exception {
        StringBuilder table = new StringBuilder("file_name,caption\n");
        for (int i = 0; i < 20; i++) {
            file("train/" + i + ".jpg", "x");
            table.append("train/").append(i).append(".jpg,\"a cat, sitting\"\n");
        }
        file("test/t.jpg", "x");
        table.append("test/t.jpg,a dog\n");
        file("metadata.csv", table.toString());
        PairedDataset data = PairedDataset.open(root, 3);
        assertEquals(PairedDataset.Kind.TEXT, data.kindA(), "the text column comes first");
        assertEquals("caption", data.columnA());
        assertEquals("a cat, sitting", data.train().get(0).a());
        assertEquals(3, data.validation().size(), "15 % of 20 held out");
        assertEquals(17, data.train().size());
        assertEquals(1, data.test().size());
        assertTrue(data.notes().get(0).startsWith("No validation split: held out 3"), data.notes().toString());
        assertEquals(data.validation(), PairedDataset.open(root, 3).validation(), "same seed, same held-out pairs");
    }

    @Test
    void badLayoutsSayWhatIsWrong() throws Exception {
        assertTrue(assertThrows(DatasetException.class, () -> PairedDataset.open(root, 1)).getMessage()
                .startsWith("no metadata.csv or metadata.jsonl"));
        file("train/metadata.csv", "file_name,label\n1.png,cat\n");
        assertTrue(assertThrows(DatasetException.class, () -> PairedDataset.open(root, 1)).getMessage()
                .contains("a paired table needs file_name and a text column"));
        file("train/metadata.csv", "file_name,text\nmissing.png,a cat\n");
        assertTrue(assertThrows(DatasetException.class, () -> PairedDataset.open(root, 1)).getMessage()
                .contains("file_name 'missing.png' is not a file of the dataset"));
        file("train/a.mp3", "x");
        file("train/metadata.csv", "file_name,text\na.mp3,a cat\n");
        assertTrue(assertThrows(DatasetException.class, () -> PairedDataset.open(root, 1)).getMessage()
                .contains("is neither an image"));
        file("train/metadata.csv", "file_name,text\n../../etc/passwd,a cat\n");
        assertTrue(assertThrows(DatasetException.class, () -> PairedDataset.open(root, 1)).getMessage()
                .contains("is not a file of the dataset"));
    }
}
