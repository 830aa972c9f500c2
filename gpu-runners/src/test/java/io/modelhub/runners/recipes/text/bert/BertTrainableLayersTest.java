package io.modelhub.runners.recipes.text.bert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import io.modelhub.runners.recipes.text.TokenizedTexts;
import io.modelhub.runners.recipes.training.GradientClipping;
import io.modelhub.runners.recipes.training.TrainableClassifier;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** trainable_layers on a BERT-family classifier, and gradient clipping by global norm. */
class BertTrainableLayersTest {

    @TempDir
    Path tmp;

    @Test
    void topLayersAndHeadTrainTheRestStays() throws Exception {
        for (BertConfig.Family family : List.of(BertConfig.Family.BERT, BertConfig.Family.DISTILBERT)) {
            Path base = TinyBert.write(tmp.resolve(family.modelType()), family);
            try (BertTextClassifier model = BertTextClassifier.withNewHead(base, List.of("a", "b"), 1, Device.cpu())) {
                model.trainTopLayers(1);
                String p = model.model().block().prefix();
                String layers = family == BertConfig.Family.DISTILBERT ? "transformer.layer." : "encoder.layer.";
                model.model().namedParameters().forEach((name, parameter) -> {
                    boolean trains = !name.startsWith(p) || name.startsWith(p + layers + "1.")
                            || name.startsWith(p + "pooler.");
                    assertEquals(trains, parameter.requiresGradient(), family + " " + name);
                });
            }
            try (BertTextClassifier model = BertTextClassifier.withNewHead(base, List.of("a", "b"), 1, Device.cpu())) {
                model.trainTopLayers(0);
                model.model().namedParameters().forEach((name, parameter) -> assertEquals(
                        !name.startsWith(model.model().block().prefix()), parameter.requiresGradient(), name));
            }
            try (BertTextClassifier model = BertTextClassifier.withNewHead(base, List.of("a", "b"), 1, Device.cpu())) {
                model.trainTopLayers(TinyBert.LAYERS);
                assertTrue(model.model().namedParameters().get(model.model().block().prefix()
                        + "embeddings.word_embeddings.weight").requiresGradient());
            }
        }
    }

    @Test
    void clippingScalesTheGlobalNormDown() throws Exception {
        Path base = TinyBert.write(tmp.resolve("bert"), BertConfig.Family.BERT);
        try (BertTextClassifier model = BertTextClassifier.withNewHead(base, List.of("a", "b"), 1, Device.cpu());
                Trainer trainer = model.newTrainer(1e-3f);
                NDManager manager = trainer.getManager().newSubManager()) {
            TokenizedTexts texts = new TokenizedTexts(model.model().tokenizer().encode(TinyBert.CORPUS),
                    new int[] {0, 1, 0, 1, 0});
            NDList inputs = model.batchInputs(manager, texts, null, 0, texts.size());
            NDArray labels = TrainableClassifier.labelTensor(manager, texts, null, 0, texts.size());
            try (GradientCollector collector = trainer.newGradientCollector()) {
                NDArray logits = trainer.forward(inputs).singletonOrThrow();
                collector.backward(trainer.getLoss().evaluate(new NDList(labels), new NDList(logits)));
            }
            double before = GradientClipping.clip(trainer, 0);
            assertTrue(before > 1e-3, "norm " + before);
            assertEquals(before, GradientClipping.clip(trainer, 0), before * 1e-5);
            GradientClipping.clip(trainer, before / 4);
            assertEquals(before / 4, GradientClipping.clip(trainer, 0), before * 1e-4);
            assertFalse(Double.isNaN(before));
        }
    }
}
