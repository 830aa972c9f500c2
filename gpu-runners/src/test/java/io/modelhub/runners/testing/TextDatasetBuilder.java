package io.modelhub.runners.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Writes a small synthetic text dataset as the hub's text datasets look (train.csv, validation.csv, test.csv with
 * "text" and "label" columns; or jsonl/tsv, or HF's data/train-00000-of-00001.csv names), for tests of the text
 * recipes and dataset handling.
 * <p>
 * Every text is a sentence about one {@link Topic} ("the quick striker scores against the keeper ."): its words
 * mostly come from the topic's vocabulary, with a filler word from another topic now and then, and sentence frames
 * shared by all topics. The label is the topic. A masked word is predictable from its context (the frame says
 * which part of speech, the other words which topic), which is what pre-training can learn. Same seed, same bytes.
 * <pre>
 *   Path root = TextDatasetBuilder.in(tempDir).topics(Topic.SPORT, Topic.FOOD, Topic.WEATHER)
 *       .split("train", 100).split("validation", 20).split("test", 40).build();
 * </pre>
 */
public final class TextDatasetBuilder {

    /** A topic: nouns, verbs (third person), adjectives. */
    public enum Topic {
        SPORT(List.of("striker", "keeper", "coach", "referee", "team", "league", "stadium", "goal", "match", "ball"),
                List.of("scores", "tackles", "passes", "defends", "wins", "trains"),
                List.of("quick", "tired", "agile", "famous", "young", "strong")),
        FOOD(List.of("chef", "soup", "bread", "kitchen", "oven", "salad", "cheese", "recipe", "garlic", "waiter"),
                List.of("bakes", "tastes", "cooks", "serves", "slices", "seasons"),
                List.of("spicy", "fresh", "sweet", "crispy", "salty", "warm")),
        WEATHER(List.of("storm", "cloud", "rain", "wind", "forecast", "sky", "thunder", "fog", "snow", "sunshine"),
                List.of("blows", "falls", "clears", "pours", "drifts", "freezes"),
                List.of("cold", "humid", "grey", "windy", "stormy", "foggy")),
        TECH(List.of("server", "laptop", "network", "program", "database", "robot", "chip", "router", "screen", "code"),
                List.of("crashes", "computes", "connects", "updates", "compiles", "reboots"),
                List.of("fast", "digital", "wireless", "secure", "binary", "virtual")),
        MUSIC(List.of("singer", "guitar", "drummer", "song", "choir", "piano", "melody", "concert", "violin", "band"),
                List.of("plays", "sings", "tunes", "performs", "records", "rehearses"),
                List.of("loud", "gentle", "rhythmic", "acoustic", "harmonic", "catchy"));

        final List<String> nouns;
        final List<String> verbs;
        final List<String> adjectives;

        Topic(List<String> nouns, List<String> verbs, List<String> adjectives) {
            this.nouns = nouns;
            this.verbs = verbs;
            this.adjectives = adjectives;
        }

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private static final List<String> PREPOSITIONS = List.of("near", "with", "against", "behind", "after");
    private static final List<String> ADVERBS = List.of("today", "again", "slowly", "loudly", "early");

    private final Path root;
    private final List<Topic> topics = new ArrayList<>();
    private final Map<String, Integer> splits = new LinkedHashMap<>();
    private boolean defaultSplits = true;
    private long seed = 1;
    private String format = "csv";
    private boolean hfNames;
    private boolean labels = true;
    private double noise = 0.15;

    private TextDatasetBuilder(Path root) {
        this.root = root;
        splits.put("train", 100);
        splits.put("validation", 20);
        splits.put("test", 40);
    }

    public static TextDatasetBuilder in(Path root) {
        return new TextDatasetBuilder(root);
    }

    public TextDatasetBuilder topics(Topic... chosen) {
        topics.addAll(List.of(chosen));
        return this;
    }

    /** Texts per topic in a split. The first call replaces the default splits (train 100, validation 20, test 40). */
    public TextDatasetBuilder split(String name, int textsPerTopic) {
        if (defaultSplits) {
            splits.clear();
            defaultSplits = false;
        }
        splits.put(name, textsPerTopic);
        return this;
    }

