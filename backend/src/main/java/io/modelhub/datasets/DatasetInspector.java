package io.modelhub.datasets;

import io.modelhub.commits.RepoFile;
import io.modelhub.repos.DatasetSchema;
import io.modelhub.storage.blobs.BlobStore;
import io.modelhub.storage.datasets.DatasetLayout;
import io.modelhub.storage.datasets.Media;
import io.modelhub.storage.datasets.TableRows;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * A commit's dataset layout, as hub-storage's {@link DatasetLayout} detects it (the rules the runners' loaders
 * share): this adapter hands it the commit's paths and reads tables from the blob store, up to
 * {@link #MAX_TABLE_BYTES} each.
 */
@ApplicationScoped
public class DatasetInspector {
    static final long MAX_TABLE_BYTES = 16L * 1024 * 1024;
    /**
     * Audio the hub catalogs but runners cannot decode (they read WAV): jobs on it are refused at submit.
     */
    public static final Set<String> COMPRESSED_AUDIO = Media.AUDIO.undecodableExtensions();

    @Inject
    BlobStore store;

    public DatasetSchema inspect(List<RepoFile> files) {
        Map<String, RepoFile> byPath = files.stream().collect(Collectors.toMap(RepoFile::path, Function.identity(), (a, b) -> b));
        return DatasetSchema.of(DatasetLayout.detect(byPath.keySet(), path -> open(byPath.get(path))));
    }

    /** The first {@code limit} rows of a table file, for the dataset page's preview. */
    public List<Map<String, String>> previewRows(RepoFile table, int limit) {
        List<Map<String, String>> rows = new ArrayList<>();
        if (limit <= 0) {
            return rows;
        }
        try (Reader in = open(table)) {
            TableRows.read(table.path(), in, (columns, row) -> {
                rows.add(row);
                return rows.size() < limit;
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return rows;
    }

    private Reader open(RepoFile f) throws IOException {
        return new InputStreamReader(store.open(f.sha256(), 0, Math.min(f.size(), MAX_TABLE_BYTES)), StandardCharsets.UTF_8);
    }

    /**
     * The media files the runners cannot decode (compressed audio, AVIF/HEIC/JXL images), which the schema counts:
     * a job on a dataset with any of them fails on the runner with the conversion to make, so submit can refuse it.
     */
    public static List<String> undecodable(List<RepoFile> files) {
        return DatasetLayout.undecodable(files.stream().map(RepoFile::path).toList());
    }

    public static String extension(String path) {
        return Media.extension(path);
    }
}
