package io.modelhub.runners.recipes.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelhub.storage.datasets.DatasetLayout;
import io.modelhub.storage.datasets.Media;
import io.modelhub.storage.datasets.TableRows;
import io.modelhub.storage.inspect.Csv;
import io.modelhub.storage.inspect.SplitNames;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A text dataset of csv, tsv or jsonl tables, laid out as the hub's dataset inspector detects them:
 * <pre>
 *   train.csv, validation.csv, test.csv                 (split from the file name; also .tsv, .jsonl)
 *   data/train-00000-of-00001.csv, data/test-...csv     (HF's sharded names; shards of a split are joined)
 *   train/part-0.csv, validation/..., test/...          (split from the folder name)
 *   reviews.csv                                         (a table without a split name is train)
 * </pre>
 * Split names, table extensions, the text column (the first of text, sentence, caption, transcript, content), the
 * label column (label, labels, class, category, target) and the label order (sorted, numerically when all are
 * integers, as HF keeps integer labels) are hub-storage's {@link DatasetLayout} rules, which the hub reads too.
 * Label ids are the train labels in that order.
 * <p>
 * Missing splits are derived as in {@link ImageFolderDataset}: no validation split holds out 10% of train (per
 * label when labelled, seeded); no test split reuses validation; {@link #notes()} says so for the run log.
 */
public final class TextDataset implements SplitDataset<TextSplit> {

    /** The hub's order ({@link DatasetLayout}): the inspector shows the column this loader reads. */
    public static final List<String> TEXT_COLUMNS = DatasetLayout.TEXT_COLUMNS;
    public static final List<String> LABEL_COLUMNS = DatasetLayout.LABEL_COLUMNS;
    public static final double VALIDATION_FRACTION = 0.1;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path root;
    private final List<String> labels;
    private final TextSplit train;
    private final TextSplit validation;
    private final TextSplit test;
    private final List<String> notes;

    private TextDataset(Path root, List<String> labels, TextSplit train, TextSplit validation, TextSplit test,
            List<String> notes) {
        this.root = root;
        this.labels = List.copyOf(labels);
        this.train = train;
        this.validation = validation;
        this.test = test;
        this.notes = List.copyOf(notes);
    }

    /**
     * Reads every table of the dataset.
     *
     * @param labelled whether a label column is required (classification) or ignored (pre-training)
     * @param seed seeds the validation split carved out of train when the dataset has none
     * @throws DatasetException when the folder has no usable tables, no text column, or (labelled) no labels
     */
    public static TextDataset open(Path root, long seed, boolean labelled) throws IOException {
        if (root == null || !Files.isDirectory(root)) {
            throw new DatasetException("dataset folder " + root + " does not exist or is not a folder");
        }
        Map<String, List<Path>> bySplit = new TreeMap<>();
        for (Path file : tables(root)) {
            String split = split(root.relativize(file));
            bySplit.computeIfAbsent(split == null ? "train" : split, k -> new ArrayList<>()).add(file);
        }
        if (bySplit.isEmpty()) {
            throw new DatasetException("dataset " + root + " has no .csv, .tsv or .jsonl table; expected e.g."
                    + " train.csv with a \"text\" column" + (labelled ? " and a \"label\" column" : ""));
        }
        if (!bySplit.containsKey("train")) {
            throw new DatasetException("dataset " + root + " has " + String.join(", ", bySplit.keySet())
                    + " tables but no train split; name a table train.csv (or data/train-00000-of-00001.csv)");
        }
        List<String> notes = new ArrayList<>();
        Map<String, Rows> rows = new LinkedHashMap<>();
        for (Map.Entry<String, List<Path>> entry : bySplit.entrySet()) {
            rows.put(entry.getKey(), readSplit(root, entry.getKey(), entry.getValue(), labelled, notes));
        }
        Rows trainRows = rows.get("train");
        List<String> labels = labelled ? DatasetLayout.labelOrder(trainRows.labels) : List.of();
        if (labelled && labels.size() < 2) {
            throw new DatasetException("dataset " + root + " has " + labels.size() + " label"
                    + (labels.size() == 1 ? " (" + labels.get(0) + ")" : "s") + " in its train split's \""
                    + trainRows.labelColumn + "\" column; text classification needs at least 2");
        }
        Map<String, Integer> ids = new HashMap<>();
        for (int i = 0; i < labels.size(); i++) {
            ids.put(labels.get(i), i);
        }
        TextSplit train;
        TextSplit validation;
        if (rows.containsKey("validation")) {
            train = toSplit(root, "train", trainRows, ids, labelled);
            validation = toSplit(root, "validation", rows.get("validation"), ids, labelled);
        } else {
            TextSplit[] parts = carveValidation(toSplit(root, "train", trainRows, ids, labelled), labels.size(),
                    labelled, seed);
            train = parts[0];
            validation = parts[1];
            notes.add("no validation split: " + validation.size() + " train texts (10%"
                    + (labelled ? " of each label" : "") + ", seed " + seed + ") are held out for validation");
        }
        TextSplit test;
        if (rows.containsKey("test")) {
            test = toSplit(root, "test", rows.get("test"), ids, labelled);
        } else {
            test = new TextSplit("test", validation.texts(), validation.labels());
            notes.add("no test split: test metrics are computed on the validation split");
        }
        if (train.size() == 0) {
            throw new DatasetException("dataset " + root + " has no train texts left after holding out validation");
        }
        return new TextDataset(root, labels, train, validation, test, notes);
    }

    public Path root() {
        return root;
    }

    /** Label names (empty when read without labels); the index of a name is its label id. */
    public List<String> labels() {
        return labels;
    }

    public TextSplit train() {
        return train;
    }

    public TextSplit validation() {
        return validation;
    }

    public TextSplit test() {
        return test;
    }

    /** A split by its name: "train", "validation" (also "val", "dev", ...) or "test". */
    public TextSplit split(String name) {
        String canonical = SplitNames.canonical(name);
        if (canonical == null) {
            throw new IllegalArgumentException("no split \"" + name + "\"; use train, validation or test");
        }
        return canonical.equals("train") ? train : canonical.equals("validation") ? validation : test;
    }

    /** What was derived rather than found (missing splits, skipped rows), for the run log. */
    public List<String> notes() {
        return notes;
    }

    /** E.g. "3 labels (neg, neu, pos); 900 train, 100 validation, 300 test texts". */
    public String describe() {
        String names = labels.isEmpty() ? "" : labels.size() + " labels"
                + (labels.size() <= 10 ? " (" + String.join(", ", labels) + ")" : "") + "; ";
        return names + train.size() + " train, " + validation.size() + " validation, " + test.size() + " test texts";
    }

    /** The split a table belongs to, from its path as the hub's dataset inspector reads it (null: none named). */
    static String split(Path relative) {
        return SplitNames.ofPath(relative.toString().replace('\\', '/'));
    }


    private static List<Path> tables(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(Files::isRegularFile)
                    .filter(p -> !DatasetLayout.hidden(root.relativize(p).toString()))
                    .filter(p -> DatasetLayout.isTable(p.getFileName().toString()))
                    .sorted(Comparator.comparing(Path::toString)).toList();
        }
    }

    /** Texts and raw label strings of one split, read from its tables in path order. */
    private static final class Rows {
        final List<String> texts = new ArrayList<>();
        final List<String> labels = new ArrayList<>();
        String labelColumn;
    }

    private static Rows readSplit(Path root, String split, List<Path> files, boolean labelled, List<String> notes)
            throws IOException {
        Rows rows = new Rows();
        int skipped = 0;
        for (Path file : files) {
            List<Map<String, String>> records = readTable(root, file);
            if (records.isEmpty()) {
                continue;
            }
            Set<String> columns = records.get(0).keySet();
            String text = Optional.ofNullable(DatasetLayout.textColumn(columns)).orElseThrow(() ->
                    new DatasetException("table " + root.relativize(file) + " has no text column (columns: "
                            + String.join(", ", columns) + "); name it one of " + String.join(", ", TEXT_COLUMNS)));
            String label = labelled ? Optional.ofNullable(DatasetLayout.labelColumn(columns)).orElseThrow(() ->
                    new DatasetException("table " + root.relativize(file) + " has no label column (columns: "
                            + String.join(", ", columns) + "); name it one of " + String.join(", ", LABEL_COLUMNS)))
                    : null;
            rows.labelColumn = label;
            int line = 0;
            for (Map<String, String> record : records) {
                line++;
                String value = record.get(text);
                if (value == null || value.isBlank()) {
                    skipped++;
                    continue;
                }
                if (labelled) {
                    String labelValue = record.get(label);
                    if (labelValue == null || labelValue.isBlank()) {
                        throw new DatasetException("table " + root.relativize(file) + ", record " + line
                                + ": the \"" + label + "\" column is empty; every text needs a label");
                    }
                    rows.labels.add(labelValue.trim());
                }
                rows.texts.add(value);
            }
        }
        if (skipped > 0) {
            notes.add(split + ": " + skipped + " records with an empty text were skipped");
        }
        return rows;
    }

    /** Records as column -> value, in file order. */
    static List<Map<String, String>> readTable(Path root, Path file) throws IOException {
        String content;
        try {
            content = StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(file)))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new DatasetException("table " + root.relativize(file) + " is not UTF-8 text", e);
        }
        if (content.startsWith("\uFEFF")) {
            content = content.substring(1);
        }
        String name = file.getFileName().toString();
        return Media.extension(name).equals("jsonl") ? readJsonl(root, file, content)
                : readDelimited(root, file, content, DatasetLayout.separator(name));
    }

    private static List<Map<String, String>> readJsonl(Path root, Path file, String content) {
        List<Map<String, String>> records = new ArrayList<>();
        String[] lines = content.split("\r?\n");
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].isBlank()) {
                continue;
            }
            JsonNode node;
            try {
                node = JSON.readTree(lines[i]);
            } catch (JsonProcessingException e) {
                throw new DatasetException("table " + root.relativize(file) + ", line " + (i + 1)
                        + " is not JSON: " + e.getOriginalMessage());
            }
            if (!node.isObject()) {
                throw new DatasetException("table " + root.relativize(file) + ", line " + (i + 1)
                        + " is not a JSON object; a .jsonl table has one {\"text\": ..., ...} object per line");
            }
            records.add(TableRows.jsonRecord(node));
        }
        return records;
    }

    /** RFC 4180: a header line, quoted cells may hold separators, doubled quotes and line breaks. */
    private static List<Map<String, String>> readDelimited(Path root, Path file, String content, char separator) {
        List<List<String>> lines;
        try {
            lines = Csv.records(content, separator);
        } catch (IllegalArgumentException e) {
            throw new DatasetException("table " + root.relativize(file) + " " + e.getMessage());
        }
        if (lines.isEmpty()) {
            return List.of();
        }
        List<String> header = lines.get(0).stream().map(String::trim).toList();
        List<Map<String, String>> records = new ArrayList<>();
        for (int r = 1; r < lines.size(); r++) {
            List<String> line = lines.get(r);
            if (line.size() != header.size()) {
                throw new DatasetException("table " + root.relativize(file) + ", record " + r + " has "
                        + line.size() + " cells but the header has " + header.size() + " (" + String.join(", ", header)
                        + "); quote cells that contain a " + (separator == '\t' ? "tab" : "comma"));
            }
            Map<String, String> record = new LinkedHashMap<>();
            for (int i = 0; i < header.size(); i++) {
                record.put(header.get(i), line.get(i));
            }
            records.add(record);
        }
        return records;
    }


    private static TextSplit toSplit(Path root, String name, Rows rows, Map<String, Integer> ids, boolean labelled) {
        if (!labelled) {
            return new TextSplit(name, rows.texts, new int[0]);
        }
        int[] labels = new int[rows.labels.size()];
        for (int i = 0; i < labels.length; i++) {
            Integer id = ids.get(rows.labels.get(i));
            if (id == null) {
                throw new DatasetException("dataset " + root + ": the " + name + " split has label \""
                        + rows.labels.get(i) + "\" which the train split does not have (train labels: "
                        + String.join(", ", ids.keySet().stream().sorted().toList()) + ")");
            }
            labels[i] = id;
        }
        return new TextSplit(name, rows.texts, labels);
    }

    /** Stratified when labelled, and seeded, so the same seed gives the same split. */
    private static TextSplit[] carveValidation(TextSplit all, int numLabels, boolean labelled, long seed) {
        Map<Integer, List<Integer>> groups = new TreeMap<>();
        for (int i = 0; i < all.size(); i++) {
            groups.computeIfAbsent(labelled ? all.label(i) : 0, k -> new ArrayList<>()).add(i);
        }
        List<Integer> train = new ArrayList<>();
        List<Integer> val = new ArrayList<>();
        for (Map.Entry<Integer, List<Integer>> group : groups.entrySet()) {
            List<Integer> members = new ArrayList<>(group.getValue());
            Collections.shuffle(members, new Random(seed * 1_000_003L + group.getKey()));
            int held = members.size() < 2 ? 0 : Math.max(1, (int) Math.round(members.size() * VALIDATION_FRACTION));
            val.addAll(members.subList(0, held));
            train.addAll(members.subList(held, members.size()));
        }
        Collections.sort(train);
        Collections.sort(val);
        return new TextSplit[] {subset("train", all, train, labelled), subset("validation", all, val, labelled)};
    }

    private static TextSplit subset(String name, TextSplit all, List<Integer> indexes, boolean labelled) {
        List<String> texts = new ArrayList<>();
        int[] labels = new int[labelled ? indexes.size() : 0];
        for (int i = 0; i < indexes.size(); i++) {
            texts.add(all.text(indexes.get(i)));
            if (labelled) {
                labels[i] = all.label(indexes.get(i));
            }
        }
        return new TextSplit(name, texts, labels);
    }
}
