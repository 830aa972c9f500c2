package io.modelhub.runners.recipes.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelhub.runners.testing.TextDatasetBuilder;
import io.modelhub.runners.testing.TextDatasetBuilder.Topic;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextDatasetTest {

    @TempDir
    Path tmp;

    @Test
    void splitsComeFromFileAndFolderNamesInEveryFormat() throws Exception {
        for (String format : List.of("csv", "tsv", "jsonl")) {
            Path root = TextDatasetBuilder.in(tmp.resolve(format)).topics(Topic.SPORT, Topic.FOOD)
                    .split("train", 10).split("dev", 3).split("test", 4).format(format).build();
            TextDataset dataset = TextDataset.open(root, 1, true);
            assertEquals(List.of("food", "sport"), dataset.labels());
            assertEquals(20, dataset.train().size());
            assertEquals(6, dataset.validation().size());
            assertEquals(8, dataset.test().size());
            assertTrue(dataset.notes().isEmpty(), dataset.notes().toString());
        }
        Path hf = TextDatasetBuilder.in(tmp.resolve("hf")).topics(Topic.SPORT, Topic.FOOD).hfNames(true).build();
        assertEquals(200, TextDataset.open(hf, 1, true).train().size());

        Path folders = tmp.resolve("folders");
        Files.createDirectories(folders.resolve("train"));
        Files.createDirectories(folders.resolve("test"));
        Files.writeString(folders.resolve("train/part-0.csv"), "sentence,category\n\"hello, world\",1\nbye,2\n");
        Files.writeString(folders.resolve("train/part-1.csv"), "sentence,category\n\"a \"\"quoted\"\"\nline\",10\n");
        Files.writeString(folders.resolve("test/x.csv"), "sentence,category\nhi,2\n");
        TextDataset dataset = TextDataset.open(folders, 1, true);
        // integer labels sort as numbers; quoted cells keep commas, quotes and line breaks
        assertEquals(List.of("1", "2", "10"), dataset.labels());
        // (one text per label: too few to hold any out for validation)
        assertEquals(List.of("a \"quoted\"\nline", "bye", "hello, world"),
                dataset.train().texts().stream().sorted().toList());
        assertEquals(List.of("hi"), dataset.test().texts());
    }

    @Test
    void missingSplitsAreCarvedFromTrainDeterministically() throws Exception {
        Path root = TextDatasetBuilder.in(tmp.resolve("d")).topics(Topic.SPORT, Topic.FOOD, Topic.TECH)
                .split("reviews", 30).build();
        TextDataset a = TextDataset.open(root, 7, true);
        TextDataset b = TextDataset.open(root, 7, true);
        TextDataset other = TextDataset.open(root, 8, true);
        assertEquals(81, a.train().size());
        assertEquals(9, a.validation().size());
        assertEquals(List.of(3, 3, 3), List.of(count(a.validation(), 0), count(a.validation(), 1),
                count(a.validation(), 2)));
        assertEquals(a.validation(), b.validation());
        assertTrue(!a.validation().texts().equals(other.validation().texts()));
        assertEquals(a.validation().texts(), a.test().texts());
        assertTrue(a.notes().contains("no test split: test metrics are computed on the validation split"),
                a.notes().toString());

        TextDataset unlabelled = TextDataset.open(root, 7, false);
        assertTrue(unlabelled.labels().isEmpty());
        assertEquals(90, unlabelled.train().size() + unlabelled.validation().size());
    }

    @Test
    void badDatasetsFailWithMessagesThatSayWhatToFix() throws Exception {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Files.writeString(empty.resolve("notes.txt"), "hello");
        assertMessage(empty, true, "has no .csv, .tsv or .jsonl table");

        Path noText = Files.createDirectories(tmp.resolve("no-text"));
        Files.writeString(noText.resolve("train.csv"), "review,label\ngood,pos\n");
        assertMessage(noText, true, "has no text column (columns: review, label); name it one of text, sentence");

        Path noLabel = Files.createDirectories(tmp.resolve("no-label"));
        Files.writeString(noLabel.resolve("train.csv"), "text\ngood\nbad\n");
        assertMessage(noLabel, true, "has no label column (columns: text)");
        assertEquals(2, TextDataset.open(noLabel, 1, false).train().size() + TextDataset.open(noLabel, 1, false)
                .validation().size());

        Path oneLabel = Files.createDirectories(tmp.resolve("one-label"));
        Files.writeString(oneLabel.resolve("train.csv"), "text,label\ngood,pos\nfine,pos\n");
        assertMessage(oneLabel, true, "has 1 label (pos)");

        Path unknown = Files.createDirectories(tmp.resolve("unknown"));
        Files.writeString(unknown.resolve("train.csv"), "text,label\ngood,pos\nbad,neg\n");
        Files.writeString(unknown.resolve("test.csv"), "text,label\nmeh,neutral\n");
        assertMessage(unknown, true, "the test split has label \"neutral\" which the train split does not have");

        Path ragged = Files.createDirectories(tmp.resolve("ragged"));
        Files.writeString(ragged.resolve("train.csv"), "text,label\ngood, really,pos\n");
        assertMessage(ragged, true, "record 1 has 3 cells but the header has 2");

        Path noTrain = Files.createDirectories(tmp.resolve("no-train"));
        Files.writeString(noTrain.resolve("test.jsonl"), "{\"text\": \"a\", \"label\": \"b\"}\n");
        assertMessage(noTrain, true, "has test tables but no train split");

        Path badJson = Files.createDirectories(tmp.resolve("bad-json"));
        Files.writeString(badJson.resolve("train.jsonl"), "{\"text\": \"a\", \"label\": \"b\"}\n{oops\n");
        assertMessage(badJson, true, "train.jsonl, line 2 is not JSON");

        Path missingLabel = Files.createDirectories(tmp.resolve("missing-label"));
        Files.writeString(missingLabel.resolve("train.csv"), "text,label\ngood,pos\nbad,\n");
        assertMessage(missingLabel, true, "record 2: the \"label\" column is empty");

        assertMessage(tmp.resolve("nowhere"), true, "does not exist");
    }

    private static void assertMessage(Path root, boolean labelled, String expected) {
        DatasetException e = assertThrows(DatasetException.class, () -> TextDataset.open(root, 1, labelled));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    private static int count(TextSplit split, int label) {
        int n = 0;
        for (int l : split.labels()) {
            n += l == label ? 1 : 0;
        }
        return n;
    }
}
