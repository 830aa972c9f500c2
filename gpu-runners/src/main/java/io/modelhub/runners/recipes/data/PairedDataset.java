package io.modelhub.runners.recipes.data;

import io.modelhub.storage.datasets.DatasetLayout;
import io.modelhub.storage.datasets.Media;
import io.modelhub.storage.inspect.SplitNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/**
 * A dataset of pairs for cross-modal training, in the Hugging Face imagefolder/audiofolder metadata layout:
 * <pre>
 * train/metadata.csv          file_name,text            text-image or text-audio (the text column is the first of
 * train/0001.png              0001.png,a red circle     text, sentence, caption, transcript, content)
 * validation/metadata.csv ...
 *
 * train/metadata.csv          image_file_name,audio_file_name     media-media (image-audio, image-image, ...):
 * train/img/0001.png          img/0001.png,snd/0001.wav           two columns whose names end in "file_name"
 * train/snd/0001.wav
 * </pre>
 * A metadata table (metadata.csv or metadata.jsonl) sits in a split folder (train, validation/val/dev, test), its
 * file paths relative to that folder, or at the root, where the first folder of each file path names the split.
 * Without a validation split, a seeded {@link #HELD_OUT_FRACTION} of train is held out, so retrieval is always
 * measured on pairs the model never trained on. Which side is "a" follows the column order of the table. Table
 * names, the text column and the *file_name rule are hub-storage's {@link DatasetLayout}, which the hub detects
 * paired datasets by; the media a side may be are its {@link Media} the runners decode.
 */
public final class PairedDataset {

    /** What one side of a pair is. */
    public enum Kind {
        TEXT("text"), IMAGE("vision"), AUDIO("audio");

        private final String modality;

        Kind(String modality) {
            this.modality = modality;
        }

        /** The hub's modality name of models that encode this kind ("text", "vision", "audio"). */
        public String modality() {
            return modality;
        }

        /** The kind of a media file the runners decode, else null. */
        static Kind ofFile(String path) {
            Media media = Media.ofPath(path);
            if (media == null || !media.decodes(path)) {
                return null;
            }
            return media == Media.IMAGE ? IMAGE : AUDIO;
        }
    }

    /** One pair; a side is its text (TEXT) or the absolute path of its file. */
    public record Pair(String a, String b) {
    }

    public static final double HELD_OUT_FRACTION = 0.15;

    private final Kind kindA;
    private final Kind kindB;
    private final String columnA;
    private final String columnB;
    private final List<Pair> train;
    private final List<Pair> validation;
    private final List<Pair> test;
    private final List<String> notes;

    private PairedDataset(Kind kindA, Kind kindB, String columnA, String columnB, List<Pair> train,
            List<Pair> validation, List<Pair> test, List<String> notes) {
        this.kindA = kindA;
        this.kindB = kindB;
        this.columnA = columnA;
        this.columnB = columnB;
        this.train = List.copyOf(train);
        this.validation = List.copyOf(validation);
        this.test = List.copyOf(test);
        this.notes = List.copyOf(notes);
    }

