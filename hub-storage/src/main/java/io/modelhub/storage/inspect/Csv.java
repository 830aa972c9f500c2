package io.modelhub.storage.inspect;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

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
        try {
            read(new StringReader(content), separator, strict, records::add);
        } catch (IOException e) {
            // a StringReader does no I/O
            throw new UncheckedIOException(e);
        }
        return records;
    }

    /**
     * Streams the records of a table to {@code sink} until it answers false or the text ends, blank lines skipped;
     * for tables too large to hold as one string (the hub reads the first megabytes of a dataset's tables).
     *
     * @param strict whether text that ends inside a quoted cell is an error; when false, that cut record is
     *               handed over as far as it goes (a table read up to a byte limit ends mid-record)
     * @throws IllegalArgumentException (strict) when the text ends inside a quoted cell
     */
    public static void read(Reader in, char separator, boolean strict, Predicate<List<String>> sink)
            throws IOException {
        Reader reader = in instanceof BufferedReader || in instanceof StringReader ? in : new BufferedReader(in);
        List<String> cells = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        boolean quoted = false;
        int c = reader.read();
        while (c >= 0) {
            int next = reader.read();
            if (quoted) {
                if (c == '"' && next == '"') {
                    cell.append('"');
                    next = reader.read();
                } else if (c == '"') {
                    quoted = false;
                } else {
                    cell.append((char) c);
                }
            } else if (c == '"' && cell.length() == 0) {
                quoted = true;
            } else if (c == separator) {
                cells.add(cell.toString());
                cell.setLength(0);
            } else if (c == '\n' || c == '\r') {
                if (c == '\r' && next == '\n') {
                    next = reader.read();
                }
                cells.add(cell.toString());
                cell.setLength(0);
                if (!blank(cells) && !sink.test(cells)) {
                    return;
                }
                cells = new ArrayList<>();
            } else {
                cell.append((char) c);
            }
            c = next;
        }
        if (quoted && strict) {
            throw new IllegalArgumentException("ends inside a quoted cell (a \" is never closed)");
        }
        if (cell.length() > 0 || !cells.isEmpty()) {
            cells.add(cell.toString());
            if (!blank(cells)) {
                sink.test(cells);
            }
        }
    }

    private static boolean blank(List<String> record) {
        return record.size() == 1 && record.get(0).isBlank();
    }
}
