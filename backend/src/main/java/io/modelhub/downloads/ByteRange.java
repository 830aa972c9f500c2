package io.modelhub.downloads;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One byte range of a file, from an HTTP Range header ("bytes=a-b", "bytes=a-", "bytes=-n"). */
public record ByteRange(long start, long endInclusive) {
    private static final Pattern SINGLE = Pattern.compile("^bytes=(\\d*)-(\\d*)$");

    public long length() {
        return endInclusive - start + 1;
    }

    public String contentRange(long total) {
        return "bytes " + start + "-" + endInclusive + "/" + total;
    }

    /**
     * Empty when there is no usable header (serve the whole file; several ranges are also served whole, which
     * RFC 9110 allows). Throws {@link Unsatisfiable} when the range lies outside the file.
     */
    public static Optional<ByteRange> parse(String header, long size) {
        if (header == null || header.isBlank()) {
            return Optional.empty();
        }
        Matcher m = SINGLE.matcher(header.trim());
        if (!m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())) {
            return Optional.empty();
        }
        long start;
        long end;
        if (m.group(1).isEmpty()) {
            long suffix = Long.parseLong(m.group(2));
            if (suffix == 0) {
                throw new Unsatisfiable(size);
            }
            start = Math.max(0, size - suffix);
            end = size - 1;
        } else {
            start = Long.parseLong(m.group(1));
            end = m.group(2).isEmpty() ? size - 1 : Math.min(Long.parseLong(m.group(2)), size - 1);
            if (end < start && !m.group(2).isEmpty()) {
                return Optional.empty();
            }
        }
        if (start >= size) {
            throw new Unsatisfiable(size);
        }
        return Optional.of(new ByteRange(start, end));
    }

    public static final class Unsatisfiable extends RuntimeException {
        private final long size;

        public Unsatisfiable(long size) {
            super("Range not satisfiable for a file of " + size + " bytes");
            this.size = size;
        }

        public long size() {
            return size;
        }
    }
}
