package io.modelhub.storage.datasets;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelhub.storage.inspect.Csv;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the rows of a dataset table (csv, tsv with a header line; jsonl, one object per line) as column -> text,
 * leniently: the hub reads only the first megabytes of a table, so a cut last record is read as far as it goes and a
 * cut (or broken) JSON line ends the table. The runners read whole tables strictly (TextDataset), with the same
 * cell rules (a JSON value's text; nested values as JSON; null as "").
 */
public final class TableRows {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Receives rows in file order; answers false to stop reading. */
    @FunctionalInterface
    public interface Sink {
        boolean accept(List<String> columns, Map<String, String> row);
    }

    private TableRows() {
    }

    /**
     * Streams the rows of the table at {@code path} (its extension says the format) from {@code in} to {@code sink}.
     * The columns are the header's (trimmed), or a jsonl table's first object's fields.
     */
    public static void read(String path, Reader in, Sink sink) throws IOException {
        if (Media.extension(path).equals("jsonl")) {
            readJsonl(in, sink);
            return;
        }
        List<List<String>> header = new ArrayList<>(1);
        Csv.read(in, DatasetLayout.separator(path), false, cells -> {
            if (header.isEmpty()) {
                header.add(cells.stream().map(String::trim).toList());
                return true;
            }
            List<String> columns = header.get(0);
            Map<String, String> row = new LinkedHashMap<>();
            for (int i = 0; i < columns.size(); i++) {
                row.put(columns.get(i), i < cells.size() ? cells.get(i) : "");
            }
            return sink.accept(columns, row);
        });
    }

    private static void readJsonl(Reader in, Sink sink) throws IOException {
        BufferedReader lines = in instanceof BufferedReader b ? b : new BufferedReader(in);
        List<String> columns = null;
        String line;
        while ((line = lines.readLine()) != null) {
            if (line.isBlank()) {
                continue;
            }
            Map<String, String> row;
            try {
                row = jsonRecord(JSON.readTree(line));
            } catch (JsonProcessingException | IllegalArgumentException cutOrBroken) {
                return;
            }
            if (columns == null) {
                columns = List.copyOf(row.keySet());
            }
            if (!sink.accept(columns, row)) {
                return;
            }
        }
    }

    /**
     * A jsonl record's cells: a value's text, a nested value as JSON, null as "".
     *
     * @throws IllegalArgumentException when the line is not a JSON object
     */
    public static Map<String, String> jsonRecord(JsonNode node) {
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        Map<String, String> record = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            JsonNode v = field.getValue();
            record.put(field.getKey(), v.isNull() ? "" : v.isValueNode() ? v.asText() : v.toString());
        }
        return record;
    }
}
