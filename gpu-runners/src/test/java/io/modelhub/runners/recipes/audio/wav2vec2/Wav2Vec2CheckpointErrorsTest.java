package io.modelhub.runners.recipes.audio.wav2vec2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.modelhub.runners.recipes.audio.WavFormat;
import io.modelhub.runners.recipes.audio.WavWriter;
import io.modelhub.runners.recipes.data.DatasetException;
import io.modelhub.runners.recipes.data.LabelledFiles;
import io.modelhub.runners.recipes.vision.InvalidModelException;
import io.modelhub.runners.recipes.vision.Safetensors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints and audio a wav2vec2 classifier cannot take are refused before training, naming what is wrong. */
class Wav2Vec2CheckpointErrorsTest {

    private static final List<String> LABELS = List.of("yes", "no");

    @TempDir
    Path tmp;

    /** A tiny base model folder whose tensors went through {@code edit}. */
    private Path base(String name, Consumer<Map<String, Safetensors.HostTensor>> edit) throws Exception {
        Path dir = TinyWav2Vec2.write(tmp.resolve(name), "wav2vec2", 3);
        Map<String, Safetensors.HostTensor> tensors = new TreeMap<>(Safetensors.read(dir.resolve("model.safetensors")));
        edit.accept(tensors);
        try (NDManager manager = NDManager.newBaseManager()) {
            Map<String, NDArray> arrays = new TreeMap<>();
            tensors.forEach((n, t) -> arrays.put(n, manager.create(t.data(), new Shape(t.shape()))));
            Safetensors.write(dir.resolve("model.safetensors"), arrays);
        }
        return dir;
    }

    private String refusal(Path dir) {
        return assertThrows(InvalidModelException.class,
                () -> Wav2Vec2Classifier.withNewHead(dir, LABELS, 1, Device.cpu()).close()).getMessage();
    }

    @Test
    void missingMisshapenAndUnexpectedTensorsAreNamed() throws Exception {
        String missing = refusal(base("missing", t -> t.remove("encoder.layers.1.attention.k_proj.bias")));
        assertTrue(missing.contains("has no tensor encoder.layers.1.attention.k_proj.bias"), missing);

        String shape = refusal(base("shape", t -> t.put("feature_projection.projection.weight",
                new Safetensors.HostTensor(new long[] {64, 16}, new float[64 * 16]))));
        assertTrue(shape.contains("feature_projection.projection.weight has shape [64, 16]")
                && shape.contains("implies (64, 32)"), shape);

        String extra = refusal(base("extra", t -> t.put("encoder.layers.0.adapter.weight",
                new Safetensors.HostTensor(new long[] {2}, new float[2]))));
        assertTrue(extra.contains("does not have: [encoder.layers.0.adapter.weight]"), extra);

        String layers = refusal(base("layers", t -> t.keySet().removeIf(n -> n.startsWith("encoder.layers.1."))));
        assertTrue(layers.contains("num_hidden_layers 2 but model.safetensors holds 1 encoder layers"), layers);

        String other = refusal(base("bert", t -> {
            t.clear();
            t.put("embeddings.word_embeddings.weight", new Safetensors.HostTensor(new long[] {2}, new float[2]));
        }));
        assertTrue(other.contains("not a wav2vec2 checkpoint"), other);
    }

