package io.modelhub.runners.serving;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import io.modelhub.contract.InferenceProtocol.Work;
import io.modelhub.runners.recipes.audio.AudioClassifierModel;
import io.modelhub.runners.recipes.audio.AudioConfig;
import io.modelhub.runners.recipes.audio.LogMelSpec;
import io.modelhub.runners.recipes.audio.WavWriter;
import io.modelhub.runners.recipes.audio.wav2vec2.TinyWav2Vec2;
import io.modelhub.runners.recipes.audio.wav2vec2.Wav2Vec2Classifier;
import io.modelhub.runners.recipes.data.LabelledFiles;
import io.modelhub.runners.recipes.text.MaskedLanguageModel;
import io.modelhub.runners.recipes.text.TextEncoderConfig;
import io.modelhub.runners.recipes.text.TextPretrainingRecipe;
import io.modelhub.runners.recipes.text.TextTokenizer;
import io.modelhub.runners.recipes.text.bert.BertConfig;
import io.modelhub.runners.recipes.text.bert.BertModel;
import io.modelhub.runners.recipes.text.bert.TinyBert;
import io.modelhub.runners.recipes.training.LabelledExamples;
import io.modelhub.runners.recipes.training.TrainableClassifier;
import io.modelhub.runners.recipes.vision.InvalidModelException;
import io.modelhub.runners.testing.FakeRunContext;
import io.modelhub.runners.testing.TextDatasetBuilder;
import io.modelhub.runners.testing.TextDatasetBuilder.Topic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * fill-mask, sentence-similarity's refusals and audio-classification through ServedModels, each answer checked
 * against the model's own forward pass on the same input (the heads' parity with PyTorch is BertMaskedLmParityTest's
 * and Wav2Vec2ParityTest's).
 */
class ServedTasksTest {
    private static final List<String> CORPUS = List.of("the cat sat on the mat", "a dog ran in the park",
            "the bird sang on the mat");

    private static Work json(Object inputs, Map<String, Object> parameters) {
        return new Work("r", "ns/m", "c0ffee", null, inputs, parameters, null, List.of());
    }

    private static Work bytes(byte[] data) {
        return new Work("r", "ns/m", "c0ffee", null, null, Map.of(), data, List.of());
    }

