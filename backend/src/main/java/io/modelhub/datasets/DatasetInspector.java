package io.modelhub.datasets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelhub.commits.RepoFile;
import io.modelhub.storage.blobs.BlobStore;
import io.modelhub.storage.inspect.Csv;
import io.modelhub.storage.inspect.SplitNames;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Detects a dataset's layout from its file paths and, for tables, their first lines: the usual split names
 * (train/validation/test, also as file names like train.csv or data/train-0000.parquet), folder labels,
 * and a table's columns and label values. Tables are read up to {@link #MAX_TABLE_BYTES} each.
 */
@ApplicationScoped
public class DatasetInspector {
    static final long MAX_TABLE_BYTES = 16L * 1024 * 1024;
    private static final Set<String> IMAGE = Set.of("png", "jpg", "jpeg", "bmp", "gif", "webp");
    private static final Set<String> AUDIO = Set.of("wav", "wave", "flac", "mp3", "ogg");
    /** Audio the hub catalogs but runners cannot decode (they read WAV): jobs on it are refused at submit. */
    public static final Set<String> COMPRESSED_AUDIO = Set.of("flac", "mp3", "ogg");
    private static final Set<String> TABLE = Set.of("csv", "tsv", "jsonl");
    private static final List<String> LABEL_COLUMNS = List.of("label", "labels", "class", "category", "target");
    private static final List<String> TEXT_COLUMNS = List.of("text", "sentence", "caption", "transcript", "content");

    @Inject
    BlobStore store;
    @Inject
    ObjectMapper json;

    public DatasetSchema inspect(List<RepoFile> files) {
        Map<String, Long> mediaPerSplit = new TreeMap<>();
        Set<String> folderLabels = new TreeSet<>();
        int images = 0;
        int audio = 0;
        List<RepoFile> tables = new ArrayList<>();
        for (RepoFile f : files) {
            String[] parts = f.path().split("/");
            if (parts.length >= 3 && parts[0].equalsIgnoreCase("data")) {
                // data/train/<label>/file: HF repos often keep the folders below data/, as the runners accept
                parts = java.util.Arrays.copyOfRange(parts, 1, parts.length);
            }
            String ext = extension(f.path());
            if (TABLE.contains(ext)) {
                tables.add(f);
                continue;
            }
            boolean image = IMAGE.contains(ext);
            boolean sound = AUDIO.contains(ext);
            if (!image && !sound) {
                continue;
            }
            images += image ? 1 : 0;
            audio += sound ? 1 : 0;
            String split = SplitNames.ofPath(String.join("/", parts));
            if (split != null) {
                mediaPerSplit.merge(split, 1L, Long::sum);
                if (parts.length >= 3) {
                    folderLabels.add(parts[1]);
                }
            }
        }
        String mediaModality = images > 0 && audio > 0 ? "multimodal" : images > 0 ? "vision" : audio > 0 ? "audio" : null;
        Table table = tables.isEmpty() ? null : readTables(tables);
        if (mediaModality != null && table != null && (table.textColumn != null || table.fileColumns >= 2)) {
            // Media plus a table with text per file (image-caption or audio-transcript pairs), or with two files per
            // row in columns named *file_name (image-audio pairs, e.g. image_file_name,audio_file_name).
            return new DatasetSchema("paired", "multimodal", table.rowsPerSplit.isEmpty() ? mediaPerSplit : table.rowsPerSplit,
                    List.copyOf(table.labels), table.columns, table.labelColumn, table.textColumn);
        }
        if (mediaModality != null) {
            String format = images > 0 && audio == 0 ? "imagefolder" : audio > 0 && images == 0 ? "audiofolder" : "files";
            return new DatasetSchema(format, mediaModality, mediaPerSplit, List.copyOf(folderLabels), List.of(), null, null);
        }
        if (table != null) {
            return new DatasetSchema(table.format, "text", table.rowsPerSplit, List.copyOf(table.labels), table.columns,
                    table.labelColumn, table.textColumn);
        }
        return new DatasetSchema("files", "unknown", Map.of(), List.of(), List.of(), null, null);
    }

    /** The first {@code limit} rows of a table file, for the dataset page's preview. */
    public List<Map<String, String>> previewRows(RepoFile table, int limit) {
        List<Map<String, String>> rows = new ArrayList<>();
        readTable(table, (columns, row) -> {
            if (rows.size() < limit) {
                Map<String, String> m = new LinkedHashMap<>();
                for (int i = 0; i < columns.size(); i++) {
                    m.put(columns.get(i), i < row.size() ? row.get(i) : "");
                }
                rows.add(m);
            }
            return rows.size() < limit;
        });
        return rows;
    }

    private static final class Table {
        String format;
        List<String> columns = List.of();
        String labelColumn;
        String textColumn;
        /** Columns naming a media file per row: file_name, or image_file_name, audio_file_name, ... */
        long fileColumns;
        final Set<String> labels = new TreeSet<>();
        final Map<String, Long> rowsPerSplit = new TreeMap<>();
    }

    private Table readTables(List<RepoFile> files) {
        Table t = new Table();
        for (RepoFile f : files) {
            String split = SplitNames.ofPath(f.path());
            String key = split == null ? "train" : split;
            t.format = extension(f.path()).equals("jsonl") ? "jsonl" : "csv";
            readTable(f, (columns, row) -> {
                if (t.columns.isEmpty()) {
                    t.columns = columns;
                    t.labelColumn = LABEL_COLUMNS.stream().filter(columns::contains).findFirst().orElse(null);
                    t.textColumn = TEXT_COLUMNS.stream().filter(columns::contains).findFirst().orElse(null);
                    t.fileColumns = columns.stream().filter(c -> c.endsWith("file_name")).count();
                }
                t.rowsPerSplit.merge(key, 1L, Long::sum);
                int li = t.labelColumn == null ? -1 : columns.indexOf(t.labelColumn);
                if (li >= 0 && li < row.size() && !row.get(li).isBlank() && t.labels.size() < 1000) {
                    t.labels.add(row.get(li));
                }
                return true;
            });
        }
        return t;
    }

    private interface RowSink {
        boolean accept(List<String> columns, List<String> row);
    }

    private void readTable(RepoFile f, RowSink sink) {
        long length = Math.min(f.size(), MAX_TABLE_BYTES);
        try (InputStream in = store.open(f.sha256(), 0, length);
             BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            String ext = extension(f.path());
            String line;
            List<String> columns = null;
            while ((line = reader.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                List<String> row;
                if (ext.equals("jsonl")) {
                    JsonNode node;
                    try {
                        node = json.readTree(line);
                    } catch (IOException cutOrBroken) {
                        break;
                    }
                    if (columns == null) {
                        columns = new ArrayList<>();
                        for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                            columns.add(it.next());
                        }
                    }
                    row = new ArrayList<>();
                    for (String c : columns) {
                        JsonNode v = node.get(c);
                        row.add(v == null || v.isNull() ? "" : v.isValueNode() ? v.asText() : v.toString());
                    }
                } else {
                    List<String> cells = Csv.cells(line, ext.equals("tsv") ? '\t' : ',');
                    if (columns == null) {
                        columns = cells;
                        continue;
                    }
                    row = cells;
                }
                if (!sink.accept(List.copyOf(columns), row)) {
                    return;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }



    public static String extension(String path) {
        int dot = path.lastIndexOf('.');
        return dot < 0 ? "" : path.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

}
