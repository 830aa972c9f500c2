package io.modelhub.storage.datasets;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What {@link DatasetLayout#detect} found in a dataset. {@code format}: imagefolder, audiofolder (train/&lt;label&gt;/
 * file), csv, jsonl (text tables), paired (media files plus a metadata table pairing each with a text, or rows of
 * two files in *file_name columns), or files (none of these). {@code modality}: vision, audio, text, multimodal or
 * unknown. {@code splits}: examples per split as found (files for folders, rows for tables; splits the runners
 * derive, such as a held-out validation, are not here). {@code labels}: class labels from folder names or the
 * table's label column, in label-id order ({@link DatasetLayout#labelOrder}). {@code columns}: the table's columns.
 * {@code undecodable}: media files the runners cannot decode (a job on them is refused, see {@link Media}).
 */
public record DetectedLayout(String format, String modality, Map<String, Long> splits, List<String> labels,
        List<String> columns, String labelColumn, String textColumn, List<String> undecodable) {

    public DetectedLayout {
        splits = Collections.unmodifiableMap(new TreeMap<>(splits));
        labels = List.copyOf(labels);
        columns = List.copyOf(columns);
        undecodable = List.copyOf(undecodable);
    }
}
