package io.modelhub.runners.recipes.text.bert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import io.modelhub.runners.recipes.RunResult;
import io.modelhub.runners.recipes.text.TextClassificationRecipe;
import io.modelhub.runners.recipes.vision.ConfigJson;
import io.modelhub.runners.recipes.eval.EvaluateRecipe;
import io.modelhub.runners.testing.FakeRunContext;
import io.modelhub.runners.testing.TextDatasetBuilder;
import io.modelhub.runners.testing.TextDatasetBuilder.Topic;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * text-classification fine-tunes the real all-MiniLM-L6-v2 (a "bert" base model) as it is into a
 * BertForSequenceClassification checkpoint that BertModel loads back with the same test accuracy.
 */
class BertTextClassificationRecipeTest {

    private static final String[] THINGS = {"movie", "meal", "hotel", "book", "concert", "phone", "service", "game",
            "trip", "show", "coffee", "class", "museum", "car", "course", "album"};
    private static final String[][] OPINIONS = {
            {"I hated the %s.", "The %s was awful.", "What a terrible %s.", "The %s was a waste of money.",
                    "Never again, the %s was boring and bad.", "I was disappointed by the %s.",
                    "The %s left me angry.", "Worst %s I have seen in years."},
            {"I loved the %s.", "The %s was wonderful.", "What a great %s.", "The %s was worth every penny.",
                    "Absolutely fantastic %s, highly recommended.", "I really enjoyed the %s.",
                    "The %s made my day.", "Best %s I have seen in years."}};
    private static final List<String> LABELS = List.of("negative", "positive");

    @TempDir
    Path tmp;

