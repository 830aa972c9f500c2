package io.modelhub.runners.recipes.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelhub.runners.recipes.audio.SoundClass;
import io.modelhub.runners.recipes.audio.WavDecoder;
import io.modelhub.runners.recipes.audio.WavWriter;
import io.modelhub.runners.testing.AudioFolderDatasetBuilder;
import io.modelhub.runners.testing.ImageFolderDatasetBuilder;
import io.modelhub.runners.testing.ImageFolderDatasetBuilder.Pattern;
import io.modelhub.runners.testing.PairedDatasetBuilder;
import io.modelhub.runners.testing.TextDatasetBuilder;
import io.modelhub.runners.testing.TextDatasetBuilder.Topic;
import io.modelhub.storage.datasets.DatasetLayout;
import io.modelhub.storage.datasets.DetectedLayout;
import io.modelhub.storage.datasets.Media;
import io.modelhub.storage.datasets.TableRows;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * For every layout the hub's dataset inspector accepts, the hub's reading (hub-storage's {@link DatasetLayout#detect}
 * on the dataset's relative paths, tables read from disk, as the inspector reads them from the blob store) and the
 * runner's loaders agree: format and modality, labels, examples per split, the text column, and every file the hub
 * counts is one the loader reads and decodes.
 */
class DatasetLayoutAgreementTest {

    @TempDir
    Path tmp;

    // ---- image and audio folders ----

    @Test
    void imageFolderWithEverySplit() throws Exception {
        Path root = ImageFolderDatasetBuilder.in(tmp).classes(Pattern.DISC, Pattern.RING, Pattern.CROSS)
                .split("train", 4).split("validation", 2).split("test", 3).build();
        assertFoldersAgree(root, MediaKind.IMAGES);
    }

    @Test
    void jpegImageFolderBelowDataWithoutValidation() throws Exception {
        ImageFolderDatasetBuilder.in(tmp.resolve("data")).classes(Pattern.DISC, Pattern.RING).format("jpg")
                .split("train", 10).split("test", 2).build();
        assertFoldersAgree(tmp, MediaKind.IMAGES);
    }

    @Test
    void webpImagesBesidePngWithOnlyATrainSplit() throws Exception {
        Path root = ImageFolderDatasetBuilder.in(tmp).classes(Pattern.DISC, Pattern.RING).split("train", 3).build();
        for (String label : List.of("disc", "ring")) {
            for (String fixture : List.of("lossless", "lossy")) {
                Files.copy(fixture(fixture), root.resolve("train").resolve(label).resolve(fixture + ".webp"));
            }
        }
        ImageFolderDataset loaded = assertFoldersAgree(root, MediaKind.IMAGES).images;
        long webp = Stream.of(loaded.train(), loaded.validation())
                .flatMap(split -> split.files().stream()).filter(f -> f.toString().endsWith(".webp")).count();
        assertEquals(4, webp, "the loader reads every .webp the hub counts");
    }

    @Test
    void webpDecodesToItsSizeAndPixels() throws Exception {
        BufferedImage png = ImageIO.read(fixture("png").toFile());
        BufferedImage lossless = ImageIO.read(fixture("lossless").toFile());
        BufferedImage lossy = ImageIO.read(fixture("lossy").toFile());
        assertNotNull(lossless, "an ImageIO WebP reader is registered");
        assertEquals(List.of(12, 7), List.of(lossless.getWidth(), lossless.getHeight()));
        assertEquals(List.of(12, 7), List.of(lossy.getWidth(), lossy.getHeight()));
        for (int y = 0; y < 7; y++) {
            for (int x = 0; x < 12; x++) {
                assertEquals(png.getRGB(x, y) & 0xffffff, lossless.getRGB(x, y) & 0xffffff, "lossless pixel " + x + "," + y);
                int[] want = rgb(png.getRGB(x, y));
                int[] got = rgb(lossy.getRGB(x, y));
                for (int c = 0; c < 3; c++) {
                    assertTrue(Math.abs(want[c] - got[c]) < 40, "lossy pixel " + x + "," + y + " channel " + c);
                }
            }
        }
        // the runner's decoding path: resized RGB bytes; at its own size a lossless WebP keeps every pixel
        byte[] decoded = DecodedImages.decode(fixture("lossless"), 7);
        assertEquals(7 * 7 * 3, decoded.length);
        assertArrayEquals(new byte[] {(byte) 220, 30, 30}, new byte[] {decoded[0], decoded[1], decoded[2]});
        assertArrayEquals(new byte[] {30, 30, (byte) 220}, new byte[] {decoded[18], decoded[19], decoded[20]});
    }

    @Test
    void everyImageExtensionTheHubCountsHasAnImageIoReader() {
        for (String ext : Media.IMAGE.extensions()) {
            assertTrue(ImageIO.getImageReadersBySuffix(ext).hasNext(), "no ImageIO reader for ." + ext);
        }
    }

    @Test
    void classFoldersWithoutSplitFolders() throws Exception {
        Path root = ImageFolderDatasetBuilder.in(tmp).classes(Pattern.DISC, Pattern.RING).split("x", 5).build();
        for (String label : List.of("disc", "ring")) {
            Files.move(root.resolve("x").resolve(label), root.resolve(label));
        }
        Files.delete(root.resolve("x"));
        assertFoldersAgree(root, MediaKind.IMAGES);
    }

    @Test
    void audioFolderOfWav() throws Exception {
        Path root = AudioFolderDatasetBuilder.in(tmp).classes(SoundClass.tone(300), SoundClass.tone(1200))
                .seconds(0.2).split("train", 3).split("val", 1).build();
        assertFoldersAgree(root, MediaKind.AUDIO);
    }

    @Test
    void undecodableMediaIsCountedByTheHubAndRefusedByTheLoader() throws Exception {
        Path root = AudioFolderDatasetBuilder.in(tmp).classes(SoundClass.tone(300), SoundClass.tone(1200))
                .seconds(0.2).split("train", 2).build();
        Files.writeString(root.resolve("train/tone-300/song.flac"), "fLaC");
        DetectedLayout hub = detect(root);
        assertEquals("audio", hub.modality());
        assertEquals(List.of("train/tone-300/song.flac"), hub.undecodable());
        DatasetException e = assertThrows(DatasetException.class, () -> ClassFolderDataset.open(root, 1, MediaKind.AUDIO));
        assertTrue(e.getMessage().contains(".flac, which this runner cannot decode; convert"), e.getMessage());
    }

    // ---- text tables ----

    @Test
    void textTablesSplitByFileNameInEveryFormat() throws Exception {
        for (String format : List.of("csv", "tsv", "jsonl")) {
            Path root = TextDatasetBuilder.in(tmp.resolve(format)).topics(Topic.SPORT, Topic.FOOD).format(format)
                    .split("train", 6).split("validation", 2).split("test", 3).build();
            DetectedLayout hub = assertTablesAgree(root);
            assertEquals(format.equals("jsonl") ? "jsonl" : "csv", hub.format());
        }
    }

    @Test
    void hfShardNamesBelowData() throws Exception {
        Path root = TextDatasetBuilder.in(tmp).topics(Topic.SPORT, Topic.FOOD, Topic.MUSIC).hfNames(true)
                .split("train", 10).split("test", 2).build();
        assertTrue(Files.exists(root.resolve("data/train-00000-of-00001.csv")));
        assertTablesAgree(root);
    }

    @Test
    void splitFoldersOfTables() throws Exception {
        Path root = TextDatasetBuilder.in(tmp).topics(Topic.SPORT, Topic.FOOD).split("train", 5).split("dev", 2).build();
        for (String split : List.of("train", "dev")) {
            Files.createDirectories(root.resolve(split));
            Files.move(root.resolve(split + ".csv"), root.resolve(split).resolve("part-0.csv"));
        }
        assertEquals(Map.of("train", 10L, "validation", 4L), assertTablesAgree(root).splits());
    }

    @Test
    void sentenceAndCaptionColumnsPickTheSameColumn() throws Exception {
        Files.writeString(tmp.resolve("train.csv"), "caption,sentence,label\n"
                + "a cap,a sentence,pos\nb cap,\"b, sentence\",neg\nc cap,c sentence,pos\nd cap,,neg\ne cap,e sentence,neg\n");
        Files.writeString(tmp.resolve("test.jsonl"), "{\"sentence\":\"f sentence\",\"caption\":\"f cap\",\"label\":\"pos\"}\n");
        DetectedLayout hub = assertTablesAgree(tmp);
        assertEquals("sentence", hub.textColumn());
        assertEquals(Map.of("train", 4L, "test", 1L), hub.splits(), "a row with an empty text is no example");
    }

    @Test
    void unlabelledCorpus() throws Exception {
        Path root = TextDatasetBuilder.in(tmp).topics(Topic.WEATHER).labels(false).format("jsonl").split("train", 12).build();
        DetectedLayout hub = assertTablesAgree(root);
        assertNull(hub.labelColumn());
        assertTrue(hub.labels().isEmpty());
    }

    // ---- paired ----

    @Test
    void textImagePairsWithWebp() throws Exception {
        Path root = PairedDatasetBuilder.in(tmp).pairs(20).build();
        Files.copy(fixture("lossless"), root.resolve("train/extra.webp"));
        Files.writeString(root.resolve("train/metadata.csv"), "extra.webp,a red and blue flag\n",
                StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
        PairedDataset pairs = assertPairsAgree(root);
        assertEquals(PairedDataset.Kind.TEXT, pairs.kindA());
        assertEquals(PairedDataset.Kind.IMAGE, pairs.kindB());
    }

    @Test
    void imageAudioPairsWithTwoFileColumnsAndSplitFolders() throws Exception {
        for (String split : List.of("train", "validation")) {
            StringBuilder table = new StringBuilder("image_file_name,audio_file_name\n");
            ImageFolderDatasetBuilder.in(tmp.resolve(split).resolve("img")).classes(Pattern.DISC).split("x", 4).build();
            for (int i = 0; i < 4; i++) {
                String image = String.format("img/x/disc/%04d.png", i);
                String sound = String.format("snd/%d.wav", i);
                Files.createDirectories(tmp.resolve(split).resolve("snd"));
                WavWriter.write(tmp.resolve(split).resolve(sound), new float[800], 16_000);
                table.append(image).append(',').append(sound).append('\n');
            }
            Files.writeString(tmp.resolve(split).resolve("metadata.csv"), table);
        }
        PairedDataset pairs = assertPairsAgree(tmp);
        assertEquals(PairedDataset.Kind.IMAGE, pairs.kindA());
        assertEquals(PairedDataset.Kind.AUDIO, pairs.kindB());
    }

    @Test
    void captionsBesideSentencesInAPairedTable() throws Exception {
        Files.createDirectories(tmp.resolve("train"));
        StringBuilder table = new StringBuilder("file_name,caption,sentence\n");
        for (int i = 0; i < 6; i++) {
            Files.copy(fixture("png"), tmp.resolve("train/" + i + ".png"));
            table.append(i).append(".png,caption ").append(i).append(",sentence ").append(i).append('\n');
        }
        Files.writeString(tmp.resolve("train/metadata.csv"), table);
        PairedDataset pairs = assertPairsAgree(tmp);
        assertEquals("sentence", pairs.columnA());
        assertTrue(pairs.train().get(0).a().startsWith("sentence "));
    }

    // ---- the two readings ----

    /** The hub's reading: relative paths, tables opened as files (the inspector opens blobs). */
    static DetectedLayout detect(Path root) throws IOException {
        List<String> paths;
        try (Stream<Path> walk = Files.walk(root)) {
            paths = walk.filter(Files::isRegularFile).map(p -> root.relativize(p).toString().replace('\\', '/'))
                    .sorted().toList();
        }
        return DatasetLayout.detect(paths, path -> Files.newBufferedReader(root.resolve(path), StandardCharsets.UTF_8));
    }

    private record Folders(DetectedLayout hub, ClassFolderDataset loaded, ImageFolderDataset images) {
    }

    private Folders assertFoldersAgree(Path root, MediaKind kind) throws IOException {
        DetectedLayout hub = detect(root);
        ClassFolderDataset loaded = ClassFolderDataset.open(root, 1, kind);
        assertEquals(kind.layout(), hub.format());
        assertEquals(kind.media().modality(), hub.modality());
        assertEquals(hub.labels(), loaded.labels());
        assertTrue(hub.undecodable().isEmpty());
        assertSplits(hub.splits(), loaded.train().size(), loaded.validation().size(), loaded.test().size(),
                loaded.test().files().equals(loaded.validation().files()));
        for (LabelledFiles split : List.of(loaded.train(), loaded.validation(), loaded.test())) {
            for (Path file : split.files()) {
                if (kind == MediaKind.IMAGES) {
                    assertEquals(8 * 8 * 3, DecodedImages.decode(file, 8).length);
                } else {
                    assertTrue(WavDecoder.read(file).samples().length > 0, file.toString());
                }
            }
        }
        return new Folders(hub, loaded, kind == MediaKind.IMAGES ? ImageFolderDataset.open(root, 1) : null);
    }

    /**
     * The hub reports the splits as found; the loader derives missing ones: no validation holds out part of train,
     * no test reuses validation.
     */
    private static void assertSplits(Map<String, Long> found, int train, int validation, int test, boolean testIsValidation) {
        if (found.containsKey("validation")) {
            assertEquals(found.get("train"), (long) train, "train");
            assertEquals(found.get("validation"), (long) validation, "validation");
        } else {
            assertEquals(found.get("train"), (long) train + validation, "train, validation held out of it");
        }
        if (found.containsKey("test")) {
            assertEquals(found.get("test"), (long) test, "test");
        } else {
            assertTrue(testIsValidation, "no test split: the loader tests on validation");
        }
        assertTrue(found.keySet().stream().allMatch(List.of("train", "validation", "test")::contains), found.toString());
    }

    private DetectedLayout assertTablesAgree(Path root) throws IOException {
        DetectedLayout hub = detect(root);
        boolean labelled = hub.labelColumn() != null;
        TextDataset loaded = TextDataset.open(root, 1, labelled);
        assertEquals("text", hub.modality());
        assertEquals(hub.labels(), loaded.labels());
        assertSplits(hub.splits(), loaded.train().size(), loaded.validation().size(), loaded.test().size(),
                loaded.test().texts().equals(loaded.validation().texts()));
        // the loader's texts are exactly the non-empty cells of the column the hub names as the text column
        List<String> hubTexts = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path table : walk.filter(p -> DatasetLayout.isTable(p.toString())).toList()) {
                try (Reader in = Files.newBufferedReader(table)) {
                    TableRows.read(table.toString(), in, (columns, row) -> {
                        String text = row.get(hub.textColumn());
                        if (text != null && !text.isBlank()) {
                            hubTexts.add(text);
                        }
                        return true;
                    });
                }
            }
        }
        List<String> loaderTexts = new ArrayList<>(loaded.train().texts());
        loaderTexts.addAll(loaded.validation().texts());
        if (hub.splits().containsKey("test")) {
            loaderTexts.addAll(loaded.test().texts());
        }
        Collections.sort(hubTexts);
        Collections.sort(loaderTexts);
        assertEquals(hubTexts, loaderTexts);
        return hub;
    }

    private PairedDataset assertPairsAgree(Path root) throws IOException {
        DetectedLayout hub = detect(root);
        PairedDataset loaded = PairedDataset.open(root, 1);
        assertEquals("paired", hub.format());
        assertEquals("multimodal", hub.modality());
        assertTrue(hub.undecodable().isEmpty());
        boolean text = loaded.kindA() == PairedDataset.Kind.TEXT;
        assertEquals(text ? loaded.columnA() : null, hub.textColumn());
        assertEquals(List.of(loaded.columnA(), loaded.columnB()), DatasetLayout.pairColumns(hub.columns()));
        if (hub.splits().containsKey("validation")) {
            assertEquals(hub.splits().get("train"), (long) loaded.train().size());
            assertEquals(hub.splits().get("validation"), (long) loaded.validation().size());
        } else {
            assertEquals(hub.splits().get("train"), (long) loaded.train().size() + loaded.validation().size());
        }
        assertEquals(hub.splits().getOrDefault("test", 0L), (long) loaded.test().size());
        for (List<PairedDataset.Pair> split : List.of(loaded.train(), loaded.validation(), loaded.test())) {
            for (PairedDataset.Pair pair : split) {
                decode(loaded.kindA(), pair.a());
                decode(loaded.kindB(), pair.b());
            }
        }
        return loaded;
    }

    private static void decode(PairedDataset.Kind kind, String side) {
        switch (kind) {
            case TEXT -> assertFalse(side.isBlank());
            case IMAGE -> assertEquals(8 * 8 * 3, DecodedImages.decode(Path.of(side), 8).length);
            case AUDIO -> assertTrue(WavDecoder.read(Path.of(side)).samples().length > 0, side);
            default -> throw new IllegalStateException(kind.name());
        }
    }

    private static int[] rgb(int pixel) {
        return new int[] {(pixel >> 16) & 0xff, (pixel >> 8) & 0xff, pixel & 0xff};
    }

    /** The committed fixtures (how they were made: src/test/resources/images/README.md). */
    private Path fixture(String which) throws IOException {
        String name = which.equals("png") ? "red-blue-12x7.png" : "red-blue-12x7-" + which + ".webp";
        Path copy = tmp.resolve(".fixtures").resolve(name);
        if (!Files.exists(copy)) {
            Files.createDirectories(copy.getParent());
            try (InputStream in = getClass().getResourceAsStream("/images/" + name)) {
                Files.copy(in, copy);
            }
        }
        return copy;
    }
}
