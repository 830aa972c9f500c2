package io.modelhub.runners.recipes.text.bert;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.JsonNode;
import io.modelhub.runners.recipes.text.bert.BertConfig.Family;
import io.modelhub.runners.recipes.text.bert.BertConfig.Task;
import io.modelhub.runners.recipes.vision.ConfigJson;
import io.modelhub.storage.inspect.SafetensorsHeader;
import io.modelhub.storage.inspect.TensorInfo;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A *ForSequenceClassification and a *ForMaskedLM of each family, built on a base checkpoint with a new head,
 * saved and loaded again: the same bits, under the transformers names, the tied decoder not duplicated.
 */
class BertSaveLoadTest {

    private static final List<String> LABELS = List.of("negative", "neutral", "positive");

    @TempDir
    Path tmp;

    @ParameterizedTest
    @EnumSource(value = Family.class, names = {"BERT", "ROBERTA", "DISTILBERT"})
    void sequenceClassifierRoundTrip(Family family) throws Exception {
        Path base = TinyBert.write(tmp.resolve("base"), family);
        Path saved = tmp.resolve("classifier");
        float[] logits;
        Map<String, float[]> values;
        try (BertModel model = BertModel.withNewHead(base, Task.SEQUENCE_CLASSIFICATION, LABELS, 3, Device.cpu())) {
            logits = logits(model);
            values = values(model);
            model.save(saved);
        }
        Set<String> names = tensorNames(saved);
        String prefix = family.basePrefix() + ".";
        assertTrue(names.contains(prefix + "embeddings.word_embeddings.weight"), names.toString());
        Set<String> head = names.stream().filter(n -> !n.startsWith(prefix)).collect(Collectors.toCollection(TreeSet::new));
        Set<String> expectedHead = switch (family) {
            case BERT -> Set.of("classifier.weight", "classifier.bias");
            case ROBERTA -> Set.of("classifier.dense.weight", "classifier.dense.bias", "classifier.out_proj.weight",
                    "classifier.out_proj.bias");
            default -> Set.of("pre_classifier.weight", "pre_classifier.bias", "classifier.weight", "classifier.bias");
        };
        assertEquals(new TreeSet<>(expectedHead), head);
        assertEquals(family == Family.BERT, names.contains("bert.pooler.dense.weight"));

        JsonNode config = ConfigJson.JSON.readTree(saved.resolve("config.json").toFile());
        assertEquals(family.architecture(Task.SEQUENCE_CLASSIFICATION), config.path("architectures").path(0).asText());
        assertEquals("positive", config.path("id2label").path("2").asText());
        assertEquals(1, config.path("label2id").path("neutral").asInt());
        assertEquals("single_label_classification", config.path("problem_type").asText());
        assertTrue(Files.isRegularFile(saved.resolve("tokenizer.json")));
        assertTrue(Files.isRegularFile(saved.resolve("tokenizer_config.json")));

        try (BertModel loaded = BertModel.load(saved, Device.cpu())) {
            assertEquals(Task.SEQUENCE_CLASSIFICATION, loaded.block().task());
            assertEquals(LABELS, loaded.config().labels());
            assertBitExact(values, values(loaded));
            assertArrayEquals(logits, logits(loaded));
        }
    }

    @ParameterizedTest
    @EnumSource(value = Family.class, names = {"BERT", "ROBERTA", "DISTILBERT"})
    void maskedLanguageModelRoundTrip(Family family) throws Exception {
        Path base = TinyBert.write(tmp.resolve("base"), family);
        Path saved = tmp.resolve("mlm");
        float[] logits;
        Map<String, float[]> values;
        try (BertModel model = BertModel.withNewHead(base, Task.MASKED_LM, List.of(), 3, Device.cpu())) {
            logits = logits(model);
            values = values(model);
            model.save(saved);
        }
        Set<String> names = tensorNames(saved);
        Set<String> expectedHead = switch (family) {
            case BERT -> Set.of("cls.predictions.transform.dense.weight", "cls.predictions.transform.dense.bias",
                    "cls.predictions.transform.LayerNorm.weight", "cls.predictions.transform.LayerNorm.bias",
                    "cls.predictions.bias");
            case ROBERTA -> Set.of("lm_head.dense.weight", "lm_head.dense.bias", "lm_head.layer_norm.weight",
                    "lm_head.layer_norm.bias", "lm_head.bias");
            default -> Set.of("vocab_transform.weight", "vocab_transform.bias", "vocab_layer_norm.weight",
                    "vocab_layer_norm.bias", "vocab_projector.bias");
        };
        String prefix = family.basePrefix() + ".";
        assertEquals(new TreeSet<>(expectedHead),
                names.stream().filter(n -> !n.startsWith(prefix)).collect(Collectors.toCollection(TreeSet::new)));
        assertTrue(names.stream().noneMatch(n -> n.contains("decoder") || n.equals("vocab_projector.weight")),
                "the tied decoder is the word embedding matrix, saved once: " + names);
        assertEquals(family.architecture(Task.MASKED_LM), ConfigJson.JSON.readTree(saved.resolve("config.json")
                .toFile()).path("architectures").path(0).asText());
        try (BertModel loaded = BertModel.load(saved, Device.cpu())) {
            assertEquals(Task.MASKED_LM, loaded.block().task());
            assertBitExact(values, values(loaded));
            assertArrayEquals(logits, logits(loaded));
        }
    }