    @Test
    void fineTunesMiniLmIntoATransformersCheckpoint() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("reviews"));
        List<String[]> test = reviews(80, 3);
        write(data.resolve("train.jsonl"), reviews(240, 1));
        write(data.resolve("validation.jsonl"), reviews(40, 2));
        write(data.resolve("test.jsonl"), test);
        FakeRunContext ctx = FakeRunContext.builder(tmp.resolve("run")).baseModel(MiniLm.dir()).dataset(data)
                .param("epochs", 2).param("batch_size", 16).param("max_length", 64).build();

        long started = System.nanoTime();
        RunResult result = new TextClassificationRecipe().run(ctx);
        System.out.printf("BertTextClassificationRecipeTest: %s in %.1f s%n%s%n", result.finalMetrics(),
                (System.nanoTime() - started) / 1e9, String.join("\n", ctx.logs()));

        assertTrue(result.completed());
        Map<String, Double> metrics = result.finalMetrics();
        double tuned = metrics.get("test_accuracy");
        assertTrue(tuned >= 0.9 && tuned > metrics.get("base_test_accuracy") + 0.25, metrics.toString());
        assertTrue(ctx.logs().stream().anyMatch(l -> l.contains("linear warm-up over 3 of 30 steps")), ctx.logs().toString());

        JsonNode config = ConfigJson.JSON.readTree(ctx.outputDir().resolve("config.json").toFile());
        assertEquals("BertForSequenceClassification", config.path("architectures").path(0).asText());
        assertEquals("bert", config.path("model_type").asText());
        assertEquals("single_label_classification", config.path("problem_type").asText());
        assertEquals("negative", config.path("id2label").path("0").asText());
        assertEquals(1, config.path("label2id").path("positive").asInt());
        assertTrue(Files.isRegularFile(ctx.outputDir().resolve("tokenizer.json")));

        // test accuracy recomputed from the written weights, outside the training loop
        try (BertModel saved = BertModel.load(ctx.outputDir(), Device.cpu());
                NDManager manager = saved.manager().newSubManager()) {
            List<String> texts = test.stream().map(r -> r[0]).toList();
            NDList inputs = saved.inputs(manager, texts);
            long[] predicted = saved.forward(inputs).singletonOrThrow().argMax(1).toLongArray();
            int correct = 0;
            for (int i = 0; i < predicted.length; i++) {
                if (saved.config().labels().get((int) predicted[i]).equals(test.get(i)[1])) {
                    correct++;
                }
            }
            assertEquals(tuned, correct / (double) test.size(), 1e-9);
        }
        assertEquals(64, ConfigJson.JSON.readTree(ctx.outputDir().resolve("tokenizer_config.json").toFile())
                .path("model_max_length").asInt());

        // the evaluate recipe picks the "bert" evaluator and reproduces the fine-tune's test metrics
        FakeRunContext evaluation = FakeRunContext.builder(tmp.resolve("evaluate")).baseModel(ctx.outputDir())
                .dataset(data).param("metric", "macro_f1").build();
        RunResult scored = new EvaluateRecipe().run(evaluation);
        assertEquals(metrics.get("test_macro_f1"), scored.finalMetrics().get("score"), 1e-9);
        assertEquals(tuned, scored.finalMetrics().get("accuracy"), 1e-9);
        assertEquals("bert", scored.details().get("model_type"));
    }

    /**
     * RoBERTa and DistilBERT base models fine-tune through the recipe too (tiny random encoders, texts cut to 8
     * tokens), and their evaluators score the written checkpoints exactly as the runs' test metrics.
     */
    @Test
    void robertaAndDistilbertFineTuneAndEvaluateAlike() throws Exception {
        Path data = TextDatasetBuilder.in(tmp.resolve("topics")).topics(Topic.SPORT, Topic.WEATHER)
                .split("train", 20).split("validation", 5).split("test", 10).seed(3).build();
        for (BertConfig.Family family : List.of(BertConfig.Family.ROBERTA, BertConfig.Family.DISTILBERT)) {
            Path base = TinyBert.write(tmp.resolve(family.modelType()), family);
            FakeRunContext ctx = FakeRunContext.builder(tmp.resolve("run-" + family.modelType())).baseModel(base)
                    .dataset(data).param("epochs", 2).param("batch_size", 8).param("learning_rate", 1e-3)
                    .param("max_length", 8).param("trainable_layers", 1).build();
            RunResult result = new TextClassificationRecipe().run(ctx);
            assertTrue(result.completed());
            JsonNode config = ConfigJson.JSON.readTree(ctx.outputDir().resolve("config.json").toFile());
            assertEquals(family.architecture(BertConfig.Task.SEQUENCE_CLASSIFICATION),
                    config.path("architectures").path(0).asText());
            assertTrue(ctx.logs().contains("Training the top 1 encoder layers and the head"), ctx.logs().toString());

            FakeRunContext evaluation = FakeRunContext.builder(tmp.resolve("eval-" + family.modelType()))
                    .baseModel(ctx.outputDir()).dataset(data).build();
            RunResult scored = new EvaluateRecipe().run(evaluation);
            assertEquals(result.finalMetrics().get("test_accuracy"), scored.finalMetrics().get("score"), 1e-9);
            assertEquals(result.finalMetrics().get("test_macro_f1"), scored.finalMetrics().get("macro_f1"), 1e-9);
            assertEquals(family.modelType(), scored.details().get("model_type"));
        }
    }

    /** A cancelled BERT fine-tune resumes from its checkpoint (the schedule continues from its step). */
    @Test
    void resumesFromACheckpoint() throws Exception {
        Path data = TextDatasetBuilder.in(tmp.resolve("topics")).topics(Topic.SPORT, Topic.WEATHER)
                .split("train", 16).split("validation", 4).split("test", 8).seed(4).build();
        Path base = TinyBert.write(tmp.resolve("bert"), BertConfig.Family.BERT);
        FakeRunContext first = FakeRunContext.builder(tmp.resolve("attempt-1")).baseModel(base).dataset(data)
                .param("epochs", 3).param("batch_size", 8).param("learning_rate", 1e-3).cancelAfterCheckpoints(1)
                .build();
        assertFalse(new TextClassificationRecipe().run(first).completed());
        assertEquals(4, first.checkpoints().get(0).step());

        FakeRunContext second = FakeRunContext.builder(tmp.resolve("attempt-2")).baseModel(base).dataset(data)
                .param("epochs", 3).param("batch_size", 8).param("learning_rate", 1e-3)
                .resumeFrom(first.checkpoints().get(0)).build();
        RunResult resumed = new TextClassificationRecipe().run(second);
        assertTrue(resumed.completed());
        assertTrue(second.logs().contains("Resuming from checkpoint at epoch 1, step 4"), second.logs().toString());
        assertEquals(8, second.steps());
        try (BertModel saved = BertModel.load(second.outputDir(), Device.cpu())) {
            assertEquals(List.of("sport", "weather"), saved.config().labels());
        }
    }

    /** n short reviews, half of each label, from a seed-specific mix of templates and things. */
    static List<String[]> reviews(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<String[]> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int label = i % 2;
            String[] templates = OPINIONS[label];
            rows.add(new String[] {String.format(templates[random.nextInt(templates.length)],
                    THINGS[random.nextInt(THINGS.length)]), LABELS.get(label)});
        }
        return rows;
    }

    static void write(Path file, List<String[]> rows) throws Exception {
        StringBuilder out = new StringBuilder();
        for (String[] row : rows) {
            out.append("{\"text\": \"").append(row[0]).append("\", \"label\": \"").append(row[1]).append("\"}\n");
        }
        Files.writeString(file, out, StandardCharsets.UTF_8);
    }
}
