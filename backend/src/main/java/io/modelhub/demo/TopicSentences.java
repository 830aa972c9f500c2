package io.modelhub.demo;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Short English sentences about four topics (sports, weather, food, technology), written from templates with
 * topic and shared filler words, as train.csv / validation.csv / test.csv with the columns text and label. The
 * text column alone is the corpus for masked-token pre-training; the labels are the fine-tuning task.
 */
public final class TopicSentences {
    public static final List<String> LABELS = List.of("food", "sports", "technology", "weather");

    private static final Map<String, List<String>> SUBJECTS = Map.of(
            "sports", List.of("the team", "the striker", "the coach", "our goalkeeper", "the home side", "the runner",
                    "the captain", "the league leaders", "the young midfielder", "the tennis player"),
            "weather", List.of("the forecast", "a cold front", "the storm", "heavy rain", "the morning fog",
                    "a heat wave", "the wind", "light snow", "the thunder", "a clear sky"),
            "food", List.of("the chef", "the soup", "our bakery", "the fresh bread", "the new restaurant",
                    "the spicy curry", "grandma's recipe", "the pasta", "the market stall", "the chocolate cake"),
            "technology", List.of("the new phone", "the software update", "the startup", "the laptop",
                    "the search engine", "the chip maker", "the app", "the data center", "the robot", "the browser"));
    private static final Map<String, List<String>> VERBS = Map.of(
            "sports", List.of("won the match", "scored twice", "lost the final", "trained hard", "beat the champions",
                    "missed a penalty", "signed a new contract", "broke the record"),
            "weather", List.of("brought showers", "cooled the city", "flooded the roads", "cleared by noon",
                    "kept the temperatures low", "warmed the coast", "delayed the flights", "froze the lake"),
            "food", List.of("tasted delicious", "was served hot", "sold out by lunch", "won a cooking prize",
                    "used local tomatoes", "smelled of garlic", "was baked fresh", "got great reviews"),
            "technology", List.of("crashed on launch", "shipped a faster processor", "fixed a security bug",
                    "raised new funding", "released an update", "improved battery life", "trained a new model",
                    "went open source"));
    private static final List<String> TIMES = List.of("yesterday", "this morning", "on sunday", "last night",
            "after a long week", "today", "again", "in the end", "at last", "this season");
    private static final List<String> OPENERS = List.of("", "", "reports say ", "everyone agrees ", "as expected ",
            "surprisingly ", "according to locals ");

    private TopicSentences() {
    }

    public static DemoDataset generate(String name, long seed, DemoDataset.Sizes sizes) {
        SplittableRandom random = new SplittableRandom(seed);
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (String split : DemoDataset.SPLITS) {
            StringBuilder csv = new StringBuilder("text,label\n");
            int rows = sizes.perClass(split) * LABELS.size();
            for (int i = 0; i < rows; i++) {
                String label = LABELS.get(random.nextInt(LABELS.size()));
                csv.append(quote(sentence(label, random))).append(',').append(label).append('\n');
            }
            files.put(split + ".csv", csv.toString().getBytes(StandardCharsets.UTF_8));
        }
        String body = "Short sentences about " + String.join(", ", LABELS) + ", about "
                + sizes.trainPerClass() * LABELS.size() + " train, " + sizes.validationPerClass() * LABELS.size()
                + " validation and " + sizes.testPerClass() * LABELS.size() + " test rows in `train.csv`, "
                + "`validation.csv` and `test.csv` (columns `text`, `label`). Sentences are built from templates: "
                + "a subject and a verb phrase of the topic, with shared openers and time words.";
        return new DemoDataset(name, DemoDataset.card("Demo topics", "text-classification", "text",
                TopicSentences.class.getName(), seed, body), files);
    }

    static String sentence(String label, SplittableRandom random) {
        String opener = pick(OPENERS, random);
        String subject = pick(SUBJECTS.get(label), random);
        String verb = pick(VERBS.get(label), random);
        String time = pick(TIMES, random);
        String s = random.nextBoolean() ? opener + subject + " " + verb + " " + time
                : opener + time + " " + subject + " " + verb;
        return Character.toUpperCase(s.charAt(0)) + s.substring(1) + ".";
    }

    private static String pick(List<String> options, SplittableRandom random) {
        return options.get(random.nextInt(options.size()));
    }

    private static String quote(String text) {
        return "\"" + text.replace("\"", "\"\"") + "\"";
    }
}