    @Test
    void configFieldsTheWeightsContradictOrThatAreUnsupportedAreNamed() throws Exception {
        Path dir = base("hidden", t -> { });
        Files.writeString(dir.resolve("config.json"), TinyWav2Vec2.configJson("wav2vec2")
                .replace("\"intermediate_size\": 128", "\"intermediate_size\": 96"));
        String message = refusal(dir);
        assertTrue(message.contains("feed_forward.intermediate_dense.weight has shape [128, 64]")
                && message.contains("intermediate_size 96"), message);

        Files.writeString(dir.resolve("config.json"), TinyWav2Vec2.configJson("wav2vec2")
                .replace("\"feat_extract_norm\": \"layer\"", "\"feat_extract_norm\": \"batch\""));
        message = refusal(dir);
        assertTrue(message.contains("feat_extract_norm \"batch\""), message);

        Files.writeString(dir.resolve("config.json"), TinyWav2Vec2.configJson("wav2vec2")
                .replace("\"conv_kernel\": [10, 8, 4, 4]", "\"conv_kernel\": [10, 8, 4]"));
        message = refusal(dir);
        assertTrue(message.contains("conv_dim of 4, conv_kernel of 3 and conv_stride of 4 entries"), message);

        Files.writeString(dir.resolve("config.json"), TinyWav2Vec2.configJson("wav2vec2"));
        Files.writeString(dir.resolve("preprocessor_config.json"), "{\"feature_size\": 80, \"sampling_rate\": 16000}");
        message = refusal(dir);
        assertTrue(message.contains("preprocessor_config.json has feature_size 80"), message);
    }

    @Test
    void aBaseModelIsNoClassifierButItsOtherHeadsAreDroppedForANewOne() throws Exception {
        Path ctc = base("ctc", t -> {
            t.put("lm_head.weight", new Safetensors.HostTensor(new long[] {4, 64}, new float[4 * 64]));
            t.put("lm_head.bias", new Safetensors.HostTensor(new long[] {4}, new float[4]));
        });
        InvalidModelException e = assertThrows(InvalidModelException.class,
                () -> Wav2Vec2Classifier.load(ctc, Device.cpu()));
        assertTrue(e.getMessage().contains("not a Wav2Vec2ForSequenceClassification"), e.getMessage());
        try (Wav2Vec2Classifier model = Wav2Vec2Classifier.withNewHead(ctc, LABELS, 1, Device.cpu())) {
            assertEquals(LABELS, model.labels());
            Path saved = tmp.resolve("saved");
            model.save(saved);
            var tensors = Safetensors.read(saved.resolve("model.safetensors"));
            assertTrue(tensors.keySet().stream().noneMatch(n -> n.startsWith("lm_head")), tensors.keySet().toString());
            try (Wav2Vec2Classifier again = Wav2Vec2Classifier.load(saved, Device.cpu())) {
                assertEquals(LABELS, again.labels());
            }
        }
    }

    @Test
    void audioIsResampledOrRefusedByPath() throws Exception {
        Path dir = TinyWav2Vec2.write(tmp.resolve("model"), "wav2vec2", 3);
        Path at22k = tmp.resolve("a.wav");
        float[] tone = new float[22_050];
        for (int i = 0; i < tone.length; i++) {
            tone[i] = (float) Math.sin(2 * Math.PI * 440 * i / 22_050.0) * 0.5f;
        }
        WavWriter.write(at22k, new float[][] {tone, tone}, 22_050, WavFormat.PCM_16);
        Path mp3 = tmp.resolve("b.wav");
        Files.write(mp3, new byte[] {'I', 'D', '3', 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
        Path tiny = tmp.resolve("c.wav");
        WavWriter.write(tiny, new float[200], 16_000);
        try (Wav2Vec2Classifier model = Wav2Vec2Classifier.withNewHead(dir, LABELS, 1, Device.cpu())) {
            Waveforms clips = model.examples(new LabelledFiles("test", List.of(at22k), new int[] {0}), 0.5);
            assertEquals(8_000, clips.clip(0).length, "one second at 22,050 Hz, resampled to 16 kHz and cut to 0.5 s");
            double mean = 0;
            for (float s : clips.clip(0)) {
                mean += s;
            }
            assertEquals(0, mean / 8_000, 1e-4, "do_normalize: zero mean");

            DatasetException e = assertThrows(DatasetException.class,
                    () -> model.examples(new LabelledFiles("test", List.of(mp3), new int[] {0}), 1));
            assertTrue(e.getMessage().contains(mp3.toString()), e.getMessage());
            e = assertThrows(DatasetException.class,
                    () -> model.examples(new LabelledFiles("test", List.of(tiny), new int[] {0}), 1));
            assertTrue(e.getMessage().contains(tiny + " has 200 samples") && e.getMessage().contains("345"),
                    e.getMessage());
        }
    }
}
