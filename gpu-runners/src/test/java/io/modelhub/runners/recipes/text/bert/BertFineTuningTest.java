package io.modelhub.runners.recipes.text.bert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.modelhub.runners.recipes.RunResult;
import io.modelhub.runners.recipes.text.TextClassificationRecipe;
import io.modelhub.runners.recipes.text.TokenizedTexts;
import io.modelhub.runners.recipes.training.ClassifierTraining;
import io.modelhub.runners.testing.FakeRunContext;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shared training loop fine-tunes the real MiniLM as a BertForSequenceClassification for one epoch. */
class BertFineTuningTest {

    private static final List<String> LABELS = List.of("negative", "positive");
    private static final String[] THINGS = {"movie", "meal", "hotel", "book", "concert", "phone", "service", "game",
            "trip", "show", "coffee", "class"};
    private static final String[][] OPINIONS = {
            {"I hated the %s.", "The %s was awful.", "What a terrible %s.", "The %s was a waste of money.",
                    "Never again, the %s was boring and bad.", "I was disappointed by the %s."},
            {"I loved the %s.", "The %s was wonderful.", "What a great %s.", "The %s was worth every penny.",
                    "Absolutely fantastic %s, highly recommended.", "I really enjoyed the %s."}};

    @TempDir
    Path tmp;

    @Test
    void oneEpochOnShortTextsGivesALoadableClassifier() throws Exception {
        FakeRunContext ctx = FakeRunContext.builder(tmp).build();
        try (BertTextClassifier fresh = BertTextClassifier.withNewHead(MiniLm.dir(), LABELS, 1, Device.cpu())) {
            ClassifierTraining.Splits<TokenizedTexts> splits = new ClassifierTraining.Splits<>(
                    texts(fresh, 320, 1), texts(fresh, 64, 2), texts(fresh, 64, 3));
            ClassifierTraining<TokenizedTexts, BertTextClassifier> training = new ClassifierTraining<>(
                    new TextClassificationRecipe(), ctx, new ClassifierTraining.Options(1, 5e-5f, 16, 1, false),
                    splits, BertTextClassifier::loadCheckpoint, "texts");
            long start = System.nanoTime();
            RunResult result = training.fineTune(fresh, "encoder");
            System.out.printf("BertFineTuningTest: 1 epoch of 320 texts in %.1f s, test accuracy %.3f (base %.3f)%n",
                    (System.nanoTime() - start) / 1e9, result.finalMetrics().get("test_accuracy"),
                    result.finalMetrics().get("base_test_accuracy"));
            assertTrue(result.completed());
            assertTrue(result.finalMetrics().get("test_accuracy") >= 0.9, result.finalMetrics().toString());

            int[] predicted = fresh.predict(splits.test(), 32);
            try (BertTextClassifier saved = BertTextClassifier.load(ctx.outputDir(), Device.cpu())) {
                assertEquals(LABELS, saved.labels());
                assertEquals("BertForSequenceClassification", saved.model().config().architectures().get(0));
                assertArrayEquals(predicted, saved.predict(splits.test(), 32));
            }
        }
    }

    /** n short reviews, half of each label, from a seed-specific mix of templates and things. */
    private static TokenizedTexts texts(BertTextClassifier model, int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<String> texts = new ArrayList<>();
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = i % 2;
            String[] templates = OPINIONS[labels[i]];
            texts.add(String.format(templates[random.nextInt(templates.length)], THINGS[random.nextInt(THINGS.length)]));
        }
        return new TokenizedTexts(model.model().tokenizer().encode(texts), labels);
    }
}