    public static PairedDataset open(Path root, long seed) throws IOException {
        List<Path> tables;
        try (Stream<Path> walk = Files.walk(root, 2)) {
            tables = walk.filter(p -> DatasetLayout.METADATA_TABLES.contains(p.getFileName().toString())).sorted().toList();
        }
        if (tables.isEmpty()) {
            throw new DatasetException("no metadata.csv or metadata.jsonl: a paired dataset is media files plus a table "
                    + "pairing each with a text (file_name,text) or with a second file (image_file_name,audio_file_name), "
                    + "in train/ (and optionally validation/, test/) or at the root");
        }
        Map<String, List<Pair>> splits = new LinkedHashMap<>();
        String[] columns = null;
        Kind[] kinds = null;
        for (Path table : tables) {
            Path folder = table.getParent();
            String folderSplit = root.equals(folder) ? null : SplitNames.canonical(folder.getFileName().toString());
            if (!root.equals(folder) && folderSplit == null) {
                throw new DatasetException(root.relativize(table) + ": a metadata table belongs at the root or in a "
                        + "split folder (train, validation, test)");
            }
            List<Map<String, String>> rows = TextDataset.readTable(root, table);
            if (rows.isEmpty()) {
                continue;
            }
            String[] cols = pairColumns(root.relativize(table).toString(), rows.get(0).keySet());
            if (columns == null) {
                columns = cols;
            } else if (!columns[0].equals(cols[0]) || !columns[1].equals(cols[1])) {
                throw new DatasetException(root.relativize(table) + " pairs " + cols[0] + " with " + cols[1]
                        + ", another table " + columns[0] + " with " + columns[1] + ": all tables need the same columns");
            }
            int line = 1;
            for (Map<String, String> row : rows) {
                line++;
                String[] sides = new String[2];
                Kind[] rowKinds = new Kind[2];
                String split = folderSplit;
                for (int s = 0; s < 2; s++) {
                    String value = row.getOrDefault(cols[s], "");
                    if (value.isBlank()) {
                        throw new DatasetException(root.relativize(table) + " row " + line + ": empty " + cols[s]);
                    }
                    if (!DatasetLayout.isFileColumn(cols[s])) {
                        sides[s] = value;
                        rowKinds[s] = Kind.TEXT;
                        continue;
                    }
                    Path file = folder.resolve(value).normalize();
                    if (!file.startsWith(root) || !Files.isRegularFile(file)) {
                        throw new DatasetException(root.relativize(table) + " row " + line + ": " + cols[s] + " '" + value
                                + "' is not a file of the dataset");
                    }
                    rowKinds[s] = Kind.ofFile(value);
                    if (rowKinds[s] == null) {
                        Media media = Media.ofPath(value);
                        throw new DatasetException(root.relativize(table) + " row " + line + ": '" + value
                                + "' is neither an image (PNG or JPEG) nor audio (WAV)"
                                + (media == null ? "" : ": " + media.undecodableMessage(value)));
                    }
                    sides[s] = file.toString();
                    if (split == null) {
                        split = SplitNames.canonical(root.relativize(file).getName(0).toString());
                    }
                }
                if (kinds == null) {
                    kinds = rowKinds;
                } else if (kinds[0] != rowKinds[0] || kinds[1] != rowKinds[1]) {
                    throw new DatasetException(root.relativize(table) + " row " + line + " pairs " + rowKinds[0] + " with "
                            + rowKinds[1] + ", earlier rows " + kinds[0] + " with " + kinds[1]);
                }
                splits.computeIfAbsent(split == null ? "train" : split, k -> new ArrayList<>()).add(new Pair(sides[0], sides[1]));
            }
        }
        if (kinds == null) {
            throw new DatasetException("the metadata tables have no rows");
        }
        List<String> notes = new ArrayList<>();
        List<Pair> trainPairs = new ArrayList<>(splits.getOrDefault("train", List.of()));
        List<Pair> validationPairs = new ArrayList<>(splits.getOrDefault("validation", List.of()));
        List<Pair> testPairs = new ArrayList<>(splits.getOrDefault("test", List.of()));
        if (validationPairs.isEmpty()) {
            int held = (int) Math.max(2, Math.round(trainPairs.size() * HELD_OUT_FRACTION));
            if (trainPairs.size() < held + 2) {
                throw new DatasetException("only " + trainPairs.size() + " training pairs: too few to hold out a "
                        + "validation split (add a validation/ split or more pairs)");
            }
            java.util.Collections.shuffle(trainPairs, new Random(seed));
            validationPairs = new ArrayList<>(trainPairs.subList(0, held));
            trainPairs = new ArrayList<>(trainPairs.subList(held, trainPairs.size()));
            notes.add("No validation split: held out " + held + " of the training pairs (seeded) for retrieval metrics");
        }
        if (trainPairs.size() < 2) {
            throw new DatasetException("a contrastive objective needs at least 2 training pairs, found " + trainPairs.size());
        }
        return new PairedDataset(kinds[0], kinds[1], columns[0], columns[1], trainPairs, validationPairs, testPairs, notes);
    }

    /** The two columns a table pairs ({@link DatasetLayout#pairColumns}, the rule the hub detects pairs by). */
    private static String[] pairColumns(String table, java.util.Set<String> columns) {
        List<String> pair = DatasetLayout.pairColumns(columns);
        if (pair == null) {
            throw new DatasetException(table + " has columns " + columns + "; a paired table needs file_name and a text "
                    + "column (" + String.join(", ", DatasetLayout.TEXT_COLUMNS) + "), or two columns ending in file_name");
        }
        return pair.toArray(String[]::new);
    }

    public Kind kindA() {
        return kindA;
    }

    public Kind kindB() {
        return kindB;
    }

    public String columnA() {
        return columnA;
    }

    public String columnB() {
        return columnB;
    }

    public List<Pair> train() {
        return train;
    }

    /** The held-out pairs retrieval is measured on during training. */
    public List<Pair> validation() {
        return validation;
    }

    /** The dataset's test split, possibly empty. */
    public List<Pair> test() {
        return test;
    }

    public List<String> notes() {
        return notes;
    }

    public String describe() {
        return kindA + "-" + kindB + " pairs (" + columnA + ", " + columnB + "): train " + train.size() + ", validation "
                + validation.size() + ", test " + test.size();
    }
}
