package io.modelhub.runners.recipes.text;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelhub.runners.recipes.Torch;
import io.modelhub.runners.recipes.data.TextSplit;
import io.modelhub.runners.recipes.encoders.TorchScriptEncoder;
import io.modelhub.runners.recipes.training.EncoderFineTuning;
import io.modelhub.runners.recipes.training.TrainableClassifier;
import io.modelhub.runners.recipes.vision.ClassificationMetrics;
import io.modelhub.runners.recipes.vision.CnnInitializers;
import io.modelhub.runners.recipes.vision.ConfigJson;
import io.modelhub.runners.recipes.vision.InvalidModelException;
import io.modelhub.runners.recipes.vision.Safetensors;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A text classifier: a modelhub-text encoder or a bring-your-own TorchScript encoder, with a linear head on the
 * mean-pooled token states, and the model's tokenizer. The public entry point for scoring a produced
 * text-classification model:
 * <pre>
 *   try (TextClassifierModel model = TextClassifierModel.load(modelDir, Torch.preferredDevice())) {
 *       ClassificationMetrics m = model.evaluate(TextDataset.open(datasetDir, 42, true).split("test"));
 *   }
 * </pre>
 * A model folder holds config.json, tokenizer.json and model.safetensors (every parameter by name, the head as
 * classifier.weight/classifier.bias), plus model.pt for a TorchScript encoder, whose weights are read from there.
 */
public final class TextClassifierModel implements TextClassifier {

    public static final String CONFIG_FILE = "config.json";
    public static final String WEIGHTS_FILE = "model.safetensors";
    /** Longest input of a TorchScript encoder whose config.json names no max_length / max_position_embeddings. */
    public static final int DEFAULT_TORCHSCRIPT_MAX_LENGTH = 128;

    private final List<String> labels;
    private final TextEncoderConfig textConfig;
    private final TorchScriptEncoder torchScript;
    private final TextTokenizer tokenizer;
    private final Path tokenizerDir;
    private final Model model;
    private final TextClassifierBlock block;
    private final Map<String, Parameter> named;

    private TextClassifierModel(List<String> labels, TextEncoderConfig textConfig, TorchScriptEncoder torchScript,
            TextTokenizer tokenizer, Path tokenizerDir, Model model, TextClassifierBlock block,
            Map<String, Parameter> named) {
        this.labels = List.copyOf(labels);
        this.textConfig = textConfig;
        this.torchScript = torchScript;
        this.tokenizer = tokenizer;
        this.tokenizerDir = tokenizerDir;
        this.model = model;
        this.block = block;
        this.named = named;
    }

    /** A fine-tuned text classifier (as the text-classification recipe writes it), ready to predict. */
    public static TextClassifierModel load(Path dir, Device device) throws IOException {
        return build(dir, null, true, 0, device);
    }

    /**
     * The encoder of the model in {@code baseDir} (a pre-trained or fine-tuned modelhub-text, or a TorchScript
     * encoder) with a new, seeded classification head for {@code labels}: the starting point of fine-tuning.
     */
    public static TextClassifierModel withNewHead(Path baseDir, List<String> labels, long seed, Device device)
            throws IOException {
        return build(baseDir, labels, false, seed, device);
    }

    /** The checkpoint loader of the training loop: the checkpoint must be a classifier for this run's labels. */
    public static TextClassifierModel loadCheckpoint(Path dir, TextClassifierModel fresh) throws IOException {
        TextClassifierModel resumed = load(dir, fresh.device());
        return EncoderFineTuning.sameLabels(dir, resumed, resumed.labels(), fresh.labels());
    }

    /** "modelhub-text" or "torchscript", from the model's config.json. */
    public static String modelType(Path dir) throws IOException {
        String type = ConfigJson.JSON.readTree(ConfigJson.read(dir.resolve(CONFIG_FILE))).path("model_type").asText("");
        if (!type.equals(TextEncoderConfig.MODEL_TYPE) && !type.equals(TorchScriptEncoder.MODEL_TYPE)) {
            throw new InvalidModelException("config.json has model_type \"" + type + "\"; text recipes take \""
                    + TextEncoderConfig.MODEL_TYPE + "\" models or \"" + TorchScriptEncoder.MODEL_TYPE
                    + "\" encoders (see docs/torchscript.md)");
        }
        return type;
    }

