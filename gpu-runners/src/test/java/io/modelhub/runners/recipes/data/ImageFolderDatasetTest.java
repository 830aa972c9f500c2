package io.modelhub.runners.recipes.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelhub.runners.testing.ImageFolderDatasetBuilder;
import io.modelhub.runners.testing.ImageFolderDatasetBuilder.Pattern;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ImageFolderDatasetTest {

    @TempDir
    Path tmp;

    @Test
    void readsTheSplitsWithSortedLabels() throws Exception {
        Path root = ImageFolderDatasetBuilder.in(tmp).classes(Pattern.SQUARE, Pattern.DISC, Pattern.CROSS)
                .split("train", 4).split("validation", 2).split("test", 3).build();

        ImageFolderDataset dataset = ImageFolderDataset.open(root, 1);

        assertEquals(List.of("cross", "disc", "square"), dataset.labels());
        assertEquals(12, dataset.train().size());
        assertEquals(6, dataset.validation().size());
        assertEquals(9, dataset.test().size());
        assertArrayEquals(new int[] {3, 3, 3}, dataset.test().countsPerLabel(3));
        assertTrue(dataset.notes().isEmpty());
        for (int i = 0; i < dataset.train().size(); i++) {
            Path file = dataset.train().file(i);
            assertEquals(dataset.labels().get(dataset.train().label(i)), file.getParent().getFileName().toString());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"val", "valid", "eval", "Validation"})
    void acceptsTheUsualValidationFolderNames(String name) throws Exception {
        Path root = ImageFolderDatasetBuilder.in(tmp).classes(Pattern.DISC, Pattern.RING)
                .split("train", 3).split(name, 2).build();
        ImageFolderDataset dataset = ImageFolderDataset.open(root, 1);
        assertEquals(4, dataset.validation().size());
        assertEquals(dataset.validation().files(), dataset.test().files());
        assertTrue(dataset.notes().contains("no test split: test metrics are computed on the validation split"));
    }

    @Test
    void withoutValidationHoldsOutTenPercentOfEachClassDeterministically() throws Exception {
        Path root = ImageFolderDatasetBuilder.in(tmp).classes(Pattern.DISC, Pattern.RING)
                .split("train", 30).split("test", 5).build();

        ImageFolderDataset one = ImageFolderDataset.open(root, 42);
        ImageFolderDataset again = ImageFolderDataset.open(root, 42);
        ImageFolderDataset other = ImageFolderDataset.open(root, 43);

        assertEquals(6, one.validation().size());
        assertArrayEquals(new int[] {3, 3}, one.validation().countsPerLabel(2));
        assertEquals(54, one.train().size());
        assertEquals(one.validation(), again.validation());
        assertNotEquals(one.validation().files(), other.validation().files());
        Set<Path> train = new HashSet<>(one.train().files());
        assertTrue(one.validation().files().stream().noneMatch(train::contains));
        assertEquals(10, one.test().size());
    }

    @Test
    void classFoldersWithoutSplitFoldersAreTheTrainSplit() throws Exception {
        Path root = ImageFolderDatasetBuilder.in(tmp).classes(Pattern.DISC, Pattern.RING).split("x", 1).build();
        // move the class folders up to the root, HF's "no splits" layout
        for (String label : List.of("disc", "ring")) {
            Files.move(root.resolve("x").resolve(label), root.resolve(label));
        }
        Files.delete(root.resolve("x"));
        ImageFolderDataset dataset = ImageFolderDataset.open(root, 1);
        assertEquals(List.of("disc", "ring"), dataset.labels());
        assertEquals(2, dataset.train().size());
    }

    @Test
    void imagesWithoutClassSubfoldersFailWithAClearMessage() {
        Path root = ImageFolderDatasetBuilder.in(tmp).classes(Pattern.DISC, Pattern.RING).classFolders(false)
                .split("train", 3).build();
        DatasetException e = assertThrows(DatasetException.class, () -> ImageFolderDataset.open(root, 1));
        assertTrue(e.getMessage().contains("train/ folder has 6 images but no class subfolders"), e.getMessage());
        assertTrue(e.getMessage().contains("train/<label>/<image>.png"), e.getMessage());
    }

    @Test
    void aFolderWithNoImagesAtAllFailsWithAClearMessage() throws Exception {
        Files.writeString(tmp.resolve("README.md"), "# empty");
        DatasetException e = assertThrows(DatasetException.class, () -> ImageFolderDataset.open(tmp, 1));
        assertTrue(e.getMessage().contains("has no train/ folder and no class subfolders"), e.getMessage());
    }

    @Test
    void aTestClassUnknownToTrainIsRejected() throws Exception {
        Path root = ImageFolderDatasetBuilder.in(tmp).classes(Pattern.DISC, Pattern.RING).split("train", 2).build();
        ImageFolderDatasetBuilder.in(root).classes(Pattern.CROSS).split("test", 1).build();
        DatasetException e = assertThrows(DatasetException.class, () -> ImageFolderDataset.open(root, 1));
        assertTrue(e.getMessage().contains("class \"cross\" which the train split does not have"), e.getMessage());
    }

    @Test
    void aSingleClassIsNotEnough() {
        Path root = ImageFolderDatasetBuilder.in(tmp).classes(Pattern.DISC).split("train", 2).build();
        DatasetException e = assertThrows(DatasetException.class, () -> ImageFolderDataset.open(root, 1));
        assertTrue(e.getMessage().contains("at least 2 class folders"), e.getMessage());
    }

    @Test
    void decodesPngAndJpegToResizedRgb() throws Exception {
        Path png = ImageFolderDatasetBuilder.in(tmp.resolve("png")).classes(Pattern.DISC, Pattern.RING)
                .imageSize(40).split("train", 2).build();
        Path jpg = ImageFolderDatasetBuilder.in(tmp.resolve("jpg")).classes(Pattern.DISC, Pattern.RING)
                .imageSize(40).format("jpg").split("train", 2).build();
        for (Path root : List.of(png, jpg)) {
            LabelledFiles train = ImageFolderDataset.open(root, 1).train();
            DecodedImages cached = DecodedImages.of(train, 16);
            DecodedImages onDemand = DecodedImages.of(train, 16, 0);
            assertEquals(train.size(), cached.size());
            for (int i = 0; i < train.size(); i++) {
                assertEquals(16 * 16 * 3, cached.rgb(i).length);
                assertArrayEquals(cached.rgb(i), onDemand.rgb(i));
            }
        }
    }

    @Test
    void anUnreadableImageIsNamed() throws Exception {
        Path root = ImageFolderDatasetBuilder.in(tmp).classes(Pattern.DISC, Pattern.RING)
                .split("train", 1).split("validation", 1).build();
        Path broken = root.resolve("train").resolve("disc").resolve("broken.png");
        Files.writeString(broken, "not a png");
        LabelledFiles train = ImageFolderDataset.open(root, 1).train();
        DatasetException e = assertThrows(DatasetException.class, () -> DecodedImages.of(train, 16));
        assertTrue(e.getMessage().contains("broken.png"), e.getMessage());
    }
}
