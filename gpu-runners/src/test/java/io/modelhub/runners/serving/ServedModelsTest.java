package io.modelhub.runners.serving;

import ai.djl.ndarray.NDManager;
import io.modelhub.contract.InferenceProtocol.Work;
import io.modelhub.runners.recipes.Torch;
import io.modelhub.runners.recipes.text.bert.BertConfig;
import io.modelhub.runners.recipes.text.bert.BertModel;
import io.modelhub.runners.recipes.text.bert.BertTextClassifier;
import io.modelhub.runners.recipes.text.bert.TinyBert;
import io.modelhub.runners.recipes.vision.InvalidModelException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Loading by config.json and the feature-extraction pipeline's shapes on a tiny BERT base model. */
class ServedModelsTest {
    private static Work text(Object inputs, String task) {
        return new Work("r", "ns/tiny", "c0ffee", task, inputs, Map.of(), null, List.of());
    }

    @Test
    void aBaseBertAnswersPerTokenHiddenStatesAsTheTransformersPipeline(@TempDir Path dir) throws Exception {
        TinyBert.write(dir, BertConfig.Family.BERT, List.of("the cat sat on the mat", "a dog ran"));
        float[] expected;
        int tokens;
        try (BertModel reference = BertModel.load(dir, Torch.preferredDevice());
             NDManager batch = reference.manager().newSubManager()) {
            var inputs = reference.inputs(batch, List.of("the cat sat"));
            tokens = (int) inputs.get(0).getShape().get(1);
            expected = reference.forward(inputs).get(0).toFloatArray();
        }
        try (ServedModel served = ServedModels.load(dir)) {
            assertEquals("feature-extraction", served.task());
            List<?> one = (List<?>) served.run(text("the cat sat", null));
            float[][] states = (float[][]) one.get(0);
            assertEquals(1, one.size(), "[1][tokens][hidden] for one text");
            assertEquals(tokens, states.length, "[CLS] the cat sat [SEP]");
            float[] flat = new float[expected.length];
            for (int t = 0; t < states.length; t++) {
                System.arraycopy(states[t], 0, flat, t * states[t].length, states[t].length);
            }
            assertArrayEquals(expected, flat, 1e-6f);
            assertEquals(2, ((List<?>) served.run(text(List.of("a dog", "the mat"), "feature-extraction"))).size());

            BadInput bytes = assertThrows(BadInput.class, () -> served.run(new Work("r", "ns/tiny", "c0ffee", null, null,
                    Map.of(), new byte[] {1, 2}, List.of())));
            assertTrue(bytes.getMessage().contains("reads text"), bytes.getMessage());
            BadInput task = assertThrows(BadInput.class, () -> served.run(text("x", "text-classification")));
            assertTrue(task.getMessage().contains("does not serve text-classification"), task.getMessage());
        }
    }

    @Test
    void aBatchOfRequestsAnswersEachAsIfAlone(@TempDir Path dir) throws Exception {
        Path base = TinyBert.write(dir.resolve("base"), BertConfig.Family.BERT, List.of("the cat sat on the mat", "a dog ran"));
        try (BertTextClassifier classifier = BertTextClassifier.withNewHead(base, List.of("no", "yes"), 3, Torch.preferredDevice())) {
            classifier.save(dir.resolve("classifier"));
        }
        try (ServedModel served = ServedModels.load(dir.resolve("classifier"))) {
            assertEquals("text-classification", served.task());
            Work one = text("the cat", null);
            Work bad = new Work("r", "ns/tiny", "c0ffee", null, null, Map.of(), new byte[] {1}, List.of());
            Work two = new Work("r", "ns/tiny", "c0ffee", null, List.of("a dog ran on the mat", "sat"), Map.of("top_k", 1), null, List.of());
            Work badParameter = new Work("r", "ns/tiny", "c0ffee", null, "the mat", Map.of("function_to_apply", "relu"), null, List.of());
            List<ServedModel.Answer> batch = served.runBatch(List.of(one, bad, two, badParameter));
            assertEquals(4, batch.size());
            assertScores(served.run(one), batch.get(0).output());
            assertTrue(batch.get(1).error() instanceof BadInput, String.valueOf(batch.get(1)));
            assertScores(served.run(two), batch.get(2).output());
            assertEquals(2, ((List<?>) batch.get(2).output()).size(), "one list per text");
            assertTrue(batch.get(3).error() instanceof BadInput, String.valueOf(batch.get(3)));
        }
    }

    /** Same labels in the same order, scores equal up to the padding of a longer batch. */
    private static void assertScores(Object alone, Object inBatch) {
        List<?> a = (List<?>) alone;
        List<?> b = (List<?>) inBatch;
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            List<?> x = (List<?>) a.get(i);
            List<?> y = (List<?>) b.get(i);
            assertEquals(x.size(), y.size());
            for (int j = 0; j < x.size(); j++) {
                Map<?, ?> p = (Map<?, ?>) x.get(j);
                Map<?, ?> q = (Map<?, ?>) y.get(j);
                assertEquals(p.get("label"), q.get("label"));
                assertEquals((double) p.get("score"), (double) q.get("score"), 1e-5);
            }
        }
    }

    @Test
    void aModelTypeThatIsNotServedIsNamed(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"gpt2\"}");
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> ServedModels.load(dir));
        assertTrue(e.getMessage().contains("\"gpt2\"") && e.getMessage().contains("modelhub-cnn"), e.getMessage());
    }

    @Test
    void loadErrorsNameTheRepositoryFileNotTheRunnersCachePath(@TempDir Path cache) throws Exception {
        // laid out as the runner's download cache is: the model folder deep under the cache root
        Path dir = cache.resolve("models/ns/tiny/c0ffee");
        TinyBert.write(dir, BertConfig.Family.BERT, List.of("the cat sat on the mat", "a dog ran"));
        Path weights = dir.resolve("model.safetensors");
        byte[] saved = Files.readAllBytes(weights);

        Files.write(weights, new byte[] {1, 2, 3});
        assertNamesOnly(dir, cache, "model.safetensors");
        Files.delete(weights);
        assertNamesOnly(dir, cache, "model.safetensors");
        Files.write(weights, saved);

        Files.delete(dir.resolve("tokenizer.json"));
        assertNamesOnly(dir, cache, "tokenizer.json");

        Files.writeString(dir.resolve("config.json"), "{\"model_type\": ");
        assertNamesOnly(dir, cache, "config.json");
        Files.delete(dir.resolve("config.json"));
        assertNamesOnly(dir, cache, "config.json");
    }

    private static void assertNamesOnly(Path dir, Path cache, String file) {
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> ServedModels.load(dir));
        assertTrue(e.getMessage().contains(file), e.getMessage());
        assertTrue(!e.getMessage().contains(cache.toString()) && !e.getMessage().contains("c0ffee"), e.getMessage());
    }
}
