package io.modelhub.runners.recipes.audio.wav2vec2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.tracker.Tracker;
import io.modelhub.runners.recipes.vision.Safetensors;
import io.modelhub.runners.testing.PythonReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The DJL wav2vec2 / HuBERT against torchaudio 0.13 on seeded tiny models (src/test/scripts/wav2vec2_reference.py):
 * the same transformers checkpoint, the same padded waveforms, last_hidden_state and the sequence classifier's
 * logits within 1e-4; and a folder written by Java loads into torchaudio and gives Java's outputs.
 */
class Wav2Vec2ParityTest {

    private static final double TOLERANCE = 1e-4;

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"wav2vec2-group", "wav2vec2-layer-stable", "hubert-group"})
    void hiddenStatesAndLogitsMatchTorchaudio(String variant) throws Exception {
        Map<String, Safetensors.HostTensor> reference = Wav2Vec2Reference.reference(variant);
        try (Wav2Vec2Model model = Wav2Vec2Model.load(Wav2Vec2Reference.model(variant), Device.cpu());
                NDManager manager = model.manager().newSubManager()) {
            boolean withMask = model.features().returnAttentionMask();
            NDList inputs = Wav2Vec2Reference.inputs(manager, reference, withMask);
            NDArray hidden = model.lastHiddenState(inputs);
            Safetensors.HostTensor expected = reference.get("last_hidden_state");
            assertArrayEquals(expected.shape(), hidden.getShape().getShape(), variant);
            long[] real = Wav2Vec2Reference.realFrames(model.config(), reference.get("attention_mask"),
                    expected.shape()[1]);
            double diff = Wav2Vec2Reference.maxDiffOverRealFrames(hidden.toFloatArray(), expected.data(),
                    expected.shape(), real);
            System.out.printf("Wav2Vec2ParityTest %s: last_hidden_state max abs diff %.3g%n", variant, diff);
            assertTrue(diff <= TOLERANCE, variant + " last_hidden_state max abs diff " + diff);
            if (reference.containsKey("logits")) {
                assertTrue(model.block().classifier());
                float[] logits = model.forward(inputs).singletonOrThrow().toFloatArray();
                double logitDiff = Wav2Vec2Reference.maxDiff(logits, reference.get("logits").data());
                System.out.printf("Wav2Vec2ParityTest %s: logits max abs diff %.3g%n", variant, logitDiff);
                assertTrue(logitDiff <= TOLERANCE, variant + " logits max abs diff " + logitDiff);
            }
        }
    }

    @Test
    void theMaskMatters() throws Exception {
        // the padded clips' outputs must depend on the mask, or the masked comparison above proves nothing
        String variant = "wav2vec2-layer-stable";
        Map<String, Safetensors.HostTensor> reference = Wav2Vec2Reference.reference(variant);
        try (Wav2Vec2Model model = Wav2Vec2Model.load(Wav2Vec2Reference.model(variant), Device.cpu());
                NDManager manager = model.manager().newSubManager()) {
            float[] masked = model.forward(Wav2Vec2Reference.inputs(manager, reference, true)).head().toFloatArray();
            float[] unmasked = model.forward(Wav2Vec2Reference.inputs(manager, reference, false)).head()
                    .toFloatArray();
            assertTrue(Wav2Vec2Reference.maxDiff(masked, unmasked) > 1e-2);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"wav2vec2-group", "wav2vec2-layer-stable"})
    void aFolderSavedByJavaRunsInTorchaudio(String variant) throws Exception {
        Map<String, Safetensors.HostTensor> reference = Wav2Vec2Reference.reference(variant);
        Path saved = tmp.resolve("saved");
        Path inputsFile = tmp.resolve("inputs.safetensors");
        Path outputFile = tmp.resolve("torchaudio.safetensors");
        // a new head (Java-seeded weights) on the reference encoder, trained a few steps by Java: what a fine-tune
        // writes, every tensor changed from the reference's
        try (Wav2Vec2Classifier classifier = Wav2Vec2Classifier.withNewHead(Wav2Vec2Reference.model(variant),
                List.of("left", "right"), 7, Device.cpu()); NDManager manager = classifier.manager().newSubManager()) {
            Wav2Vec2Model model = classifier.model();
            NDList inputs = Wav2Vec2Reference.inputs(manager, reference, model.features().returnAttentionMask());
            float before = train(classifier, inputs, manager);
            model.save(saved);
            var tensors = Safetensors.read(saved.resolve(Wav2Vec2Model.WEIGHTS_FILE));
            String prefix = model.config().modelType() + ".";
            assertTrue(tensors.containsKey(prefix + "encoder.pos_conv_embed.conv.weight_g"), tensors.keySet()
                    .toString());
            assertFalse(tensors.keySet().stream().anyMatch(n -> n.contains("parametrizations")));
            assertTrue(tensors.containsKey(prefix + "masked_spec_embed"));
            assertEquals(2, tensors.get("classifier.weight").shape()[0]);
            assertTrue(Files.isRegularFile(saved.resolve("preprocessor_config.json")));

            Safetensors.write(inputsFile, Map.of("input_values",
                    Wav2Vec2Reference.array(manager, reference.get("input_values")), "attention_mask",
                    Wav2Vec2Reference.array(manager, reference.get("attention_mask"))));
            PythonReference.run("wav2vec2_reference.py", "verify", saved.toString(), inputsFile.toString(),
                    outputFile.toString());
            var torchaudio = Safetensors.read(outputFile);
            float[] logits = model.forward(inputs).singletonOrThrow().toFloatArray();
            double diff = Wav2Vec2Reference.maxDiff(logits, torchaudio.get("logits").data());
            System.out.printf("Wav2Vec2ParityTest %s: Java-saved classifier in torchaudio, logits max abs diff %.3g%n",
                    variant, diff);
            assertTrue(diff <= TOLERANCE, "logits max abs diff " + diff);
            assertTrue(Math.abs(logits[0] - logits[1]) > 10 * TOLERANCE && Math.abs(before - logits[0]) > 1e-3,
                    "trained logits must be large enough for the comparison to mean something: " + logits[0] + ", "
                            + logits[1] + " (before training " + before + ")");
            Safetensors.HostTensor expected = torchaudio.get("last_hidden_state");
            long[] real = Wav2Vec2Reference.realFrames(model.config(), reference.get("attention_mask"),
                    expected.shape()[1]);
            double hiddenDiff = Wav2Vec2Reference.maxDiffOverRealFrames(model.lastHiddenState(inputs).toFloatArray(),
                    expected.data(), expected.shape(), real);
            assertTrue(hiddenDiff <= TOLERANCE, "last_hidden_state max abs diff " + hiddenDiff);
        }
    }

    /** A few AdamW steps towards labels 0, 1, 0, ...; returns the first logit before training. */
    private static float train(Wav2Vec2Classifier classifier, NDList inputs, NDManager manager) {
        float before = classifier.logits(inputs).toFloatArray()[0];
        long batch = inputs.get(0).getShape().get(0);
        long[] labels = new long[(int) batch];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i % 2;
        }
        try (Trainer trainer = classifier.newTrainer(Tracker.fixed(1e-2f))) {
            for (int step = 0; step < 3; step++) {
                try (GradientCollector collector = trainer.newGradientCollector()) {
                    NDArray loss = trainer.getLoss().evaluate(new NDList(manager.create(labels)),
                            new NDList(trainer.forward(inputs).singletonOrThrow()));
                    collector.backward(loss);
                }
                trainer.step();
            }
        }
        return before;
    }
}