    private static TextClassifierModel build(Path dir, List<String> newLabels, boolean withHead, long seed,
            Device device) throws IOException {
        boolean torchScriptKind = modelType(dir).equals(TorchScriptEncoder.MODEL_TYPE);
        Path weightsFile = dir.resolve(WEIGHTS_FILE);
        Map<String, Safetensors.HostTensor> weights = withHead || !torchScriptKind
                ? Safetensors.read(weightsFile) : Map.of();
        TorchScriptEncoder torchScript = null;
        TextEncoderConfig textConfig = null;
        Model model = null;
        TextTokenizer tokenizer = null;
        try {
            List<String> labels;
            int maxLength;
            Map<String, Parameter> named = new LinkedHashMap<>();
            TextClassifierBlock block;
            if (torchScriptKind) {
                torchScript = TorchScriptEncoder.load(dir, device);
                TorchScriptEncoder.Config config = torchScript.config().requireModality("text");
                labels = withHead ? ConfigJson.optionalLabels(config.json()) : newLabels;
                maxLength = config.json().path("max_length").asInt(
                        config.json().path("max_position_embeddings").asInt(DEFAULT_TORCHSCRIPT_MAX_LENGTH));
                named.putAll(torchScript.namedParameters());
                if (named.containsKey(TextClassifierBlock.WEIGHT) || named.containsKey(TextClassifierBlock.BIAS)) {
                    throw new InvalidModelException("the TorchScript module has its own parameter named "
                            + TextClassifierBlock.WEIGHT + "; rename it, that name is the new head's");
                }
                block = new TextClassifierBlock(torchScript.block(), config.hiddenSize(), Math.max(2, labels.size()));
            } else {
                TextEncoderConfig base = TextEncoderConfig.read(dir.resolve(CONFIG_FILE));
                labels = withHead ? base.labels() : newLabels;
                textConfig = base.withLabels(labels);
                maxLength = textConfig.maxPositions();
                TextEncoderBlock encoder = new TextEncoderBlock(textConfig, false);
                checkTensorNames(encoder.namedParameters().keySet(), weights, withHead);
                for (Map.Entry<String, Parameter> entry : encoder.namedParameters().entrySet()) {
                    entry.getValue().setInitializer(CnnInitializers.loaded(entry.getKey(), weights.get(entry.getKey())));
                }
                named.putAll(encoder.namedParameters());
                block = new TextClassifierBlock(encoder, textConfig.hiddenSize(), labels.size());
            }
            if (withHead && labels.isEmpty()) {
                throw new InvalidModelException("config.json has no id2label: " + dir
                        + " is an encoder, not a fine-tuned text classifier");
            }
            for (Parameter head : List.of(block.weight(), block.bias())) {
                Safetensors.HostTensor tensor = weights.get(head.getName());
                if (withHead && tensor == null) {
                    throw new InvalidModelException(WEIGHTS_FILE + " has no " + head.getName()
                            + ": not a fine-tuned text classifier");
                }
                head.setInitializer(withHead ? CnnInitializers.loaded(head.getName(), tensor)
                        : TextInitializers.seeded(head.getName(), seed));
                named.put(head.getName(), head);
            }
            tokenizer = TextTokenizer.load(dir, maxLength);
            model = Model.newInstance("text-classifier", device, Torch.ENGINE);
            model.setBlock(block);
            block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 4), new Shape(1, 4));
            return new TextClassifierModel(labels, textConfig, torchScript, tokenizer, dir, model, block, named);
        } catch (IOException | RuntimeException e) {
            if (model != null) {
                model.close();
            }
            if (torchScript != null) {
                torchScript.close();
            }
            if (tokenizer != null) {
                tokenizer.close();
            }
            throw e;
        }
    }

    private static void checkTensorNames(java.util.Set<String> expected, Map<String, Safetensors.HostTensor> weights,
            boolean withHead) {
        TreeSet<String> missing = new TreeSet<>(expected);
        missing.removeAll(weights.keySet());
        TreeSet<String> unexpected = new TreeSet<>(weights.keySet());
        unexpected.removeAll(expected);
        unexpected.removeIf(n -> n.startsWith("mlm_head.") || n.startsWith("classifier."));
        if (!missing.isEmpty() || !unexpected.isEmpty()) {
            throw new InvalidModelException("model.safetensors does not match config.json"
                    + (missing.isEmpty() ? "" : "; missing tensors: " + missing)
                    + (unexpected.isEmpty() ? "" : "; unexpected tensors: " + unexpected));
        }
    }

    public List<String> labels() {
        return labels;
    }

    public boolean isTorchScript() {
        return torchScript != null;
    }

    @Override
    public int maxLength() {
        return tokenizer.maxLength();
    }

    public TextTokenizer tokenizer() {
        return tokenizer;
    }

    @Override
    public Device device() {
        return model.getNDManager().getDevice();
    }

    /** Every parameter by its safetensors name: the encoder's (TorchScript names for a TorchScript encoder) and the head. */
    public Map<String, Parameter> namedParameters() {
        return named;
    }

    /** A DJL trainer with Adam at a fixed learning rate and softmax cross-entropy, every parameter registered. */
    @Override
    public Trainer newTrainer(ai.djl.training.tracker.Tracker learningRate) {
        DefaultTrainingConfig config = TrainableClassifier.trainingConfig(learningRate, device());
        Trainer trainer = model.newTrainer(config);
        // registers every parameter with the optimizer now: a TorchScript module's weights never pass through
        // the parameter store during forward, so they would otherwise never be updated
        trainer.initialize(new Shape(1, 4), new Shape(1, 4));
        return trainer;
    }

    /** Logits (batch, num_labels) in inference mode. */
    @Override
    public NDArray logits(NDList inputs) {
        return block.forward(new ParameterStore(inputs.head().getManager(), false), inputs, false).singletonOrThrow();
    }

    /** The tokenized texts of a split, for {@link #predict(TokenizedTexts, int)} and training. */
    public TokenizedTexts tokenize(TextSplit split) {
        return TokenizedTexts.of(tokenizer, split);
    }

    /** Accuracy and macro F1 on a labelled split whose label ids follow this model's labels. */
    public ClassificationMetrics evaluate(TextSplit split) {
        return evaluate(tokenize(split), 64);
    }

    @Override
    public NDManager manager() {
        return model.getNDManager();
    }

    /**
     * Writes config.json (with id2label/label2id), model.safetensors, the tokenizer files and, for a TorchScript
     * encoder, the fine-tuned model.pt.
     */
    @Override
    public void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        Safetensors.writeParameters(dir.resolve(WEIGHTS_FILE), named);
        if (torchScript != null) {
            torchScript.write(dir.resolve(TorchScriptEncoder.MODEL_FILE));
            ObjectNode config = torchScript.config().json().deepCopy();
            ConfigJson.putLabels(config, labels);
            Files.writeString(dir.resolve(CONFIG_FILE), ConfigJson.toString(config), StandardCharsets.UTF_8);
        } else {
            textConfig.write(dir.resolve(CONFIG_FILE));
        }
        if (!dir.toAbsolutePath().normalize().equals(tokenizerDir.toAbsolutePath().normalize())) {
            TextTokenizer.copy(tokenizerDir, dir);
        }
    }

    /** Keeps the pretrained encoder (platform or TorchScript) as it is: only the new head's parameters train. */
    @Override
    public void freezeBackbone() {
        named.forEach((name, parameter) -> {
            if (!name.startsWith("classifier.")) {
                parameter.freeze(true);
            }
        });
    }

    /** Layer norm normalises each token on its own: a batch of one text trains like any other. */
    @Override
    public boolean usesBatchStatistics() {
        return false;
    }

    @Override
    public NDList batchInputs(NDManager manager, TokenizedTexts texts, int[] order, int from, int to) {
        return texts.batch(manager, order, from, to, tokenizer.padId());
    }

    @Override
    public int numLabels() {
        return labels.size();
    }

    @Override
    public void close() {
        tokenizer.close();
        model.close();
        if (torchScript != null) {
            torchScript.close();
        }
    }
}
