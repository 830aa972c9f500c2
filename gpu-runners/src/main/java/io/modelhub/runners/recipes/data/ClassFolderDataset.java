package io.modelhub.runners.recipes.data;

import io.modelhub.storage.datasets.DatasetLayout;
import io.modelhub.storage.datasets.Media;
import io.modelhub.storage.inspect.SplitNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * A classification dataset in the Hugging Face "imagefolder" / "audiofolder" layout, read from a local folder:
 * <pre>
 *   train/&lt;label&gt;/*.png|jpg|wav (also "training")
 *   validation/&lt;label&gt;/...      (also "val", "valid", "eval", "dev")
 *   test/&lt;label&gt;/...            (also "testing")
 * </pre>
 * optionally below a {@code data/} folder, as HF dataset repos often are. A folder with class subfolders and no
 * split folders is all "train", as in HF. The label of a file is the name of the class folder under its split
 * folder (files may sit deeper below it); label ids are the train labels in sorted order, as HF assigns them.
 * Which files are media (and which the runner refuses to guess at), hidden files and the data/ folder are
 * hub-storage's {@link DatasetLayout} rules, by which the hub's inspector counts the same files and labels.
 * <p>
 * Missing splits are derived deterministically: no validation split takes 10% of each train class (seeded);
 * no test split reuses the validation split, which {@link #notes()} says so that the run log shows it.
 */
public final class ClassFolderDataset implements SplitDataset<LabelledFiles> {


    /** Share of each train class moved to validation when the dataset has no validation split. */
    public static final double VALIDATION_FRACTION = 0.1;

    private final MediaKind kind;
    private final Path root;
    private final List<String> labels;
    private final LabelledFiles train;
    private final LabelledFiles validation;
    private final LabelledFiles test;
    private final List<String> notes;

    private ClassFolderDataset(MediaKind kind, Path root, List<String> labels, LabelledFiles train,
            LabelledFiles validation, LabelledFiles test, List<String> notes) {
        this.kind = kind;
        this.root = root;
        this.labels = List.copyOf(labels);
        this.train = train;
        this.validation = validation;
        this.test = test;
        this.notes = List.copyOf(notes);
    }

    /**
     * Scans {@code root}. Only file names are read here; contents are decoded later (e.g. {@link DecodedImages}).
     *
     * @param seed seeds the validation split carved out of train when the dataset has none
     * @throws DatasetException when the folder does not have the layout, or holds files of an unsupported format
     */
    public static ClassFolderDataset open(Path root, long seed, MediaKind kind) throws IOException {
        if (root == null || !Files.isDirectory(root)) {
            throw new DatasetException("dataset folder " + root + " does not exist or is not a folder");
        }
        Path base = root;
        Map<String, Path> splits = splitFolders(base);
        if (splits.isEmpty() && Files.isDirectory(root.resolve(DatasetLayout.DATA_FOLDER))) {
            base = root.resolve(DatasetLayout.DATA_FOLDER);
            splits = splitFolders(base);
        }
        List<String> notes = new ArrayList<>();
        Path trainDir = splits.get("train");
        if (trainDir == null) {
            if (!splits.isEmpty()) {
                throw new DatasetException("dataset " + root + " has " + String.join(", ", splits.keySet())
                        + " but no train split; expected a train/ folder with one subfolder per class");
            }
            if (classFolders(base, kind).isEmpty()) {
                throw new DatasetException(layoutHelp(root, kind, "has no train/ folder and no class subfolders"));
            }
            trainDir = base;
            notes.add("no split folders: all " + kind.noun() + " under " + root.getFileName() + "/ are the train split");
        }

        Map<String, List<Path>> trainByLabel = scanSplit(root, trainDir, "train", kind);
        List<String> labels = new ArrayList<>(trainByLabel.keySet());
        if (labels.size() < 2) {
            throw new DatasetException("dataset " + root + " has " + labels.size() + " class"
                    + (labels.size() == 1 ? " (" + labels.get(0) + ")" : "es")
                    + " in its train split; classification needs at least 2 class folders");
        }
        Map<String, Integer> ids = new HashMap<>();
        for (int i = 0; i < labels.size(); i++) {
            ids.put(labels.get(i), i);
        }

        LabelledFiles train;
        LabelledFiles validation;
        if (splits.containsKey("validation")) {
            train = toSplit("train", trainByLabel, ids, root);
            validation = toSplit("validation", scanSplit(root, splits.get("validation"), "validation", kind), ids, root);
        } else {
            LabelledFiles[] parts = carveValidation(trainByLabel, ids, seed);
            train = parts[0];
            validation = parts[1];
            notes.add("no validation split: " + validation.size() + " train " + kind.noun() + " (10% of each class, seed "
                    + seed + ") are held out for validation");
        }
        LabelledFiles test;
        if (splits.containsKey("test")) {
            test = toSplit("test", scanSplit(root, splits.get("test"), "test", kind), ids, root);
        } else {
            test = new LabelledFiles("test", validation.files(), validation.labels());
            notes.add("no test split: test metrics are computed on the validation split");
        }
        if (train.size() == 0) {
            throw new DatasetException("dataset " + root + " has no train " + kind.noun()
                    + " left after holding out validation");
        }
        return new ClassFolderDataset(kind, root, labels, train, validation, test, notes);
    }

