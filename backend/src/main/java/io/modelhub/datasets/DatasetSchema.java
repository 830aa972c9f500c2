package io.modelhub.datasets;

import java.util.List;
import java.util.Map;

/**
 * What a dataset repository holds. {@code format}: imagefolder, audiofolder (train/&lt;label&gt;/file), csv, jsonl
 * (text tables), paired (media files plus a metadata table pairing each with a text, or rows of two files in
 * columns named *file_name, see the runner's PairedDataset), or files (none of these).
 * {@code splits}: examples per split (files for folders, rows for tables). {@code labels}: the class labels, from
 * folder names or the table's label column. {@code columns}: the table's columns.
 */
public record DatasetSchema(String format, String modality, Map<String, Long> splits, List<String> labels,
                            List<String> columns, String labelColumn, String textColumn) {
}
