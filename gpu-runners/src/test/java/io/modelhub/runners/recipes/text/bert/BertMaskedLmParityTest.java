package io.modelhub.runners.recipes.text.bert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.modelhub.runners.recipes.vision.InvalidModelException;
import io.modelhub.runners.recipes.vision.Safetensors;
import io.modelhub.runners.testing.PythonReference;
import io.modelhub.storage.inspect.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The *ForMaskedLM heads (BERT: cls.predictions with the checkpoint's tied decoder; RoBERTa: lm_head, exact GELU
 * whatever hidden_act; DistilBERT: vocab_transform / vocab_layer_norm / vocab_projector) of seeded random checkpoints
 * against src/test/scripts/mlm_reference.py, which computes the same model in plain PyTorch from the same
 * safetensors: the token logits agree within 1e-4 at every real token.
 */
class BertMaskedLmParityTest {

    @TempDir
    static Path root;

    @BeforeAll
    static void generate() throws IOException, InterruptedException {
        PythonReference.require("torch");
        int vocab = 0;
        for (String family : List.of("bert", "roberta", "distilbert")) {
            vocab = TinyBert.tokenizer(root.resolve(family));
        }
        PythonReference.run("mlm_reference.py", root.toString(), String.valueOf(vocab));
    }

    @ParameterizedTest
    @ValueSource(strings = {"bert", "roberta", "distilbert"})
    void tokenLogitsMatchPlainPyTorch(String family) throws Exception {
        Path dir = root.resolve(family);
        Map<String, Safetensors.HostTensor> reference = Safetensors.read(dir.resolve("reference.safetensors"));
        Safetensors.HostTensor ids = reference.get("input_ids");
        float[] mask = reference.get("attention_mask").data();
        float[] expected = reference.get("logits").data();
        try (BertModel model = BertModel.load(dir, Device.cpu());
                NDManager manager = model.manager().newSubManager()) {
            assertEquals(BertConfig.Task.MASKED_LM, model.block().task());
            long[] idValues = new long[ids.data().length];
            long[] maskValues = new long[mask.length];
            for (int i = 0; i < idValues.length; i++) {
                idValues[i] = (long) ids.data()[i];
                maskValues[i] = (long) mask[i];
            }
            Shape shape = new Shape(ids.shape());
            float[] logits = model.forward(new NDList(manager.create(idValues, shape), manager.create(maskValues, shape)))
                    .singletonOrThrow().toFloatArray();
            assertEquals(expected.length, logits.length);
            int vocab = model.config().vocabSize();
            double maxDiff = 0;
            for (int token = 0; token < mask.length; token++) {
                if (mask[token] == 0) {
                    continue;
                }
                for (int v = 0; v < vocab; v++) {
                    maxDiff = Math.max(maxDiff, Math.abs(logits[token * vocab + v] - expected[token * vocab + v]));
                }
            }
            System.out.printf("BertMaskedLmParityTest %s: MLM logits max abs diff %.3g%n", family, maxDiff);
            assertTrue(maxDiff <= 1e-4, family + " MLM logits max abs diff " + maxDiff);
        }
    }

    @Test
    void aMissingOrMisshapenHeadTensorIsNamed(@TempDir Path broken) throws Exception {
        Path source = root.resolve("roberta");
        for (String drop : List.of("lm_head.layer_norm.weight", "lm_head.bias")) {
            Path dir = broken.resolve(drop);
            Files.createDirectories(dir);
            for (String file : List.of("config.json", "tokenizer.json", "tokenizer_config.json")) {
                Files.copy(source.resolve(file), dir.resolve(file));
            }
            SafetensorsWriter writer = new SafetensorsWriter();
            Safetensors.read(source.resolve("model.safetensors")).forEach((name, tensor) -> {
                if (!name.equals(drop)) {
                    writer.putFloat32(name, tensor.shape(), tensor.data());
                } else if (name.equals("lm_head.bias")) {
                    writer.putFloat32(name, new long[] {3}, new float[3]);
                }
            });
            writer.write(dir.resolve("model.safetensors"));
            InvalidModelException e = assertThrows(InvalidModelException.class, () -> BertModel.load(dir, Device.cpu()));
            assertTrue(e.getMessage().contains(drop), e.getMessage());
        }
    }
}
