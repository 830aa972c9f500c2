package io.modelhub.runners.recipes.text.bert;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelhub.runners.recipes.vision.ConfigJson;
import io.modelhub.runners.recipes.vision.InvalidModelException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The config.json of a transformers encoder of the BERT family: model_type bert, roberta, xlm-roberta or
 * distilbert (DistilBERT spells its sizes dim, n_layers, n_heads, hidden_dim, activation, dropout,
 * attention_dropout). The original JSON is kept, so that saving a fine-tuned model changes only the fields a
 * fine-tune changes (architectures, labels, problem_type).
 */
public record BertConfig(Family family, int vocabSize, int hiddenSize, int layers, int heads, int intermediateSize,
        Activation hiddenAct, float hiddenDropout, float attentionDropout, float classifierDropout,
        int maxPositions, int typeVocabSize, float layerNormEps, int padTokenId, List<String> labels,
        String problemType, List<String> architectures, ObjectNode json) {

    /** A model_type: its transformers class-name prefix and base_model_prefix (the encoder's name in *ForX models). */
    public enum Family {
        BERT("bert", "Bert", "bert"),
        ROBERTA("roberta", "Roberta", "roberta"),
        XLM_ROBERTA("xlm-roberta", "XLMRoberta", "roberta"),
        DISTILBERT("distilbert", "DistilBert", "distilbert");

        private final String modelType;
        private final String classPrefix;
        private final String basePrefix;

        Family(String modelType, String classPrefix, String basePrefix) {
            this.modelType = modelType;
            this.classPrefix = classPrefix;
            this.basePrefix = basePrefix;
        }

        public String modelType() {
            return modelType;
        }

        /** transformers' base_model_prefix: "bert", "roberta" (also for XLM-R) or "distilbert". */
        public String basePrefix() {
            return basePrefix;
        }

        /** RoBERTa numbers positions from pad_token_id + 1 (position ids = cumsum(not pad) + pad_token_id). */
        public boolean offsetsPositions() {
            return this == ROBERTA || this == XLM_ROBERTA;
        }

        /** E.g. "BertForSequenceClassification" for {@link Task#SEQUENCE_CLASSIFICATION}. */
        public String architecture(Task task) {
            return classPrefix + task.suffix;
        }

        static Family of(String modelType) {
            for (Family family : values()) {
                if (family.modelType.equals(modelType)) {
                    return family;
                }
            }
            throw new InvalidModelException("config.json has model_type " + (modelType == null ? "(none)"
                    : "\"" + modelType + "\"") + "; BERT-family models are " + supportedTypes());
        }

        static List<String> supportedTypes() {
            return Arrays.stream(values()).map(Family::modelType).toList();
        }
    }

    /** What sits on the encoder: nothing (the base model), a sequence classifier, or a masked-LM head. */
    public enum Task {
        ENCODER("Model"),
        SEQUENCE_CLASSIFICATION("ForSequenceClassification"),
        MASKED_LM("ForMaskedLM");

        private final String suffix;

        Task(String suffix) {
            this.suffix = suffix;
        }
    }

    /** hidden_act: GELU (exact erf form), GELU_TANH (gelu_new / gelu_pytorch_tanh) or RELU. */
    public enum Activation {
        GELU, GELU_TANH, RELU;

        /** A config's hidden_act (also ViT's, which takes the same names). */
        public static Activation of(String name) {
            return switch (name.toLowerCase(Locale.ROOT)) {
                case "gelu" -> GELU;
                case "gelu_new", "gelu_pytorch_tanh", "gelu_fast" -> GELU_TANH;
                case "relu" -> RELU;
                default -> throw new InvalidModelException("config.json has hidden_act \"" + name
                        + "\"; supported: gelu, gelu_new, gelu_pytorch_tanh, relu");
            };
        }
    }

    public static final String FILE = "config.json";

    public static BertConfig read(Path file) throws IOException {
        return parse(ConfigJson.read(file));
    }

    public static BertConfig parse(String text) {
        JsonNode parsed;
        try {
            parsed = ConfigJson.JSON.readTree(text);
        } catch (IOException e) {
            throw new InvalidModelException("config.json is not valid JSON: " + e.getMessage(), e);
        }
        if (parsed == null || !parsed.isObject()) {
            throw new InvalidModelException("config.json must be a JSON object");
        }
        ObjectNode root = (ObjectNode) parsed;
        Family family = Family.of(root.path("model_type").asText(null));
        List<String> architectures = new ArrayList<>();
        root.path("architectures").forEach(a -> architectures.add(a.asText()));
        List<String> labels = ConfigJson.optionalLabels(root);
        String problemType = root.path("problem_type").asText(null);
        BertConfig config;
        if (family == Family.DISTILBERT) {
            float dropout = (float) root.path("dropout").asDouble(0.1);
            config = new BertConfig(family, ConfigJson.requiredInt(root, "vocab_size"),
                    ConfigJson.requiredInt(root, "dim"), ConfigJson.requiredInt(root, "n_layers"),
                    ConfigJson.requiredInt(root, "n_heads"), ConfigJson.requiredInt(root, "hidden_dim"),
                    Activation.of(root.path("activation").asText("gelu")), dropout,
                    (float) root.path("attention_dropout").asDouble(0.1),
                    (float) root.path("seq_classif_dropout").asDouble(0.2),
                    ConfigJson.requiredInt(root, "max_position_embeddings"), 0,
                    // DistilBERT's LayerNorms are built with eps=1e-12 whatever the config says
                    1e-12f, root.path("pad_token_id").asInt(0), labels, problemType, architectures, root);
        } else {
            float hiddenDropout = (float) root.path("hidden_dropout_prob").asDouble(0.1);
            JsonNode classifierDropout = root.path("classifier_dropout");
            config = new BertConfig(family, ConfigJson.requiredInt(root, "vocab_size"),
                    ConfigJson.requiredInt(root, "hidden_size"), ConfigJson.requiredInt(root, "num_hidden_layers"),
                    ConfigJson.requiredInt(root, "num_attention_heads"), ConfigJson.requiredInt(root, "intermediate_size"),
                    Activation.of(root.path("hidden_act").asText("gelu")), hiddenDropout,
                    (float) root.path("attention_probs_dropout_prob").asDouble(0.1),
                    classifierDropout.isNumber() ? (float) classifierDropout.asDouble() : hiddenDropout,
                    ConfigJson.requiredInt(root, "max_position_embeddings"),
                    root.path("type_vocab_size").asInt(2),
                    (float) root.path("layer_norm_eps").asDouble(1e-12),
                    root.path("pad_token_id").asInt(family.offsetsPositions() ? 1 : 0),
                    labels, problemType, architectures, root);
            String embeddingType = root.path("position_embedding_type").asText("absolute");
            if (!embeddingType.equals("absolute")) {
                throw new InvalidModelException("config.json has position_embedding_type \"" + embeddingType
                        + "\"; only \"absolute\" position embeddings are supported");
            }
        }
        if (config.hiddenSize % config.heads != 0) {
            throw new InvalidModelException("config.json: hidden size " + config.hiddenSize
                    + " is not a multiple of the " + config.heads + " attention heads");
        }
        if (config.layers < 1) {
            throw new InvalidModelException("config.json needs at least one layer, not " + config.layers);
        }
        return config;
    }

    /**
     * The task of the config's architectures (e.g. BertForSequenceClassification); a config without
     * architectures is a base model.
     */
    public Task task() {
        if (architectures.isEmpty()) {
            return Task.ENCODER;
        }
        String architecture = architectures.get(0);
        for (Task task : Task.values()) {
            if (family.architecture(task).equals(architecture)) {
                return task;
            }
        }
        throw new InvalidModelException("config.json has architectures " + architectures + "; for model_type \""
                + family.modelType + "\" supported are " + supportedArchitectures());
    }

    public List<String> supportedArchitectures() {
        return Arrays.stream(Task.values()).map(family::architecture).toList();
    }

    /** Size of each attention head. */
    public int headSize() {
        return hiddenSize / heads;
    }

    /**
     * The longest input in tokens: max_position_embeddings, less RoBERTa's pad_token_id + 1 offset (514 rows hold
     * 512 positions).
     */
    public int maxTokens() {
        return family.offsetsPositions() ? maxPositions - padTokenId - 1 : maxPositions;
    }

    /** The same model with a task and labels (new head), e.g. for a fine-tune of an encoder. */
    public BertConfig withTask(Task task, List<String> newLabels) {
        ObjectNode copy = json.deepCopy();
        copy.putArray("architectures").add(family.architecture(task));
        copy.remove(List.of("num_labels", "id2label", "label2id", "problem_type"));
        String problem = null;
        if (task == Task.SEQUENCE_CLASSIFICATION) {
            ConfigJson.validateLabels(newLabels);
            ConfigJson.putLabels(copy, newLabels);
            problem = "single_label_classification";
        }
        return new BertConfig(family, vocabSize, hiddenSize, layers, heads, intermediateSize, hiddenAct,
                hiddenDropout, attentionDropout, classifierDropout, maxPositions, typeVocabSize, layerNormEps,
                padTokenId, task == Task.SEQUENCE_CLASSIFICATION ? List.copyOf(newLabels) : List.of(), problem,
                List.of(family.architecture(task)), copy);
    }

    public void write(Path file) throws IOException {
        Files.writeString(file, ConfigJson.toString(json), StandardCharsets.UTF_8);
    }
}
