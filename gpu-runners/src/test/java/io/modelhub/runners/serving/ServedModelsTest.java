package io.modelhub.runners.serving;

import ai.djl.ndarray.NDManager;
import io.modelhub.contract.InferenceProtocol.Work;
import io.modelhub.runners.recipes.Torch;
import io.modelhub.runners.recipes.text.bert.BertConfig;
import io.modelhub.runners.recipes.text.bert.BertModel;
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
    void aModelTypeThatIsNotServedIsNamed(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("config.json"), "{\"model_type\": \"gpt2\"}");
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> ServedModels.load(dir));
        assertTrue(e.getMessage().contains("\"gpt2\"") && e.getMessage().contains("modelhub-cnn"), e.getMessage());
    }
}
