package io.modelhub.runners.recipes.crossmodal;

import static io.modelhub.runners.recipes.crossmodal.ResNetTowerAlignmentTest.assertClose;
import static io.modelhub.runners.recipes.crossmodal.ResNetTowerAlignmentTest.loaded;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelhub.runners.recipes.audio.wav2vec2.TinyWav2Vec2;
import io.modelhub.runners.recipes.audio.wav2vec2.Wav2Vec2Config;
import io.modelhub.runners.recipes.audio.wav2vec2.Wav2Vec2Model;
import io.modelhub.runners.recipes.text.bert.BertConfig;
import io.modelhub.runners.recipes.text.bert.TinyBert;
import io.modelhub.runners.recipes.vision.Safetensors;
import io.modelhub.runners.testing.PairedDatasetBuilder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * cross-modal-alignment takes a wav2vec2 or HuBERT encoder as its audio tower: the feature is the mean of the
 * model's own last hidden states over each clip's real frames (padding in a batch changes nothing), read from a
 * base model or from under a classifier's "wav2vec2." prefix, and a tiny wav2vec2 aligned end to end with a
 * TinyBert on captioned sounds beats its untrained baseline and reloads from its folder.
 */
class Wav2Vec2TowerAlignmentTest {

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"wav2vec2", "hubert"})
    void theFeatureIsTheMeanOfTheLastHiddenStatesOverRealFrames(String type) throws Exception {
        Path pairs = PairedDatasetBuilder.in(tmp.resolve("data")).audio().pairs(4).seed(2).build();
        List<String> clips = List.of("0000.wav", "0001.wav", "0002.wav", "0003.wav").stream()
                .map(f -> pairs.resolve("train").resolve(f).toString()).toList();
        Path dir = TinyWav2Vec2.write(tmp.resolve(type), type, 3);
        assertEquals("audio", Towers.modality(dir));
        // the same encoder under a classification head: its tensors are read from under "wav2vec2."/"hubert."
        Path classifier = tmp.resolve(type + "-classifier");
        try (Wav2Vec2Model headed = Wav2Vec2Model.withNewHead(dir, List.of("x", "y"), 1, Device.cpu())) {
            headed.save(classifier);
        }
        float[] expected = null;
        for (Path folder : List.of(dir, classifier)) {
            try (Tower tower = Towers.of(folder);
                    Model model = loaded(tower, folder);
                    Wav2Vec2Model reference = Wav2Vec2Model.load(dir, Device.cpu());
                    NDManager batch = model.getNDManager().newSubManager()) {
                assertEquals(type, tower.modelType());
                assertEquals(64, tower.featureSize());
                NDList inputs = tower.inputs(batch, clips);
                long[] samples = new long[clips.size()];
                float[] mask = inputs.get(1).toFloatArray();
                int longest = (int) inputs.get(0).getShape().get(1);
                for (int b = 0; b < samples.length; b++) {
                    for (int s = 0; s < longest; s++) {
                        samples[b] += (long) mask[b * longest + s];
                    }
                }
                assertTrue(samples[0] != samples[1] || samples[1] != samples[2], "the clips differ in length");
                float[] features = tower.block().forward(new ParameterStore(batch, false), inputs, false)
                        .singletonOrThrow().toFloatArray();
                // the model's own last hidden states, averaged here over each clip's frames
                float[] states = reference.lastHiddenState(inputs).toFloatArray();
                Wav2Vec2Config config = reference.config();
                long frames = config.frames(longest);
                int hidden = config.hiddenSize();
                float[] pooled = new float[clips.size() * hidden];
                for (int b = 0; b < clips.size(); b++) {
                    long real = config.frames(samples[b]);
                    for (int h = 0; h < hidden; h++) {
                        double sum = 0;
                        for (int f = 0; f < real; f++) {
                            sum += states[(int) ((b * frames + f) * hidden + h)];
                        }
                        pooled[b * hidden + h] = (float) (sum / real);
                    }
                }
                assertClose(pooled, features, 1e-6, folder.getFileName() + ": tower vs mean of last_hidden_state");
                if (expected == null) {
                    expected = features;
                } else {
                    assertClose(expected, features, 0, "the classifier's encoder vs the base model");
                }
                // a clip alone (no padding) gives the feature it has in the padded batch
                float[] alone = tower.block().forward(new ParameterStore(batch, false),
                        tower.inputs(batch, clips.subList(0, 1)), false).singletonOrThrow().toFloatArray();
                float[] first = java.util.Arrays.copyOf(features, hidden);
                assertClose(first, alone, 1e-5, "a clip alone vs in a padded batch");
            }
        }
    }

    /** A checkpoint with more transformer layers than config.json says would lose them silently: it is refused. */
    @Test
    void aCheckpointWithOtherLayersIsRefused() throws Exception {
        Path dir = TinyWav2Vec2.write(tmp.resolve("wav2vec2"), "wav2vec2", 3);
        java.nio.file.Files.writeString(dir.resolve("config.json"), java.nio.file.Files.readString(
                dir.resolve("config.json")).replace("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 1"));
        DualEncoder.Side side = new DualEncoder.Side("test/wav2vec2@0", "file_name");
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(
                io.modelhub.runners.recipes.vision.InvalidModelException.class,
                () -> DualEncoder.create(dir, side, dir, side, 8, 0.07, 1, Device.cpu()));
        assertTrue(e.getMessage().contains("config.json has num_hidden_layers 1 but model.safetensors holds 2"),
                e.getMessage());
    }

    @Test
    void aWav2Vec2AndATinyBertAlignBeyondTheirUntrainedBaseline() throws Exception {
        Path pairs = PairedDatasetBuilder.in(tmp.resolve("data")).audio().pairs(160).seed(7).build();
        Path wav2vec2 = TinyWav2Vec2.write(tmp.resolve("wav2vec2"), "wav2vec2", 11);
        List<String> captions = new ArrayList<>();
        for (String sound : PairedDatasetBuilder.SOUNDS) {
            for (String pitch : PairedDatasetBuilder.PITCHES) {
                captions.add(PairedDatasetBuilder.soundCaption(sound, pitch));
            }
        }
        Path bert = TinyBert.write(tmp.resolve("bert"), BertConfig.Family.BERT, captions);
        Map<String, Object> params = Map.of("epochs", 8, "batch_size", 16, "projection_size", 16,
                "learning_rate", 0.001, "seed", (int) TowerAlignment.SEED, "train", "all");
        Path out = TowerAlignment.run(tmp, pairs, wav2vec2, bert, params, "text_to_audio", "audio_to_text",
                "Wav2Vec2TowerAlignmentTest", "wav2vec2 (4 conv layers, 2 layers x 64, 16000 Hz, attention mask, "
                        + "clips up to 10.0 s), mean-pooled last hidden states");

        JsonNode config = new ObjectMapper().readTree(out.resolve("config.json").toFile());
        JsonNode audio = config.path("tower_b");
        assertEquals("audio", audio.path("modality").asText());
        assertEquals("wav2vec2", audio.path("config").path("model_type").asText());
        assertEquals(16_000, audio.path("config").path(Wav2Vec2Tower.EXTRACTOR_FIELD).path("sampling_rate").asInt());
        assertEquals(10.0, audio.path("config").path(Wav2Vec2Tower.MAX_SECONDS_FIELD).asDouble());
        Map<String, Safetensors.HostTensor> weights = Safetensors.read(out.resolve("model.safetensors"));
        assertTrue(weights.containsKey("tower_b.encoder.layers.1.attention.q_proj.weight"), weights.keySet().toString());
        assertTrue(weights.containsKey("tower_b.encoder.pos_conv_embed.conv.weight_g"));
    }
}
