package io.modelhub.runners.recipes.audio;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelhub.runners.recipes.vision.ConfigJson;
import io.modelhub.runners.recipes.vision.InvalidModelException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The config.json of a "modelhub-audio" classifier: the log-mel front end ({@link LogMelSpec}), the conv encoder
 * and the labels, with the Hugging Face fields the hub indexes.
 * <pre>
 * {
 *   "architectures": ["ModelHubAudioCnn"],
 *   "model_type": "modelhub-audio",
 *   "sample_rate": 16000, "n_fft": 512, "win_length": 400, "hop_length": 160, "n_mels": 40, "frames": 101,
 *   "f_min": 0.0, "f_max": 8000.0, "mel_scale": "htk", "power": 2.0, "log_eps": 1e-6,
 *   "normalization": "per_utterance",
 *   "num_channels": 1,
 *   "channels": [16, 32, 64],   conv stages over the (1, n_mels, frames) log-mel image, as modelhub-cnn's
 *   "kernel_size": 3,
 *   "hidden_size": 64,          the embedding: the last stage averaged over mel bands and frames
 *   "num_labels": 4, "id2label": {...}, "label2id": {...},
 *   "problem_type": "single_label_classification", "torch_dtype": "float32"
 * }
 * </pre>
 * Tensors in model.safetensors: backbone.conv{i}.weight, backbone.bn{i}.{weight,bias,running_mean,running_var},
 * classifier.weight (num_labels, hidden_size), classifier.bias.
 */
public record AudioConfig(LogMelSpec features, List<Integer> channels, int kernelSize, List<String> labels) {

    public static final String MODEL_TYPE = io.modelhub.contract.ModelTypes.AUDIO;
    public static final String ARCHITECTURE = "ModelHubAudioCnn";
    public static final List<Integer> DEFAULT_CHANNELS = List.of(16, 32, 64);
    public static final int DEFAULT_KERNEL_SIZE = 3;
    private static final int MAX_STAGES = 8;


    public AudioConfig {
        channels = List.copyOf(channels);
        labels = List.copyOf(labels);
        if (channels.isEmpty() || channels.size() > MAX_STAGES) {
            throw new InvalidModelException("channels must list 1.." + MAX_STAGES + " conv stages, not " + channels);
        }
        for (int c : channels) {
            if (c < 1 || c > 4096) {
                throw new InvalidModelException("channels " + channels + " has a stage width outside 1..4096");
            }
        }
        // every stage but the last halves the log-mel image; both sides must stay at least 1
        int shrink = channels.size() - 1;
        if (features.nMels() >> shrink < 1 || features.frames() >> shrink < 1) {
            throw new InvalidModelException("a " + features.nMels() + " x " + features.frames()
                    + " log-mel input is too small for " + channels.size() + " conv stages (each but the last halves it)");
        }
        if (kernelSize < 1 || kernelSize > 15 || kernelSize % 2 == 0) {
            throw new InvalidModelException("kernel_size must be odd and 1..15, not " + kernelSize);
        }
        ConfigJson.validateLabels(labels);
    }

    public static AudioConfig defaults(LogMelSpec features, List<String> labels) {
        return new AudioConfig(features, DEFAULT_CHANNELS, DEFAULT_KERNEL_SIZE, labels);
    }

    /** Same encoder and features with another label set: the config of a fine-tuned model. */
    public AudioConfig withLabels(List<String> newLabels) {
        return new AudioConfig(features, channels, kernelSize, newLabels);
    }

    public int numLabels() {
        return labels.size();
    }

    /** Size of the embedding the encoder hands the classification head. */
    public int hiddenSize() {
        return channels.get(channels.size() - 1);
    }

    public static AudioConfig read(Path file) throws IOException {
        return parse(ConfigJson.read(file));
    }

