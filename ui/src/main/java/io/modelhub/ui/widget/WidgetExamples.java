package io.modelhub.ui.widget;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The example inputs of a model card's {@code widget:} front matter, in Hugging Face's format: a list of
 * {@code {text: ...}} or {@code {src: ...}} entries, each with an optional {@code example_title}. A {@code src} is
 * loaded only from the model's own files (a path in the repository, or this repository's {@code resolve} URL): the
 * hub fetches nothing from elsewhere on a card's say.
 */
public final class WidgetExamples {
    /** A card is someone's text: a few examples are shown, not hundreds. */
    static final int MAX = 8;

    private WidgetExamples() {
    }

    /**
     * One example.
     *
     * @param title the example_title, else the text or the file name
     * @param text  the text, for text inputs
     * @param src   the src as the card wrote it, for file inputs
     */
    public record Example(String title, String text, String src) {
    }

    /** An example's file, read from the repository. */
    public record File(String name, String contentType, byte[] bytes) {
    }

    /** The examples of a card's front matter; entries of other shapes are skipped. */
    public static List<Example> of(Map<String, Object> frontMatter) {
        Object widget = frontMatter == null ? null : frontMatter.get("widget");
        List<Example> examples = new ArrayList<>();
        if (!(widget instanceof List<?> entries)) {
            return examples;
        }
        for (Object entry : entries) {
            if (examples.size() >= MAX) {
                break;
            }
            if (!(entry instanceof Map<?, ?> map)) {
                continue;
            }
            String text = string(map.get("text"));
            String src = string(map.get("src"));
            if (text == null && src == null) {
                continue;
            }
            String title = string(map.get("example_title"));
            if (title == null) {
                title = text != null ? abbreviate(text) : src.substring(src.lastIndexOf('/') + 1);
            }
            examples.add(new Example(title, text, src));
        }
        return examples;
    }

    /**
     * The repository path an example's {@code src} names, if it is one of this repository's files: a relative path
     * ("samples/cat.png", "./cat.png") or this repository's resolve URL, with or without this hub's host.
     */
    public static Optional<String> repoPath(String src, String repoId) {
        if (src == null || src.isBlank()) {
            return Optional.empty();
        }
        Matcher resolve = Pattern.compile("^(?:https?://[^/]+)?/" + Pattern.quote(repoId) + "/resolve/[^/]+/(.+)$").matcher(src);
        if (resolve.matches()) {
            return Optional.of(resolve.group(1));
        }
        if (src.contains("://") || src.startsWith("/") || src.contains("..")) {
            return Optional.empty();
        }
        return Optional.of(src.startsWith("./") ? src.substring(2) : src);
    }

    /** The Content-Type of a file by its extension, as a browser would send it on upload. */
    static String contentType(String path) {
        String p = path.toLowerCase(Locale.ROOT);
        if (p.endsWith(".png")) return "image/png";
        if (p.endsWith(".jpg") || p.endsWith(".jpeg")) return "image/jpeg";
        if (p.endsWith(".gif")) return "image/gif";
        if (p.endsWith(".webp")) return "image/webp";
        if (p.endsWith(".bmp")) return "image/bmp";
        if (p.endsWith(".wav")) return "audio/wav";
        if (p.endsWith(".flac")) return "audio/flac";
        if (p.endsWith(".mp3")) return "audio/mpeg";
        if (p.endsWith(".ogg")) return "audio/ogg";
        return "application/octet-stream";
    }

    private static String string(Object value) {
        return value instanceof String s && !s.isBlank() ? s : null;
    }

    private static String abbreviate(String text) {
        String oneLine = text.strip().replaceAll("\\s+", " ");
        return oneLine.length() <= 40 ? oneLine : oneLine.substring(0, 39) + "…";
    }
}
