package io.modelhub.ui;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/** Human-readable numbers and text for the pages. */
public final class Formats {
    private Formats() {
    }

    public static String bytes(long n) {
        if (n < 1024) {
            return n + " B";
        }
        String[] units = {"KB", "MB", "GB", "TB", "PB"};
        double v = n;
        int i = -1;
        while (v >= 1024 && i < units.length - 1) {
            v /= 1024;
            i++;
        }
        return String.format(Locale.ROOT, v >= 100 ? "%.0f %s" : "%.1f %s", v, units[i]);
    }

    /** 124439808 -> "124M", 6738415616 -> "6.7B". */
    public static String count(Long n) {
        if (n == null) {
            return "—";
        }
        if (n < 1000) {
            return n.toString();
        }
        String[] units = {"k", "M", "B", "T"};
        double v = n;
        int i = -1;
        while (v >= 1000 && i < units.length - 1) {
            v /= 1000;
            i++;
        }
        return String.format(Locale.ROOT, v >= 100 ? "%.0f%s" : "%.1f%s", v, units[i]);
    }

    public static String ago(Instant t) {
        if (t == null) {
            return "";
        }
        Duration d = Duration.between(t, Instant.now());
        if (d.toMinutes() < 1) {
            return "just now";
        }
        if (d.toHours() < 1) {
            return d.toMinutes() + " min ago";
        }
        if (d.toDays() < 1) {
            return d.toHours() + " h ago";
        }
        if (d.toDays() < 60) {
            return d.toDays() + " days ago";
        }
        return t.toString().substring(0, 10);
    }

    /** Text made safe to put in markup set as innerHTML, inside elements and in quoted attributes. */
    public static String escapeHtml(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;").replace("\"", "&quot;");
    }
}
