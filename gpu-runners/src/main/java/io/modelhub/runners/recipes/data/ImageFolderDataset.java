package io.modelhub.runners.recipes.data;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * An image classification dataset in the Hugging Face "imagefolder" layout, read from a local folder:
 * <pre>
 *   train/&lt;label&gt;/*.png|jpg     (also "training")
 *   validation/&lt;label&gt;/...      (also "val", "valid", "eval", "dev")
 *   test/&lt;label&gt;/...            (also "testing")
 * </pre>
 * optionally below a {@code data/} folder, as HF dataset repos often are. A folder with class subfolders and no
 * split folders is all "train", as in HF. The label of an image is the name of the class folder under its split
 * folder (images may sit deeper below it); label ids are the train labels in sorted order, as HF assigns them.
 * <p>
 * Missing splits are derived deterministically: no validation split takes 10% of each train class (seeded);
 * no test split reuses the validation split, which {@link #notes()} says so that the run log shows it.
 */
public final class ImageFolderDataset {

    /** Extensions java.awt's ImageIO decodes without plug-ins. */
    static final Set<String> IMAGE_EXTENSIONS = Set.of("png", "jpg", "jpeg", "bmp", "gif", "tif", "tiff", "wbmp");
    /** Image formats HF datasets use that ImageIO cannot read: failing loudly beats silently dropping them. */
    private static final Set<String> UNSUPPORTED_IMAGE_EXTENSIONS = Set.of("webp", "avif", "heic", "heif", "jxl");

    private static final List<String> TRAIN_NAMES = List.of("train", "training");
    private static final List<String> VALIDATION_NAMES = List.of("validation", "val", "valid", "eval", "dev");
    private static final List<String> TEST_NAMES = List.of("test", "testing");

    /** Share of each train class moved to validation when the dataset has no validation split. */
    public static final double VALIDATION_FRACTION = 0.1;

    private final Path root;
    private final List<String> labels;
    private final ImageSplit train;
    private final ImageSplit validation;
    private final ImageSplit test;
    private final List<String> notes;

    private ImageFolderDataset(Path root, List<String> labels, ImageSplit train, ImageSplit validation,
            ImageSplit test, List<String> notes) {
        this.root = root;
        this.labels = List.copyOf(labels);
        this.train = train;
        this.validation = validation;
        this.test = test;
        this.notes = List.copyOf(notes);
    }

    /**
     * Scans {@code root}. Only file names are read here; pixels are decoded later by {@link DecodedImages}.
     *
     * @param seed seeds the validation split carved out of train when the dataset has none
     * @throws DatasetException when the folder does not have the imagefolder layout
     */
    public static ImageFolderDataset open(Path root, long seed) throws IOException {
        if (root == null || !Files.isDirectory(root)) {
            throw new DatasetException("dataset folder " + root + " does not exist or is not a folder");
        }
        Path base = root;
        Map<String, Path> splits = splitFolders(base);
        if (splits.isEmpty() && Files.isDirectory(root.resolve("data"))) {
            base = root.resolve("data");
            splits = splitFolders(base);
        }
        List<String> notes = new ArrayList<>();
        Path trainDir = splits.get("train");
        if (trainDir == null) {
            if (!splits.isEmpty()) {
                throw new DatasetException("dataset " + root + " has " + String.join(", ", splits.keySet())
                        + " but no train split; expected a train/ folder with one subfolder per class");
            }
            if (classFolders(base).isEmpty()) {
                throw new DatasetException(layoutHelp(root, "has no train/ folder and no class subfolders"));
            }
            trainDir = base;
            notes.add("no split folders: all images under " + root.getFileName() + "/ are the train split");
        }

        Map<String, List<Path>> trainByLabel = scanSplit(root, trainDir, "train");
        List<String> labels = new ArrayList<>(trainByLabel.keySet());
        if (labels.size() < 2) {
            throw new DatasetException("dataset " + root + " has " + labels.size() + " class"
                    + (labels.size() == 1 ? " (" + labels.get(0) + ")" : "es")
                    + " in its train split; image classification needs at least 2 class folders");
        }
        Map<String, Integer> ids = new HashMap<>();
        for (int i = 0; i < labels.size(); i++) {
            ids.put(labels.get(i), i);
        }

        ImageSplit train;
        ImageSplit validation;
        if (splits.containsKey("validation")) {
            train = toSplit("train", trainByLabel, ids, root);
            validation = toSplit("validation", scanSplit(root, splits.get("validation"), "validation"), ids, root);
        } else {
            ImageSplit[] parts = carveValidation(trainByLabel, ids, seed);
            train = parts[0];
            validation = parts[1];
            notes.add("no validation split: " + validation.size() + " train images (10% of each class, seed "
                    + seed + ") are held out for validation");
        }
        ImageSplit test;
        if (splits.containsKey("test")) {
            test = toSplit("test", scanSplit(root, splits.get("test"), "test"), ids, root);
        } else {
            test = new ImageSplit("test", validation.files(), validation.labels());
            notes.add("no test split: test metrics are computed on the validation split");
        }
        if (train.size() == 0) {
            throw new DatasetException("dataset " + root + " has no train images left after holding out validation");
        }
        return new ImageFolderDataset(root, labels, train, validation, test, notes);
    }

