package io.modelhub.runners.serving;

import ai.djl.Device;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelhub.contract.InferenceProtocol.Work;
import io.modelhub.runners.recipes.audio.AudioClassifierModel;
import io.modelhub.runners.recipes.audio.AudioConfig;
import io.modelhub.runners.recipes.audio.LogMelSpec;
import io.modelhub.runners.recipes.audio.WavWriter;
import io.modelhub.runners.recipes.audio.wav2vec2.TinyWav2Vec2;
import io.modelhub.runners.recipes.audio.wav2vec2.Wav2Vec2Classifier;
import io.modelhub.runners.recipes.vision.CnnConfig;
import io.modelhub.runners.recipes.vision.CnnModel;
import io.modelhub.runners.recipes.vision.resnet.TimmResNets;
import io.modelhub.runners.recipes.vision.vit.TinyViT;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Images and audio clips of several requests in one forward pass: each request of a batch is answered as when it
 * comes alone (max abs diff of the scores <= 1e-5), and a request that does not fit fails alone.
 */
class BatchedMediaTest {
    private static final List<String> LABELS = List.of("a", "b", "c", "d");
    /**
     * Every label's score compared, none hidden by the top 5. Scores, not raw logits: a random ResNet's logits run
     * into the hundreds, where float32 rounding alone exceeds 1e-5.
     */
    private static final Map<String, Object> ALL_LABELS = Map.of("top_k", LABELS.size());

    private static Work bytes(byte[] data) {
        return new Work("r", "ns/m", "c0ffee", null, null, Map.of(), data, List.of());
    }

    private static Work base64(byte[] data, Map<String, Object> parameters) {
        return new Work("r", "ns/m", "c0ffee", null, Base64.getEncoder().encodeToString(data), parameters, null,
                List.of());
    }

    @Test
    void imagesOfABatchAnswerAsAloneForTheCnnTimmResNetAndViT(@TempDir Path dir) throws Exception {
        Path cnn = dir.resolve("cnn");
        try (CnnModel model = CnnModel.create(CnnConfig.defaults(28, LABELS), 3, Device.cpu())) {
            model.save(cnn);
        }
        Path resnet = TimmResNets.random(dir.resolve("resnet"), "resnet18", LABELS, 32, 3);
        Path vit = dir.resolve("vit");
        ObjectNode config = TinyViT.config(LABELS);
        TinyViT.write(vit, config, TinyViT.preprocessor(), TinyViT.weights(config, false, 7));

        // different sizes and formats: the processor resizes them all to the model's size before they are stacked
        List<Work> works = new ArrayList<>();
        works.add(bytes(image(40, 40, 1, "png")));
        works.add(base64(image(17, 33, 2, "png"), ALL_LABELS));
        works.add(bytes("not an image".getBytes()));
        works.add(bytes(image(64, 48, 3, "bmp")));
        works.add(new Work("r", "ns/m", "c0ffee", null, List.of("a text"), Map.of(), null, List.of()));
        works.add(base64(image(28, 28, 4, "png"), Map.of("function_to_apply", "sigmoid", "top_k", 2)));
        works.add(base64(image(30, 30, 5, "png"), Map.of("function_to_apply", "relu")));
        for (Path model : List.of(cnn, resnet, vit)) {
            try (ServedModel served = ServedModels.load(model)) {
                assertEquals("image-classification", served.task());
                List<ServedModel.Answer> batch = served.runBatch(works);
                assertAnsweredAsAlone(served, works, batch, List.of(2, 4, 6), model.getFileName().toString());
                assertTrue(batch.get(2).error().getMessage().contains("not an image"), batch.get(2).toString());
                assertTrue(batch.get(4).error().getMessage().contains("reads an image"), batch.get(4).toString());
                assertTrue(batch.get(6).error().getMessage().contains("function_to_apply"), batch.get(6).toString());
                assertEquals(2, ((List<?>) batch.get(5).output()).size());
            }
        }
    }

