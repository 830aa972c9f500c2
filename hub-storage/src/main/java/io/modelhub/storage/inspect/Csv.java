package io.modelhub.storage.inspect;

import java.util.ArrayList;
import java.util.List;

/**
 * RFC 4180 tables (csv, or tsv with a tab separator): a cell that starts with a quote may hold separators, doubled
 * quotes and line breaks. One reader for the hub's dataset inspector and the runners' loaders.
 */
public final class Csv {
    private Csv() {
    }

    /** The cells of one line (a line break inside a quoted cell is not seen here: use {@link #records}). */
    public static List<String> cells(String line, char separator) {
        List<List<String>> records = records(line, separator, false);
        return records.isEmpty() ? List.of("") : records.get(0);
    }

    /**
     * Every record of a whole table's text, blank lines skipped.
     *
     * @throws IllegalArgumentException when the text ends inside a quoted cell
     */
    public static List<List<String>> records(String content, char separator) {
        return records(content, separator, true);
    }

    private static List<List<String>> records(String content, char separator, boolean strict) {
        List<List<String>> records = new ArrayList<>();
        List<String> cells = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        for (int i = 0; i < content.length(); i++) {
            char c = content.charAt(i);
            if (quoted) {
                if (c == '"' && i + 1 < content.length() && content.charAt(i + 1) == '"') {
                    cell.append('"');
                    i++;
                } else if (c == '"') {
                    quoted = false;
                } else {
                    cell.append(c);
                }
            } else if (c == '"' && cell.length() == 0) {
                quoted = true;
            } else if (c == separator) {
                cells.add(cell.toString());
                cell.setLength(0);
            } else if (c == '\n' || c == '\r') {
                if (c == '\r' && i + 1 < content.length() && content.charAt(i + 1) == '\n') {
                    i++;
                }
                cells.add(cell.toString());
                cell.setLength(0);
                records.add(cells);
                cells = new ArrayList<>();
            } else {
                cell.append(c);
            }
        }
        if (quoted && strict) {
            throw new IllegalArgumentException("ends inside a quoted cell (a \" is never closed)");
        }
        if (cell.length() > 0 || !cells.isEmpty()) {
            cells.add(cell.toString());
            records.add(cells);
        }
        records.removeIf(r -> r.size() == 1 && r.get(0).isBlank());
        return records;
    }
}
