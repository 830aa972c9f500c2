package io.modelhub.runners.recipes.audio.wav2vec2;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import io.modelhub.runners.recipes.Torch;
import io.modelhub.runners.recipes.vision.CnnInitializers;
import io.modelhub.runners.recipes.vision.InvalidModelException;
import io.modelhub.runners.recipes.vision.Safetensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * A transformers wav2vec2 / HuBERT model folder (config.json, preprocessor_config.json, model.safetensors) loaded
 * into a {@link Wav2Vec2Block}, and written back in the same layout. Everything a checkpoint can get wrong (missing,
 * unexpected or misshapen tensors, a layer count config.json contradicts) is refused before any forward pass, naming
 * the tensor or field.
 * <p>
 * The positional conv's weight norm is read under both of transformers' spellings, {@code weight_g}/{@code weight_v}
 * (torch.nn.utils.weight_norm) and {@code parametrizations.weight.original0/original1} (the parametrization API of
 * newer transformers), and written under the first, which every transformers version loads.
 * {@code masked_spec_embed} (SpecAugment's mask vector, unused without SpecAugment) is kept as it was.
 */
public final class Wav2Vec2Model implements AutoCloseable {

    public static final String WEIGHTS_FILE = "model.safetensors";
    static final String MASKED_SPEC_EMBED = "masked_spec_embed";
    private static final String G = "encoder.pos_conv_embed.conv.weight_g";
    private static final String V = "encoder.pos_conv_embed.conv.weight_v";
    private static final String G_PARAMETRIZED = "encoder.pos_conv_embed.conv.parametrizations.weight.original0";
    private static final String V_PARAMETRIZED = "encoder.pos_conv_embed.conv.parametrizations.weight.original1";

    private final Wav2Vec2Config config;
    private final FeatureExtractorConfig features;
    private final Wav2Vec2Block block;
    private final Model model;
    private final Safetensors.HostTensor maskedSpecEmbed;

    private Wav2Vec2Model(Wav2Vec2Config config, FeatureExtractorConfig features, Wav2Vec2Block block, Model model,
            Safetensors.HostTensor maskedSpecEmbed) {
        this.config = config;
        this.features = features;
        this.block = block;
        this.model = model;
        this.maskedSpecEmbed = maskedSpecEmbed;
    }

    /** The folder as it is: a *ForSequenceClassification when config.json's architectures say so, else the encoder. */
    public static Wav2Vec2Model load(Path dir, Device device) throws IOException {
        Wav2Vec2Config config = Wav2Vec2Config.read(dir.resolve(Wav2Vec2Config.FILE));
        if (config.isClassifier() && config.labels().size() < 2) {
            throw new InvalidModelException("config.json names " + config.architectures()
                    + " but has no id2label with at least 2 labels");
        }
        return build(dir, config, config.isClassifier(), false, 0, device);
    }

    /**
     * The encoder of the model in {@code baseDir} (a Wav2Vec2Model/HubertModel, or any *ForX checkpoint: its head
     * is dropped) under a new *ForSequenceClassification head for {@code labels}, seeded as transformers
     * initialises it.
     */
    public static Wav2Vec2Model withNewHead(Path baseDir, List<String> labels, long seed, Device device)
            throws IOException {
        Wav2Vec2Config base = Wav2Vec2Config.read(baseDir.resolve(Wav2Vec2Config.FILE));
        return build(baseDir, base.withLabels(labels), true, true, seed, device);
    }

    private static Wav2Vec2Model build(Path dir, Wav2Vec2Config config, boolean classifier, boolean newHead,
            long seed, Device device) throws IOException {
        FeatureExtractorConfig features = FeatureExtractorConfig.read(dir, config);
        Map<String, Safetensors.HostTensor> weights = Safetensors.read(dir.resolve(WEIGHTS_FILE));
        String checkpointPrefix = checkpointPrefix(config, weights);
        Wav2Vec2Block block = new Wav2Vec2Block(config, classifier, config.labels().size());
        Set<String> used = new HashSet<>();
        checkLayers(config, weights, checkpointPrefix);
        for (Map.Entry<String, Parameter> entry : block.namedParameters().entrySet()) {
            String name = entry.getKey();
            boolean encoderPart = name.startsWith(block.prefix());
            String key = encoderPart ? checkpointPrefix + name.substring(block.prefix().length()) : name;
            if (!encoderPart && newHead) {
                entry.getValue().setInitializer(seeded(name, config, seed));
                continue;
            }
            String found = lookup(weights, key, checkpointPrefix);
            CnnInitializers.loadChecked(entry.getValue(), found == null ? key : found,
                    found == null ? null : weights.get(found),
                    classifier ? config.classifierArchitecture() : config.modelType() + " model",
                    encoderPart ? describe(config) : " (is it a base model? fine-tune it with a new head first)",
                    describe(config));
            used.add(found);
        }
        Safetensors.HostTensor masked = weights.get(checkpointPrefix + MASKED_SPEC_EMBED);
        if (masked != null) {
            used.add(checkpointPrefix + MASKED_SPEC_EMBED);
        }
        // a base checkpoint's own heads (lm_head, quantizer, project_q, ...) go; anything else unknown is refused
        Set<String> unexpected = new TreeSet<>();
        for (String name : weights.keySet()) {
            boolean encoderTensor = checkpointPrefix.isEmpty() ? !newHead || isEncoderName(name)
                    : name.startsWith(checkpointPrefix);
            if (!used.contains(name) && (encoderTensor || !newHead)) {
                unexpected.add(name);
            }
        }
        if (!unexpected.isEmpty()) {
            throw new InvalidModelException(WEIGHTS_FILE + " has tensors a " + (classifier
                    ? config.classifierArchitecture() : config.modelType() + " model") + " with this config.json "
                    + "does not have: " + unexpected.stream().limit(5).toList()
                    + (unexpected.size() > 5 ? " and " + (unexpected.size() - 5) + " more" : "") + describe(config));
        }
        Model model = Model.newInstance(classifier ? config.classifierArchitecture() : config.modelType(), device,
                Torch.ENGINE);
        try {
            model.setBlock(block);
            int samples = Math.max(config.receptiveField(), features.samplingRate() / 10);
            block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, samples));
            return new Wav2Vec2Model(config, features, block, model, masked);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    private static boolean isEncoderName(String name) {
        return name.startsWith("feature_extractor.") || name.startsWith("feature_projection.")
                || name.startsWith("encoder.");
    }

    /**
     * The tensor of an encoder parameter (its base-model name, e.g. "encoder.layers.0.attention.q_proj.weight") in a
     * base or *ForX checkpoint (under the base_model_prefix), under either weight-norm spelling; null without one.
     */
    public static Safetensors.HostTensor encoderTensor(Wav2Vec2Config config,
            Map<String, Safetensors.HostTensor> weights, String name) {
        for (String prefix : List.of("", config.basePrefix() + ".")) {
            String found = lookup(weights, prefix + name, prefix);
            if (found != null) {
                return weights.get(found);
            }
        }
        return null;
    }

    /**
     * Refuses a checkpoint whose encoder is not the one config.json describes: no encoder under either naming, or
     * another count of transformer or conv layers than config.json says.
     */
    public static void checkEncoder(Wav2Vec2Config config, Map<String, Safetensors.HostTensor> weights) {
        checkLayers(config, weights, checkpointPrefix(config, weights));
    }

    /** A tensor by its name, or the parametrized weight-norm spelling of a positional conv weight. */
    private static String lookup(Map<String, Safetensors.HostTensor> weights, String key, String prefix) {
        if (weights.containsKey(key)) {
            return key;
        }
        String alias = key.equals(prefix + G) ? prefix + G_PARAMETRIZED
                : key.equals(prefix + V) ? prefix + V_PARAMETRIZED : null;
        return alias != null && weights.containsKey(alias) ? alias : null;
    }

    /** "" when the checkpoint names its encoder as a base model does, "wav2vec2."/"hubert." for a *ForX one. */
    private static String checkpointPrefix(Wav2Vec2Config config, Map<String, Safetensors.HostTensor> weights) {
        String first = "feature_extractor.conv_layers.0.conv.weight";
        String prefixed = config.basePrefix() + ".";
        if (weights.containsKey(prefixed + first)) {
            return prefixed;
        }
        if (weights.containsKey(first)) {
            return "";
        }
        throw new InvalidModelException(WEIGHTS_FILE + " has no tensor " + first + " (nor " + prefixed + first
                + "): not a " + config.modelType() + " checkpoint; it has e.g. "
                + weights.keySet().stream().limit(3).toList());
    }

    /** num_hidden_layers and the conv layer count against the layers the weights hold. */
    private static void checkLayers(Wav2Vec2Config config, Map<String, Safetensors.HostTensor> weights,
            String prefix) {
        int layers = count(weights, prefix + "encoder.layers.");
        if (layers != config.layers()) {
            throw new InvalidModelException("config.json has num_hidden_layers " + config.layers() + " but "
                    + WEIGHTS_FILE + " holds " + layers + " encoder layers");
        }
        int convs = count(weights, prefix + "feature_extractor.conv_layers.");
        if (convs != config.convDim().size()) {
            throw new InvalidModelException("config.json has " + config.convDim().size() + " conv layers (conv_dim) "
                    + "but " + WEIGHTS_FILE + " holds " + convs);
        }
    }

    private static int count(Map<String, Safetensors.HostTensor> weights, String stem) {
        int found = 0;
        for (String name : weights.keySet()) {
            if (name.startsWith(stem)) {
                String rest = name.substring(stem.length());
                int dot = rest.indexOf('.');
                try {
                    found = Math.max(found, Integer.parseInt(dot < 0 ? rest : rest.substring(0, dot)) + 1);
                } catch (NumberFormatException e) {
                    throw new InvalidModelException(WEIGHTS_FILE + " has tensor " + name + ", not numbered as "
                            + stem + "N.");
                }
            }
        }
        return found;
    }

    private static String describe(Wav2Vec2Config c) {
        return " (conv_dim " + c.convDim() + ", conv_kernel " + c.convKernel() + ", feat_extract_norm "
                + (c.layerNormFeatures() ? "layer" : "group") + ", hidden_size " + c.hiddenSize()
                + ", intermediate_size " + c.intermediateSize() + ", num_conv_pos_embeddings "
                + c.numConvPosEmbeddings() + "/" + c.numConvPosEmbeddingGroups() + " groups"
                + (c.labels().isEmpty() ? "" : ", classifier_proj_size " + c.classifierProjSize() + ", "
                        + c.labels().size() + " labels") + ")";
    }

    /** transformers' _init_weights for the head: Linear N(0, initializer_range), biases 0, layer_weights 1/n. */
    private static Initializer seeded(String name, Wav2Vec2Config config, long seed) {
        double std = config.json().path("initializer_range").asDouble(0.02);
        return (manager, shape, dataType) -> {
            float[] values = new float[Math.toIntExact(shape.size())];
            if (name.equals("layer_weights")) {
                Arrays.fill(values, 1f / values.length);
            } else if (name.endsWith(".weight")) {
                SplittableRandom random = new SplittableRandom(CnnInitializers.mix(seed, name));
                for (int i = 0; i < values.length; i++) {
                    // Box-Muller: SplittableRandom has no nextGaussian on Java 17
                    values[i] = (float) (std * Math.sqrt(-2 * Math.log(1 - random.nextDouble()))
                            * Math.cos(2 * Math.PI * random.nextDouble()));
                }
            }
            NDArray array = manager.create(values, shape);
            return dataType == DataType.FLOAT32 ? array : array.toType(dataType, false);
        };
    }

    public Wav2Vec2Config config() {
        return config;
    }

    public FeatureExtractorConfig features() {
        return features;
    }

    public Wav2Vec2Block block() {
        return block;
    }

    public Model model() {
        return model;
    }

    public NDManager manager() {
        return model.getNDManager();
    }

    public Device device() {
        return manager().getDevice();
    }

    public Map<String, Parameter> namedParameters() {
        return block.namedParameters();
    }

    /** The block's outputs in inference mode (dropout off). */
    public NDList forward(NDList inputs) {
        return block.forward(new ParameterStore(inputs.head().getManager(), false), inputs, false);
    }

    /** The encoder's last_hidden_state in inference mode, also under a head. */
    public NDArray lastHiddenState(NDList inputs) {
        return block.lastHiddenState(new ParameterStore(inputs.head().getManager(), false), inputs);
    }

    /** config.json, preprocessor_config.json and model.safetensors in the transformers layout. */
    public void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        try (NDManager scratch = manager().newSubManager()) {
            Map<String, NDArray> arrays = new LinkedHashMap<>();
            block.namedParameters().forEach((name, parameter) -> arrays.put(name, parameter.getArray()));
            if (maskedSpecEmbed != null) {
                arrays.put(block.prefix() + MASKED_SPEC_EMBED,
                        scratch.create(maskedSpecEmbed.data(), new Shape(maskedSpecEmbed.shape())));
            }
            Safetensors.write(dir.resolve(WEIGHTS_FILE), arrays);
        }
        config.write(dir.resolve(Wav2Vec2Config.FILE));
        features.write(dir);
    }

    @Override
    public void close() {
        model.close();
    }
}