    @Test
    void audioClipsOfABatchAnswerAsAloneForAModelhubAudioModelAndWav2Vec2(@TempDir Path dir) throws Exception {
        Path audio = dir.resolve("audio");
        try (AudioClassifierModel model = AudioClassifierModel.create(AudioConfig.defaults(
                LogMelSpec.defaults(16_000, 40, 1.0), LABELS), 5, Device.cpu())) {
            model.save(audio);
        }
        Path base = TinyWav2Vec2.write(dir.resolve("base"), "wav2vec2", 11);
        Path w2v = dir.resolve("w2v");
        try (Wav2Vec2Classifier model = Wav2Vec2Classifier.withNewHead(base, LABELS, 3, Device.cpu())) {
            model.save(w2v);
        }
        // clips of different lengths and rates, two of one length: wav2vec2 stacks those and runs the others apart
        List<Work> works = new ArrayList<>();
        works.add(bytes(wav(dir, 6000, 8000, 1)));
        works.add(base64(wav(dir, 16000, 16000, 2), ALL_LABELS));
        works.add(bytes("ID3 not a wave".getBytes()));
        works.add(bytes(wav(dir, 16000, 16000, 3)));
        works.add(bytes(wav(dir, 9000, 22050, 4)));
        works.add(base64(wav(dir, 12000, 16000, 5), Map.of("top_k", 2)));
        for (Path model : List.of(audio, w2v)) {
            try (ServedModel served = ServedModels.load(model)) {
                assertEquals("audio-classification", served.task());
                List<ServedModel.Answer> batch = served.runBatch(works);
                assertAnsweredAsAlone(served, works, batch, List.of(2), model.getFileName().toString());
                String refusal = batch.get(2).error().getMessage();
                assertTrue(refusal.contains("the audio") && !refusal.contains("input-") && !refusal.contains("/tmp"),
                        refusal);
            }
        }
    }

    /** Each answer of the batch equals the request's answer alone; the requests named fail alone, as they do alone. */
    private static void assertAnsweredAsAlone(ServedModel served, List<Work> works, List<ServedModel.Answer> batch,
            List<Integer> failing, String model) {
        assertEquals(works.size(), batch.size());
        double maxDiff = 0;
        for (int w = 0; w < works.size(); w++) {
            ServedModel.Answer inBatch = batch.get(w);
            ServedModel.Answer alone = served.runBatch(List.of(works.get(w))).get(0);
            if (failing.contains(w)) {
                assertTrue(inBatch.error() instanceof BadInput, model + " request " + w + ": " + inBatch);
                assertEquals(alone.error().getMessage(), inBatch.error().getMessage());
                continue;
            }
            assertNull(inBatch.error(), model + " request " + w + ": " + inBatch);
            List<?> a = (List<?>) alone.output();
            List<?> b = (List<?>) inBatch.output();
            assertEquals(a.size(), b.size());
            Map<Object, Double> byLabel = new HashMap<>();
            for (Object o : a) {
                byLabel.put(((Map<?, ?>) o).get("label"), ((Number) ((Map<?, ?>) o).get("score")).doubleValue());
            }
            for (Object o : b) {
                Double expected = byLabel.get(((Map<?, ?>) o).get("label"));
                assertTrue(expected != null, model + " request " + w + ": " + a + " vs " + b);
                maxDiff = Math.max(maxDiff, Math.abs(expected - ((Number) ((Map<?, ?>) o).get("score")).doubleValue()));
            }
        }
        System.out.printf("%s: %d requests in one batch vs alone, max abs diff %.2e%n", model, works.size(), maxDiff);
        assertTrue(maxDiff <= 1e-5, model + ": max abs diff " + maxDiff);
    }

    private static byte[] image(int width, int height, long seed, String format) throws Exception {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        SplittableRandom random = new SplittableRandom(seed);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                image.setRGB(x, y, random.nextInt(1 << 24));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(image, format, out));
        return out.toByteArray();
    }

    private static byte[] wav(Path dir, int samples, int rate, int seed) throws Exception {
        float[] wave = new float[samples];
        SplittableRandom random = new SplittableRandom(seed);
        double hz = 200 + 100 * seed;
        for (int i = 0; i < samples; i++) {
            wave[i] = (float) (0.3 * Math.sin(2 * Math.PI * hz * i / rate) + 0.05 * (random.nextDouble() - 0.5));
        }
        Path file = dir.resolve("clip-" + seed + ".wav");
        WavWriter.write(file, wave, rate);
        return Files.readAllBytes(file);
    }
}
