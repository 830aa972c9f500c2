package io.modelhub.repos;

import io.modelhub.storage.datasets.DetectedLayout;

import java.util.List;
import java.util.Map;

/**
 * What a dataset repository holds, as stored (JSON, repos.dataset_schema) and served: the fields of hub-storage's
 * {@link DetectedLayout}, which defines them, less the list of undecodable files (derived again at job submit).
 */
public record DatasetSchema(String format, String modality, Map<String, Long> splits, List<String> labels,
                            List<String> columns, String labelColumn, String textColumn) {

    public static DatasetSchema of(DetectedLayout layout) {
        return new DatasetSchema(layout.format(), layout.modality(), layout.splits(), layout.labels(), layout.columns(),
                layout.labelColumn(), layout.textColumn());
    }
}