    public MediaKind kind() {
        return kind;
    }

    public Path root() {
        return root;
    }

    /** Label names; the index of a name is its label id. */
    public List<String> labels() {
        return labels;
    }

    public LabelledFiles train() {
        return train;
    }

    public LabelledFiles validation() {
        return validation;
    }

    public LabelledFiles test() {
        return test;
    }

    /** What was derived rather than found (missing splits), for the run log. */
    public List<String> notes() {
        return notes;
    }

    private static Map<String, Path> splitFolders(Path base) throws IOException {
        Map<String, Path> found = new TreeMap<>();
        for (Path dir : subfolders(base)) {
            String split = SplitNames.canonical(dir.getFileName().toString());
            if (split != null) {
                Path earlier = found.putIfAbsent(split, dir);
                if (earlier != null) {
                    throw new DatasetException("dataset " + base + " has two " + split + " folders: "
                            + earlier.getFileName() + "/ and " + dir.getFileName() + "/; keep one");
                }
            }
        }
        return found;
    }

    /** Class name to its files (sorted), for one split folder. */
    private static Map<String, List<Path>> scanSplit(Path root, Path splitDir, String split, MediaKind kind)
            throws IOException {
        List<Path> loose = media(splitDir, 1, kind);
        Map<String, List<Path>> byLabel = new TreeMap<>();
        for (Path classDir : subfolders(splitDir)) {
            List<Path> files = media(classDir, Integer.MAX_VALUE, kind);
            if (!files.isEmpty()) {
                byLabel.put(classDir.getFileName().toString(), files);
            }
        }
        if (byLabel.isEmpty()) {
            String what = loose.isEmpty()
                    ? "its " + root.relativize(splitDir) + "/ folder has no class subfolders with " + kind.noun()
                    : "its " + root.relativize(splitDir) + "/ folder has " + loose.size()
                            + " " + kind.noun() + " but no class subfolders";
            throw new DatasetException(layoutHelp(root, kind, what));
        }
        if (!loose.isEmpty()) {
            throw new DatasetException("dataset " + root + ": " + loose.size() + " " + kind.noun() + " lie directly in "
                    + root.relativize(splitDir) + "/ (e.g. " + loose.get(0).getFileName()
                    + ") where no class folder gives them a label; move them into " + split + "/<label>/");
        }
        return byLabel;
    }

    private static String layoutHelp(Path root, MediaKind kind, String problem) {
        return "dataset " + root + " " + problem + ". Expected the " + kind.layout() + " layout: train/<label>/"
                + kind.example() + ", optionally validation/<label>/... and test/<label>/..., one folder per class";
    }