    /**
     * The decoder has no matrix of its own: zeroing a word's embedding row leaves exactly the decoder bias as that
     * word's logit everywhere, and a token's embedding moves its logits.
     */
    @ParameterizedTest
    @EnumSource(value = Family.class, names = {"BERT", "ROBERTA", "DISTILBERT"})
    void maskedLanguageModelDecoderIsTheWordEmbedding(Family family) throws Exception {
        Path base = TinyBert.write(tmp.resolve("base"), family);
        try (BertModel model = BertModel.withNewHead(base, Task.MASKED_LM, List.of(), 3, Device.cpu())) {
            assertFalse(model.namedParameters().keySet().stream().anyMatch(n -> n.contains("decoder")
                    || n.equals("vocab_projector.weight")));
            Map<String, Parameter> named = model.namedParameters();
            NDArray embeddings = named.get(model.block().wordEmbeddingsName()).getArray();
            String biasName = named.keySet().stream().filter(n -> n.equals("cls.predictions.bias")
                    || n.equals("lm_head.bias") || n.equals("vocab_projector.bias")).findFirst().orElseThrow();
            NDArray bias = named.get(biasName).getArray();
            int word = 7; // any id: its logit at every position is bias[word] + h . E[word]
            bias.set(new NDIndex(word), 0.125f);
            embeddings.set(new NDIndex(word), 0f);
            try (NDManager manager = model.manager().newSubManager()) {
                NDArray logits = model.forward(model.inputs(manager, TinyBert.CORPUS)).get(0);
                float[] column = logits.get(new NDIndex(":, :, {}", word)).toFloatArray();
                for (float v : column) {
                    assertEquals(0.125f, v, 1e-6f);
                }
                // not a constant row: the head's LayerNorm output sums to about zero
                embeddings.set(new NDIndex(word), embeddings.get(3));
                float[] moved = model.forward(model.inputs(manager, TinyBert.CORPUS)).get(0)
                        .get(new NDIndex(":, :, {}", word)).toFloatArray();
                assertTrue(Math.abs(moved[0] - 0.125f) > 1e-3, "logit follows the embedding row: " + moved[0]);
            }
        }
    }

    private static float[] logits(BertModel model) {
        try (NDManager manager = model.manager().newSubManager()) {
            NDList inputs = model.inputs(manager, TinyBert.CORPUS);
            return model.forward(inputs).get(0).toFloatArray();
        }
    }

    private static Map<String, float[]> values(BertModel model) {
        return model.namedParameters().entrySet().stream()
                .collect(Collectors.toMap(Map.Entry::getKey, e -> e.getValue().getArray().toFloatArray()));
    }

    private static void assertBitExact(Map<String, float[]> expected, Map<String, float[]> actual) {
        assertEquals(new TreeSet<>(expected.keySet()), new TreeSet<>(actual.keySet()));
        expected.forEach((name, values) -> assertArrayEquals(values, actual.get(name), name));
    }

    private static Set<String> tensorNames(Path dir) throws Exception {
        Path file = dir.resolve("model.safetensors");
        try (InputStream in = Files.newInputStream(file)) {
            long length = SafetensorsHeader.headerLength(in.readNBytes(8), Files.size(file));
            SafetensorsHeader header = SafetensorsHeader.parse(in.readNBytes((int) length), Files.size(file));
            assertEquals(Map.of("format", "pt"), header.metadata());
            return header.tensors().stream().map(TensorInfo::name).collect(Collectors.toCollection(TreeSet::new));
        }
    }

    /** Fine-tuning a classifier again with other labels gives a new head; the encoder comes from the checkpoint. */
    @ParameterizedTest
    @EnumSource(value = Family.class, names = {"BERT", "ROBERTA", "DISTILBERT"})
    void newHeadOnAClassifierCheckpoint(Family family) throws Exception {
        Path base = TinyBert.write(tmp.resolve("base"), family);
        Path classifier = tmp.resolve("classifier");
        Map<String, float[]> first;
        try (BertModel model = BertModel.withNewHead(base, Task.SEQUENCE_CLASSIFICATION, LABELS, 3, Device.cpu())) {
            first = values(model);
            model.save(classifier);
        }
        try (BertModel again = BertModel.withNewHead(classifier, Task.SEQUENCE_CLASSIFICATION, List.of("no", "yes"),
                    4, Device.cpu());
                BertModel encoder = BertModel.withNewHead(classifier, Task.ENCODER, List.of(), 0, Device.cpu())) {
            Map<String, float[]> second = values(again);
            String prefix = family.basePrefix() + ".";
            String word = prefix + "embeddings.word_embeddings.weight";
            assertArrayEquals(first.get(word), second.get(word));
            assertEquals(2, again.config().labels().size());
            assertFalse(second.keySet().stream().filter(n -> !n.startsWith(prefix))
                    .anyMatch(n -> java.util.Arrays.equals(first.get(n), second.get(n)) && n.endsWith("weight")),
                    "the classifier weights are new");
            // the base model of a *ForSequenceClassification checkpoint: names without the prefix
            assertArrayEquals(first.get(word), values(encoder).get("embeddings.word_embeddings.weight"));
        }
    }
}