    public Path root() {
        return root;
    }

    /** Label names; the index of a name is its label id. */
    public List<String> labels() {
        return labels;
    }

    public ImageSplit train() {
        return train;
    }

    public ImageSplit validation() {
        return validation;
    }

    public ImageSplit test() {
        return test;
    }

    /** What was derived rather than found (missing splits), for the run log. */
    public List<String> notes() {
        return notes;
    }

    private static Map<String, Path> splitFolders(Path base) throws IOException {
        Map<String, Path> found = new TreeMap<>();
        for (Path dir : subfolders(base)) {
            String name = dir.getFileName().toString().toLowerCase(Locale.ROOT);
            String split = TRAIN_NAMES.contains(name) ? "train"
                    : VALIDATION_NAMES.contains(name) ? "validation"
                    : TEST_NAMES.contains(name) ? "test" : null;
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

    /** Class name to its image files (sorted), for one split folder. */
    private static Map<String, List<Path>> scanSplit(Path root, Path splitDir, String split) throws IOException {
        List<Path> loose = images(splitDir, 1);
        Map<String, List<Path>> byLabel = new TreeMap<>();
        for (Path classDir : subfolders(splitDir)) {
            List<Path> files = images(classDir, Integer.MAX_VALUE);
            if (!files.isEmpty()) {
                byLabel.put(classDir.getFileName().toString(), files);
            }
        }
        if (byLabel.isEmpty()) {
            String what = loose.isEmpty()
                    ? "its " + root.relativize(splitDir) + "/ folder has no class subfolders with images"
                    : "its " + root.relativize(splitDir) + "/ folder has " + loose.size()
                            + " images but no class subfolders";
            throw new DatasetException(layoutHelp(root, what));
        }
        if (!loose.isEmpty()) {
            throw new DatasetException("dataset " + root + ": " + loose.size() + " images lie directly in "
                    + root.relativize(splitDir) + "/ (e.g. " + loose.get(0).getFileName()
                    + ") where no class folder gives them a label; move them into " + split + "/<label>/");
        }
        return byLabel;
    }

    private static String layoutHelp(Path root, String problem) {
        return "dataset " + root + " " + problem + ". Expected the imagefolder layout: train/<label>/<image>.png"
                + " (or .jpg), optionally validation/<label>/... and test/<label>/..., one folder per class";
    }

    private static ImageSplit toSplit(String name, Map<String, List<Path>> byLabel, Map<String, Integer> ids,
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
        return new ImageSplit(name, files, labels.stream().mapToInt(Integer::intValue).toArray());
    }

    /** Stratified and seeded, so every class is validated and the same seed gives the same split. */
    private static ImageSplit[] carveValidation(Map<String, List<Path>> trainByLabel, Map<String, Integer> ids,
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
        return new ImageSplit[] {
            new ImageSplit("train", trainFiles, trainLabels.stream().mapToInt(Integer::intValue).toArray()),
            new ImageSplit("validation", valFiles, valLabels.stream().mapToInt(Integer::intValue).toArray())
        };
    }

    private static List<Path> classFolders(Path dir) throws IOException {
        List<Path> result = new ArrayList<>();
        for (Path sub : subfolders(dir)) {
            if (!images(sub, Integer.MAX_VALUE).isEmpty()) {
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

    /** Image files below {@code dir} up to {@code depth} levels, sorted so that runs see the same order. */
    private static List<Path> images(Path dir, int depth) throws IOException {
        try (Stream<Path> files = Files.walk(dir, depth)) {
            List<Path> all = files.filter(Files::isRegularFile)
                    .filter(p -> !hidden(p) && !hiddenBelow(dir, p)).sorted().toList();
            List<Path> images = new ArrayList<>();
            for (Path file : all) {
                String ext = extension(file);
                if (UNSUPPORTED_IMAGE_EXTENSIONS.contains(ext)) {
                    throw new DatasetException("image " + file + " is ." + ext + ", which this runner cannot decode;"
                            + " convert the dataset's images to PNG or JPEG");
                }
                if (IMAGE_EXTENSIONS.contains(ext)) {
                    images.add(file);
                }
            }
            return images;
        }
    }

    private static boolean hidden(Path path) {
        return path.getFileName().toString().startsWith(".");
    }

    /** Skips files inside hidden folders (.git, .cache) below the scanned folder. */
    private static boolean hiddenBelow(Path dir, Path file) {
        for (Path part : dir.relativize(file)) {
            if (part.toString().startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    static String extension(Path file) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
    }
}