    private static LabelledFiles toSplit(String name, Map<String, List<Path>> byLabel, Map<String, Integer> ids,
            Path root) {
        List<Path> files = new ArrayList<>();
        List<Integer> labels = new ArrayList<>();
        for (Map.Entry<String, List<Path>> entry : byLabel.entrySet()) {
            Integer id = ids.get(entry.getKey());
            if (id == null) {
                throw new DatasetException("dataset " + root + ": the " + name + " split has class \""
                        + entry.getKey() + "\" which the train split does not have (train classes: "
                        + String.join(", ", ids.keySet().stream().sorted().toList()) + ")");
            }
            for (Path file : entry.getValue()) {
                files.add(file);
                labels.add(id);
            }
        }
        return new LabelledFiles(name, files, labels.stream().mapToInt(Integer::intValue).toArray());
    }

    /** Stratified and seeded, so every class is validated and the same seed gives the same split. */
    private static LabelledFiles[] carveValidation(Map<String, List<Path>> trainByLabel, Map<String, Integer> ids,
            long seed) {
        List<Path> trainFiles = new ArrayList<>();
        List<Integer> trainLabels = new ArrayList<>();
        List<Path> valFiles = new ArrayList<>();
        List<Integer> valLabels = new ArrayList<>();
        for (Map.Entry<String, List<Path>> entry : trainByLabel.entrySet()) {
            int id = ids.get(entry.getKey());
            List<Path> files = new ArrayList<>(entry.getValue());
            // one Random per class, seeded by class id: adding a class does not reshuffle the others
            Collections.shuffle(files, new Random(seed * 1_000_003L + id));
            int held = files.size() < 2 ? 0 : Math.max(1, (int) Math.round(files.size() * VALIDATION_FRACTION));
            List<Path> val = new ArrayList<>(files.subList(0, held));
            List<Path> rest = new ArrayList<>(files.subList(held, files.size()));
            Collections.sort(val);
            Collections.sort(rest);
            for (Path file : rest) {
                trainFiles.add(file);
                trainLabels.add(id);
            }
            for (Path file : val) {
                valFiles.add(file);
                valLabels.add(id);
            }
        }
        return new LabelledFiles[] {
            new LabelledFiles("train", trainFiles, trainLabels.stream().mapToInt(Integer::intValue).toArray()),
            new LabelledFiles("validation", valFiles, valLabels.stream().mapToInt(Integer::intValue).toArray())
        };
    }

    private static List<Path> classFolders(Path dir, MediaKind kind) throws IOException {
        List<Path> result = new ArrayList<>();
        for (Path sub : subfolders(dir)) {
            if (!media(sub, Integer.MAX_VALUE, kind).isEmpty()) {
                result.add(sub);
            }
        }
        return result;
    }

    private static List<Path> subfolders(Path dir) throws IOException {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.filter(Files::isDirectory).filter(p -> !hidden(p)).sorted().toList();
        }
    }

    /** Files of {@code kind} below {@code dir} up to {@code depth} levels, sorted so runs see the same order. */
    private static List<Path> media(Path dir, int depth, MediaKind kind) throws IOException {
        try (Stream<Path> files = Files.walk(dir, depth)) {
            List<Path> all = files.filter(Files::isRegularFile)
                    .filter(p -> !DatasetLayout.hidden(dir.relativize(p).toString())).sorted().toList();
            List<Path> media = new ArrayList<>();
            for (Path file : all) {
                String ext = extension(file);
                if (kind.unsupportedExtensions().contains(ext)) {
                    throw new DatasetException(kind.media().undecodableMessage(file.toString()));
                }
                if (kind.extensions().contains(ext)) {
                    media.add(file);
                }
            }
            return media;
        }
    }

    private static boolean hidden(Path path) {
        return DatasetLayout.hidden(path.getFileName().toString());
    }

    public static String extension(Path file) {
        return Media.extension(file.getFileName().toString());
    }
}