    public TextDatasetBuilder seed(long seed) {
        this.seed = seed;
        return this;
    }

    /** "csv" (default), "tsv" or "jsonl". */
    public TextDatasetBuilder format(String format) {
        this.format = format;
        return this;
    }

    /** Files named data/{split}-00000-of-00001.{format}, as HF's parquet-converted datasets are. */
    public TextDatasetBuilder hfNames(boolean hfNames) {
        this.hfNames = hfNames;
        return this;
    }

    /** With false, only a text column (a pre-training corpus). */
    public TextDatasetBuilder labels(boolean labels) {
        this.labels = labels;
        return this;
    }

    /** Chance of each topic word being replaced by one of another topic (default 0.15). */
    public TextDatasetBuilder noise(double noise) {
        this.noise = noise;
        return this;
    }

    public Path build() {
        if (topics.isEmpty()) {
            throw new IllegalStateException("add at least one topic");
        }
        try {
            Random random = new Random(seed);
            for (Map.Entry<String, Integer> split : splits.entrySet()) {
                List<String[]> rows = new ArrayList<>();
                for (int i = 0; i < split.getValue(); i++) {
                    for (Topic topic : topics) {
                        rows.add(new String[] {sentence(topic, random), topic.label()});
                    }
                }
                java.util.Collections.shuffle(rows, random);
                Path file = hfNames ? root.resolve("data").resolve(split.getKey() + "-00000-of-00001." + format)
                        : root.resolve(split.getKey() + "." + format);
                Files.createDirectories(file.getParent());
                Files.writeString(file, render(rows), StandardCharsets.UTF_8);
            }
            return root;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every word a sentence can contain, lowercased, in a fixed order (the fixture tokenizer's vocabulary). */
    public static List<String> vocabulary() {
        Set<String> words = new LinkedHashSet<>(List.of("the", "a", "and", ".", ","));
        words.addAll(PREPOSITIONS);
        words.addAll(ADVERBS);
        for (Topic topic : Topic.values()) {
            words.addAll(topic.nouns);
            words.addAll(topic.verbs);
            words.addAll(topic.adjectives);
        }
        return new ArrayList<>(words);
    }

    private String render(List<String[]> rows) {
        StringBuilder out = new StringBuilder();
        if (format.equals("jsonl")) {
            for (String[] row : rows) {
                out.append("{\"text\": \"").append(row[0]).append('"');
                if (labels) {
                    out.append(", \"label\": \"").append(row[1]).append('"');
                }
                out.append("}\n");
            }
            return out.toString();
        }
        char sep = format.equals("tsv") ? '\t' : ',';
        out.append("text").append(labels ? sep + "label" : "").append('\n');
        for (String[] row : rows) {
            String text = sep == ',' && row[0].contains(",") ? '"' + row[0] + '"' : row[0];
            out.append(text).append(labels ? sep + row[1] : "").append('\n');
        }
        return out.toString();
    }

    private String sentence(Topic topic, Random random) {
        String adj = word(topic, random, t -> t.adjectives);
        String noun = word(topic, random, t -> t.nouns);
        String verb = word(topic, random, t -> t.verbs);
        String object = word(topic, random, t -> t.nouns);
        String prep = PREPOSITIONS.get(random.nextInt(PREPOSITIONS.size()));
        String adverb = ADVERBS.get(random.nextInt(ADVERBS.size()));
        return switch (random.nextInt(4)) {
            case 0 -> "the " + adj + " " + noun + " " + verb + " " + prep + " the " + object + " .";
            case 1 -> "a " + noun + " " + verb + " " + adverb + " , and the " + object + " " + verb + " .";
            case 2 -> adverb + " the " + noun + " " + verb + " " + prep + " a " + adj + " " + object + " .";
            default -> "the " + noun + " and the " + object + " " + verb + " " + adverb + " .";
        };
    }

    private String word(Topic topic, Random random, java.util.function.Function<Topic, List<String>> part) {
        Topic from = random.nextDouble() < noise ? Topic.values()[random.nextInt(Topic.values().length)] : topic;
        List<String> words = part.apply(from);
        return words.get(random.nextInt(words.size()));
    }
}
