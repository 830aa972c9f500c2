package io.modelhub.storage.datasets;

import io.modelhub.storage.inspect.SplitNames;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The dataset layouts the hub catalogs and the runners train on, in one place, so that a dataset the hub accepts is
 * one a runner reads the same way: which files are media ({@link Media}) or tables, which column holds the text, the
 * label or a paired file, the {@code data/} folder HF repositories often add, and split names ({@link SplitNames}).
 * The hub's dataset inspector runs {@link #detect} on a commit's paths; the runners' loaders walk their local copy
 * with the same rules (gpu-runners' DatasetLayoutAgreementTest holds the two to the same answers).
 * <p>
 * Layouts, as the Hugging Face dataset builders define them:
 * <pre>
 *   train/&lt;label&gt;/x.png, validation/..., test/...   imagefolder / audiofolder (optionally below data/; class
 *   &lt;label&gt;/x.png                                      folders without split folders are all train)
 *   train.csv, data/train-00000-of-00001.jsonl, ...  text tables (csv, tsv, jsonl; split from the file name or
 *   train/part-0.csv                                 its folder; a table with no split name is train)
 *   train/metadata.csv + train/x.png                  paired: file_name and a text column, or two *file_name
 *                                                    columns (metadata.csv|jsonl at the root or in a split folder)
 * </pre>
 */
public final class DatasetLayout {

    public static final Set<String> TABLE_EXTENSIONS = Set.of("csv", "tsv", "jsonl");
    /** The text column is the first of these a table has; one order for the hub and every loader. */
    public static final List<String> TEXT_COLUMNS = List.of("text", "sentence", "caption", "transcript", "content");
    public static final List<String> LABEL_COLUMNS = List.of("label", "labels", "class", "category", "target");
    /** The names of a paired dataset's table (HF's imagefolder/audiofolder metadata file). */
    public static final Set<String> METADATA_TABLES = Set.of("metadata.csv", "metadata.jsonl");
    /** HF dataset repositories often keep their split folders below data/. */
    public static final String DATA_FOLDER = "data";
    /** How many distinct labels detection collects: enough for any classification set, bounded for odd columns. */
    static final int MAX_LABELS = 1000;

    private DatasetLayout() {
    }

    /** Opens a table of the dataset, by its relative path, for reading its rows (or the first of them). */
    @FunctionalInterface
    public interface TableSource {
        Reader open(String path) throws IOException;
    }

    public static boolean isTable(String path) {
        return TABLE_EXTENSIONS.contains(Media.extension(path));
    }

    /** The cell separator of a csv or tsv table. */
    public static char separator(String path) {
        return Media.extension(path).equals("tsv") ? '\t' : ',';
    }

    /** Whether a table (relative path) pairs media: a metadata table at the root or in a split folder. */
    public static boolean isMetadataTable(String path) {
        String[] parts = path.split("/");
        return METADATA_TABLES.contains(parts[parts.length - 1].toLowerCase(Locale.ROOT))
                && (parts.length == 1 || parts.length == 2 && SplitNames.canonical(parts[0]) != null);
    }

    /** Files and folders whose name starts with a dot (.git, .cache, .gitattributes) are never dataset content. */
    public static boolean hidden(String path) {
        for (String part : path.split("[/\\\\]")) {
            if (part.startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    /** The text column among {@code columns}, or null. */
    public static String textColumn(Collection<String> columns) {
        return TEXT_COLUMNS.stream().filter(columns::contains).findFirst().orElse(null);
    }

    /** The label column among {@code columns}, or null. */
    public static String labelColumn(Collection<String> columns) {
        return LABEL_COLUMNS.stream().filter(columns::contains).findFirst().orElse(null);
    }

    /** Whether a paired table's column names a media file (file_name, image_file_name, audio_file_name, ...). */
    public static boolean isFileColumn(String column) {
        return column.endsWith("file_name");
    }

    /**
     * The two columns a paired table pairs, in pair order (side a, side b): two *file_name columns in table order,
     * or the text column and file_name (text first, the usual "caption -> image" reading); null when the columns do
     * not pair.
     */
    public static List<String> pairColumns(Collection<String> columns) {
        List<String> files = columns.stream().filter(DatasetLayout::isFileColumn).toList();
        if (files.size() >= 2) {
            return List.of(files.get(0), files.get(1));
        }
        String text = textColumn(columns);
        return files.size() == 1 && text != null ? List.of(text, files.get(0)) : null;
    }

    /** Label ids are the labels in this order, as HF assigns them: sorted, numerically when all are integers. */
    public static List<String> labelOrder(Collection<String> labels) {
        List<String> names = new ArrayList<>(new TreeSet<>(labels));
        if (names.stream().allMatch(s -> s.matches("-?\\d{1,9}"))) {
            names.sort(Comparator.comparingInt(Integer::parseInt));
        }
        return names;
    }

    /** The media files among {@code paths} (hidden ones aside) that the runners cannot decode, in the given order. */
    public static List<String> undecodable(Collection<String> paths) {
        return paths.stream().filter(p -> !hidden(p) && Media.ofPath(p) != null && !Media.ofPath(p).decodes(p)).toList();
    }

    /**
     * Detects the layout of a dataset from its files' relative paths ("/"-separated) and, for tables, their rows.
     *
     * @param tables opens a table among {@code paths}; it may hand over only the table's first part
     * @throws UncheckedIOException when a table cannot be read
     */
    public static DetectedLayout detect(Collection<String> paths, TableSource tables) {
        List<String> media = new ArrayList<>();
        List<String> dataTables = new ArrayList<>();
        List<String> metadataTables = new ArrayList<>();
        // in path order, as the loaders walk folders: the first table read gives the columns
        for (String path : new TreeSet<>(paths)) {
            if (hidden(path)) {
                continue;
            }
            if (Media.ofPath(path) != null) {
                media.add(path);
            } else if (isTable(path)) {
                dataTables.add(path);
                if (isMetadataTable(path)) {
                    metadataTables.add(path);
                }
            }
        }
        List<String> undecodable = undecodable(media);
        if (!media.isEmpty()) {
            DetectedLayout paired = pairs(metadataTables, tables, undecodable);
            return paired != null ? paired : classFolders(media, undecodable);
        }
        if (!dataTables.isEmpty()) {
            return textTables(dataTables, tables);
        }
        return new DetectedLayout("files", "unknown", Map.of(), List.of(), List.of(), null, null, List.of());
    }

    /**
     * The class-folder reading of media files: {@code <split>/<label>/...} (also below data/), or {@code <label>/...}
     * as all train when no file sits in a split folder. Files outside split folders beside them, or directly in a
     * split folder (no label), count for no class; the runners refuse the latter.
     */
    private static DetectedLayout classFolders(List<String> media, List<String> undecodable) {
        List<String[]> relative = media.stream().map(DatasetLayout::belowData).toList();
        boolean splitFolders = relative.stream().anyMatch(parts -> parts.length >= 2 && SplitNames.canonical(parts[0]) != null);
        Map<String, Long> perSplit = new TreeMap<>();
        Set<String> labels = new TreeSet<>();
        Set<Media> kinds = EnumSet.noneOf(Media.class);
        for (int i = 0; i < media.size(); i++) {
            String[] parts = relative.get(i);
            kinds.add(Media.ofPath(media.get(i)));
            String split = splitFolders ? (parts.length >= 2 ? SplitNames.canonical(parts[0]) : null) : "train";
            if (split == null) {
                continue;
            }
            perSplit.merge(split, 1L, Long::sum);
            int labelAt = splitFolders ? 1 : 0;
            if (parts.length >= labelAt + 2) {
                labels.add(parts[labelAt]);
            }
        }
        Media only = kinds.size() == 1 ? kinds.iterator().next() : null;
        return new DetectedLayout(only == null ? "files" : only.folderFormat(), only == null ? "multimodal" : only.modality(),
                perSplit, labelOrder(labels), List.of(), null, null, undecodable);
    }

    /** A media path's parts, below {@code data/} when the files sit there (data/train/&lt;label&gt;/x.png). */
    private static String[] belowData(String path) {
        String[] parts = path.split("/");
        return parts.length >= 3 && parts[0].equalsIgnoreCase(DATA_FOLDER)
                ? Arrays.copyOfRange(parts, 1, parts.length) : parts;
    }

    /**
     * Media paired by metadata tables: a table in a split folder is that split; at the root, each row's split is the
     * first folder of its first file's path (train when none).
     */
    private static DetectedLayout pairs(List<String> metadataTables, TableSource tables, List<String> undecodable) {
        TableStats stats = new TableStats();
        List<String> pair = null;
        for (String table : metadataTables) {
            String[] parts = table.split("/");
            String folderSplit = parts.length == 2 ? SplitNames.canonical(parts[0]) : null;
            List<List<String>> columns = new ArrayList<>(1);
            read(tables, table, (cols, row) -> {
                if (columns.isEmpty()) {
                    columns.add(cols);
                    if (stats.columns.isEmpty()) {
                        stats.setColumns(cols);
                    }
                }
                List<String> sides = pairColumns(cols);
                if (sides == null) {
                    return false;
                }
                String file = sides.stream().filter(DatasetLayout::isFileColumn).findFirst().map(row::get).orElse("");
                String split = folderSplit != null ? folderSplit
                        : file.contains("/") ? SplitNames.canonical(file.substring(0, file.indexOf('/'))) : null;
                stats.count(split == null ? "train" : split, row);
                return true;
            });
            if (!columns.isEmpty() && pair == null) {
                pair = pairColumns(columns.get(0));
            }
        }
        if (pair == null) {
            return null;
        }
        String text = pair.stream().filter(c -> !isFileColumn(c)).findFirst().orElse(null);
        return new DetectedLayout("paired", "multimodal", stats.perSplit, labelOrder(stats.labels), stats.columns,
                stats.labelColumn, text, undecodable);
    }

    /** Text tables: split by file name or folder (train when neither names one); rows with an empty text skipped. */
    private static DetectedLayout textTables(List<String> paths, TableSource tables) {
        TableStats stats = new TableStats();
        boolean allJsonl = true;
        for (String table : paths) {
            allJsonl &= Media.extension(table).equals("jsonl");
            String split = SplitNames.ofPath(table);
            read(tables, table, (cols, row) -> {
                if (stats.columns.isEmpty()) {
                    stats.setColumns(cols);
                }
                String text = stats.textColumn == null ? null : row.get(stats.textColumn);
                if (stats.textColumn == null || text != null && !text.isBlank()) {
                    stats.count(split == null ? "train" : split, row);
                }
                return true;
            });
        }
        return new DetectedLayout(allJsonl ? "jsonl" : "csv", "text", stats.perSplit, labelOrder(stats.labels),
                stats.columns, stats.labelColumn, stats.textColumn, List.of());
    }

    /** Columns (of the first table with rows), rows per split and label values, over a dataset's tables. */
    private static final class TableStats {
        List<String> columns = List.of();
        String labelColumn;
        String textColumn;
        final Map<String, Long> perSplit = new TreeMap<>();
        final Set<String> labels = new TreeSet<>();

        void setColumns(List<String> columns) {
            this.columns = List.copyOf(columns);
            labelColumn = labelColumn(columns);
            textColumn = textColumn(columns);
        }

        void count(String split, Map<String, String> row) {
            perSplit.merge(split, 1L, Long::sum);
            String label = labelColumn == null ? null : row.get(labelColumn);
            if (label != null && !label.isBlank() && labels.size() < MAX_LABELS) {
                labels.add(label.trim());
            }
        }
    }

    private static void read(TableSource tables, String path, TableRows.Sink sink) {
        try (Reader in = tables.open(path)) {
            TableRows.read(path, in, sink);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read table " + path + ": " + e.getMessage(), e);
        }
    }
}