    @Test
    void fillMaskAnswersTheTopTokensOfTheMaskedLmHead(@TempDir Path dir) throws Exception {
        Path base = TinyBert.write(dir.resolve("base"), BertConfig.Family.BERT, CORPUS);
        Path mlm = dir.resolve("mlm");
        try (BertModel model = BertModel.withNewHead(base, BertConfig.Task.MASKED_LM, List.of(), 5, Device.cpu())) {
            model.save(mlm);
        }
        String text = "the cat [MASK] on the mat";
        double[] expected;
        int maskPosition;
        try (BertModel model = BertModel.load(mlm, Device.cpu()); NDManager m = model.manager().newSubManager()) {
            long[] ids = model.tokenize(List.of(text)).ids()[0];
            maskPosition = java.util.stream.IntStream.range(0, ids.length)
                    .filter(i -> ids[i] == model.tokenizer().maskId()).findFirst().orElseThrow();
            float[] logits = model.forward(model.inputs(m, List.of(text))).singletonOrThrow().get(0, maskPosition)
                    .toFloatArray();
            expected = softmax(logits);
        }
        try (ServedModel served = ServedModels.load(mlm)) {
            assertEquals("fill-mask", served.task());
            List<?> answer = (List<?>) served.run(json(text, Map.of()));
            assertEquals(5, answer.size(), "top 5 by default");
            double previous = 1;
            for (Object o : answer) {
                Map<?, ?> candidate = (Map<?, ?>) o;
                int token = ((Long) candidate.get("token")).intValue();
                assertEquals(expected[token], (double) candidate.get("score"), 1e-6);
                assertTrue((double) candidate.get("score") <= previous, "best first");
                previous = (double) candidate.get("score");
                String word = (String) candidate.get("token_str");
                // a special token (a random head may rank [PAD] high) is left out of the sequence, as the pipeline does
                assertEquals(word.startsWith("[") ? "the cat on the mat" : "the cat " + word + " on the mat",
                        candidate.get("sequence"));
            }
            double best = java.util.Arrays.stream(expected).max().orElseThrow();
            assertEquals(best, (double) ((Map<?, ?>) answer.get(0)).get("score"), 1e-9);

            // two masks: a list per mask, special tokens kept in the sequence (the pipeline's multi-mask shape)
            List<?> two = (List<?>) served.run(json("the [MASK] sat on the [MASK]", Map.of("top_k", 2)));
            assertEquals(2, two.size());
            assertEquals(2, ((List<?>) two.get(0)).size());
            assertTrue(((String) ((Map<?, ?>) ((List<?>) two.get(1)).get(0)).get("sequence")).startsWith("[CLS]"));

            BadInput noMask = assertThrows(BadInput.class, () -> served.run(json("the cat sat", Map.of())));
            assertTrue(noMask.getMessage().contains("no mask token [MASK]"), noMask.getMessage());
            // targets: only those words, scored by the softmax over the whole vocabulary, best first
            List<?> targeted = (List<?>) served.run(json(text, Map.of("targets", List.of("dog", "sat", "Bird"))));
            assertEquals(3, targeted.size());
            List<String> words = new ArrayList<>();
            for (Object o : targeted) {
                Map<?, ?> candidate = (Map<?, ?>) o;
                words.add((String) candidate.get("token_str"));
                assertEquals(expected[((Long) candidate.get("token")).intValue()], (double) candidate.get("score"), 1e-6);
            }
            assertEquals(java.util.Set.of("dog", "sat", "bird"), new java.util.HashSet<>(words), "lowercased as the tokenizer does");
            assertTrue((double) ((Map<?, ?>) targeted.get(0)).get("score") >= (double) ((Map<?, ?>) targeted.get(2)).get("score"));
            assertEquals(1, ((List<?>) served.run(json(text, Map.of("targets", "dog", "top_k", 4)))).size());
            BadInput unknown = assertThrows(BadInput.class, () -> served.run(json(text, Map.of("targets", List.of("zebra")))));
            assertTrue(unknown.getMessage().contains("zebra"), unknown.getMessage());

            // a batch: one pass, each request answered as if alone, a bad one failing alone
            Work alone = json(text, Map.of("top_k", 3));
            Work list = json(List.of("a dog [MASK] in the park", text), Map.of());
            List<ServedModel.Answer> batch = served.runBatch(List.of(alone, json("no mask here", Map.of()), list));
            assertScores(served.run(alone), batch.get(0).output());
            assertTrue(batch.get(1).error() instanceof BadInput, String.valueOf(batch.get(1)));
            assertEquals(2, ((List<?>) batch.get(2).output()).size(), "one list per text");
            assertScores(served.run(list), batch.get(2).output());
        }

        // a tokenizer without a mask token cannot serve fill-mask: refused at load, naming what is missing
        Path tokenizer = mlm.resolve("tokenizer.json");
        Files.writeString(tokenizer, Files.readString(tokenizer).replace("[MASK]", "[MSK]"));
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> ServedModels.load(mlm));
        assertTrue(e.getMessage().contains("no mask token"), e.getMessage());
    }

    @Test
    void fillMaskServesTheEncoderTheTextPretrainingRecipeWrites(@TempDir Path dir) throws Exception {
        Path corpus = TextDatasetBuilder.in(dir.resolve("corpus")).topics(Topic.FOOD, Topic.TECH).labels(false)
                .split("train", 40).build();
        FakeRunContext ctx = FakeRunContext.builder(dir.resolve("run")).dataset(corpus)
                .params(Map.of("epochs", 2, "hidden_size", 32, "num_layers", 1, "max_length", 32)).build();
        assertTrue(new TextPretrainingRecipe().run(ctx).completed(), ctx.logs().toString());
        Path mlm = ctx.outputDir();
        assertTrue(Files.readString(mlm.resolve("config.json")).contains(TextEncoderConfig.MLM_ARCHITECTURE));

        String text = "the chef [MASK] the fresh soup";
        double[] expected;
        try (MaskedLanguageModel model = MaskedLanguageModel.load(mlm, Device.cpu());
             TextTokenizer tokenizer = TextTokenizer.load(mlm, model.config().maxPositions());
             NDManager m = model.manager().newSubManager()) {
            long[] ids = tokenizer.encode(List.of(text))[0];
            int position = java.util.stream.IntStream.range(0, ids.length)
                    .filter(i -> ids[i] == tokenizer.maskId()).findFirst().orElseThrow();
            assertEquals(3, position, "[CLS] the chef [MASK]: the word-level tokenizer keeps [MASK] whole");
            // the model's own forward pass on the text alone (no padding), as pre-training's evaluation runs it
            long[] attention = new long[ids.length];
            java.util.Arrays.fill(attention, 1);
            ai.djl.ndarray.NDList inputs = new ai.djl.ndarray.NDList(m.create(ids, new ai.djl.ndarray.types.Shape(1,
                    ids.length)), m.create(attention, new ai.djl.ndarray.types.Shape(1, ids.length)));
            expected = softmax(model.logits(inputs, m.create(new long[] {position})).toFloatArray());
        }
        Integer[] byScore = java.util.stream.IntStream.range(0, expected.length).boxed()
                .sorted((a, b) -> Double.compare(expected[b], expected[a])).toArray(Integer[]::new);
        try (ServedModel served = ServedModels.load(mlm)) {
            assertEquals("fill-mask", served.task());
            List<?> answer = (List<?>) served.run(json(text, Map.of()));
            assertEquals(5, answer.size(), "top 5 by default");
            for (int k = 0; k < answer.size(); k++) {
                Map<?, ?> candidate = (Map<?, ?>) answer.get(k);
                assertEquals((long) byScore[k], candidate.get("token"), "the forward pass's rank " + k);
                assertEquals(expected[byScore[k]], (double) candidate.get("score"), 1e-6);
                String word = (String) candidate.get("token_str");
                assertEquals(word.startsWith("[") ? "the chef the fresh soup" : "the chef " + word + " the fresh soup",
                        candidate.get("sequence"));
            }
            // a batch with longer texts (so this one is padded) answers it as alone; a text without a mask fails alone
            Work alone = json(text, Map.of("top_k", 3));
            Work longer = json(List.of("the server [MASK] the secure network again and the laptop crashes", text),
                    Map.of("targets", List.of("the", "crashes")));
            List<ServedModel.Answer> batch = served.runBatch(List.of(alone, json("no mask here", Map.of()), longer));
            assertScores(served.run(alone), batch.get(0).output());
            assertTrue(batch.get(1).error() instanceof BadInput, String.valueOf(batch.get(1)));
            assertScores(served.run(longer), batch.get(2).output());
            assertEquals(2, ((List<?>) ((List<?>) batch.get(2).output()).get(0)).size(), "two targets: " + batch.get(2));
        }
    }

    @Test
    void sentenceSimilarityNeedsASentenceTransformersFolderAndItsInputShape(@TempDir Path dir) throws Exception {
        Path base = TinyBert.write(dir, BertConfig.Family.BERT, CORPUS);
        try (ServedModel served = ServedModels.load(base)) {
            Work similarity = json(Map.of("source_sentence", "the cat", "sentences", List.of("a dog")), Map.of());
            BadInput e = assertThrows(BadInput.class, () -> served.run(similarity));
            assertTrue(e.getMessage().contains("not a sentence-transformers model"), e.getMessage());
        }
        Files.writeString(dir.resolve("modules.json"), """
                [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
                 {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"}]
                """);
        Files.createDirectories(dir.resolve("1_Pooling"));
        Files.writeString(dir.resolve("1_Pooling/config.json"), "{\"word_embedding_dimension\": 16, \"pooling_mode_mean_tokens\": true}");
        try (ServedModel served = ServedModels.load(dir)) {
            double[] cosines = (double[]) served.run(json(Map.of("source_sentence", "the cat sat",
                    "sentences", List.of("the cat sat", "a dog ran in the park")), Map.of()));
            assertEquals(2, cosines.length);
            assertEquals(1.0, cosines[0], 1e-6, "a sentence is its own nearest");
            assertTrue(cosines[1] < cosines[0]);
            BadInput e = assertThrows(BadInput.class, () -> served.run(json(Map.of("source_sentence", "x",
                    "sentences", List.of()), Map.of())));
            assertTrue(e.getMessage().contains("sentences"), e.getMessage());
        }
    }

    @Test
    void audioClassificationOfAWav2Vec2ClassifierAndAModelhubAudioModel(@TempDir Path dir) throws Exception {
        Path base = TinyWav2Vec2.write(dir.resolve("base"), "wav2vec2", 11);
        Path w2v = dir.resolve("w2v");
        try (Wav2Vec2Classifier model = Wav2Vec2Classifier.withNewHead(base, List.of("a", "b", "c", "d", "e", "f"), 3,
                Device.cpu())) {
            model.save(w2v);
        }
        Path audio = dir.resolve("audio");
        try (AudioClassifierModel model = AudioClassifierModel.create(AudioConfig.defaults(
                LogMelSpec.defaults(16_000, 40, 1.0), List.of("yes", "no")), 5, Device.cpu())) {
            model.save(audio);
        }
        // a clip at 8 kHz: the models read 16 kHz, so it is resampled as in training
        Path wav = dir.resolve("clip.wav");
        float[] samples = new float[6000];
        for (int i = 0; i < samples.length; i++) {
            samples[i] = (float) (0.3 * Math.sin(2 * Math.PI * 440 * i / 8000.0) + 0.1 * Math.sin(i * 0.37));
        }
        WavWriter.write(wav, samples, 8000);
        byte[] body = Files.readAllBytes(wav);
        LabelledFiles one = new LabelledFiles("x", List.of(wav), new int[1]);

        float[] w2vLogits;
        try (Wav2Vec2Classifier model = Wav2Vec2Classifier.load(w2v, Device.cpu())) {
            w2vLogits = logits(model, model.examples(one, 10.0));
        }
        try (ServedModel served = ServedModels.load(w2v)) {
            assertEquals("audio-classification", served.task());
            Object answer = served.run(bytes(body));
            assertEquals(LabelScores.of(w2vLogits, List.of("a", "b", "c", "d", "e", "f"), Map.of(), 5), answer);
            assertEquals(5, ((List<?>) answer).size(), "top 5 by default");
            // InferenceClient sends base64 JSON when parameters come with the audio
            Object top2 = served.run(json(Base64.getEncoder().encodeToString(body), Map.of("top_k", 2,
                    "function_to_apply", "none")));
            assertEquals(LabelScores.of(w2vLogits, List.of("a", "b", "c", "d", "e", "f"), Map.of("top_k", 2,
                    "function_to_apply", "none"), 5), top2);
            BadInput notWav = assertThrows(BadInput.class, () -> served.run(bytes("ID3 not a wave".getBytes())));
            assertTrue(notWav.getMessage().contains("the audio") && !notWav.getMessage().contains("inference-"),
                    notWav.getMessage());
            BadInput text = assertThrows(BadInput.class, () -> served.run(json(List.of("a text"), Map.of())));
            assertTrue(text.getMessage().contains("reads audio"), text.getMessage());
        }

        float[] audioLogits;
        try (AudioClassifierModel model = AudioClassifierModel.load(audio, Device.cpu())) {
            audioLogits = logits(model, model.features(one));
        }
        try (ServedModel served = ServedModels.load(audio)) {
            assertEquals("audio-classification", served.task());
            assertEquals(LabelScores.of(audioLogits, List.of("yes", "no"), Map.of(), 5), served.run(bytes(body)));
        }
    }

    private static <E extends LabelledExamples> float[] logits(TrainableClassifier<E> model, E examples) {
        try (NDManager m = model.manager().newSubManager()) {
            return model.logits(model.batchInputs(m, examples, null, 0, 1)).toFloatArray();
        }
    }

    private static double[] softmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double[] out = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < logits.length; i++) {
            out[i] = Math.exp(logits[i] - max);
            sum += out[i];
        }
        for (int i = 0; i < out.length; i++) {
            out[i] /= sum;
        }
        return out;
    }

    /** Same candidates in the same order, scores equal up to the padding of a longer batch. */
    private static void assertScores(Object alone, Object inBatch) {
        List<Map<?, ?>> a = flatten(alone);
        List<Map<?, ?>> b = flatten(inBatch);
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i).get("token"), b.get(i).get("token"));
            assertEquals(a.get(i).get("sequence"), b.get(i).get("sequence"));
            assertEquals((double) a.get(i).get("score"), (double) b.get(i).get("score"), 1e-5);
        }
    }

    private static List<Map<?, ?>> flatten(Object answer) {
        List<Map<?, ?>> out = new ArrayList<>();
        for (Object o : (List<?>) answer) {
            if (o instanceof Map<?, ?> map) {
                out.add(map);
            } else {
                out.addAll(flatten(o));
            }
        }
        return out;
    }
}