    public static AudioConfig parse(String json) {
        JsonNode root = ConfigJson.parse(json, MODEL_TYPE);
        // the front end is fixed apart from these numbers: a config asking for another variant must not be
        // silently run with ours, which would feed the network features it was not trained on
        expect(root, "mel_scale", "htk");
        expect(root, "normalization", "per_utterance");
        if (root.has("num_channels") && root.path("num_channels").asInt() != 1) {
            throw new InvalidModelException("config.json num_channels must be 1 (one log-mel image), not "
                    + root.get("num_channels"));
        }
        if (root.has("f_min") && root.path("f_min").asDouble() != 0.0) {
            throw new InvalidModelException("config.json f_min must be 0, not " + root.get("f_min"));
        }
        LogMelSpec features = new LogMelSpec(ConfigJson.requiredInt(root, "sample_rate"),
                ConfigJson.requiredInt(root, "n_fft"),
                root.has("win_length") ? ConfigJson.requiredInt(root, "win_length") : ConfigJson.requiredInt(root, "n_fft"),
                ConfigJson.requiredInt(root, "hop_length"), ConfigJson.requiredInt(root, "n_mels"),
                ConfigJson.requiredInt(root, "frames"));
        if (root.has("f_max") && Math.abs(root.path("f_max").asDouble() - features.fMax()) > 1e-6) {
            throw new InvalidModelException("config.json f_max must be sample_rate / 2 (" + features.fMax() + "), not "
                    + root.get("f_max"));
        }
        List<Integer> channels = new ArrayList<>();
        JsonNode channelsNode = root.path("channels");
        if (!channelsNode.isArray()) {
            throw new InvalidModelException("config.json needs \"channels\": a list of conv stage widths, e.g. [16, 32, 64]");
        }
        for (JsonNode c : channelsNode) {
            if (!c.canConvertToExactIntegral()) {
                throw new InvalidModelException("config.json channels must be integers, but has " + c);
            }
            channels.add(c.asInt());
        }
        int kernelSize = root.has("kernel_size") ? ConfigJson.requiredInt(root, "kernel_size") : DEFAULT_KERNEL_SIZE;
        AudioConfig config = new AudioConfig(features, channels, kernelSize, ConfigJson.labels(root));
        if (root.has("hidden_size") && root.path("hidden_size").asInt() != config.hiddenSize()) {
            throw new InvalidModelException("config.json hidden_size " + root.get("hidden_size")
                    + " does not match the last of channels " + channels);
        }
        return config;
    }

    private static void expect(JsonNode root, String field, String value) {
        if (root.has(field) && !value.equals(root.path(field).asText())) {
            throw new InvalidModelException("config.json " + field + " must be \"" + value + "\", not " + root.get(field));
        }
    }

    public void write(Path file) throws IOException {
        Files.writeString(file, toJson(), StandardCharsets.UTF_8);
    }

    /** Field order is fixed, so equal configs give equal bytes and blob hashes. */
    public String toJson() {
        ObjectNode root = ConfigJson.JSON.createObjectNode();
        root.putArray("architectures").add(ARCHITECTURE);
        root.put("model_type", MODEL_TYPE);
        root.put("sample_rate", features.sampleRate());
        root.put("n_fft", features.nFft());
        root.put("win_length", features.winLength());
        root.put("hop_length", features.hopLength());
        root.put("n_mels", features.nMels());
        root.put("frames", features.frames());
        root.put("f_min", 0.0);
        root.put("f_max", features.fMax());
        root.put("mel_scale", "htk");
        root.put("power", 2.0);
        root.put("log_eps", LogMelSpec.LOG_EPS);
        root.put("normalization", "per_utterance");
        root.put("num_channels", 1);
        ArrayNode ch = root.putArray("channels");
        channels.forEach(ch::add);
        root.put("kernel_size", kernelSize);
        root.put("hidden_size", hiddenSize());
        ConfigJson.putLabels(root, labels);
        root.put("torch_dtype", "float32");
        return ConfigJson.toString(root);
    }
}
