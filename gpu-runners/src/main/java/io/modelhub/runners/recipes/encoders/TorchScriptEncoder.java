package io.modelhub.runners.recipes.encoders;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelhub.runners.recipes.Torch;
import io.modelhub.runners.recipes.vision.ConfigJson;
import io.modelhub.runners.recipes.vision.InvalidModelException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * A bring-your-own encoder: a TorchScript module (model.pt, from torch.jit.trace or torch.jit.script) described by
 * a config.json such as {"model_type": "torchscript", "modality": "text", "hidden_size": 64}, loaded by DJL with
 * trainable parameters so that a recipe can fine-tune it. Modality-neutral: the module's inputs are whatever the
 * modality's recipe feeds (text: input_ids and attention_mask, both (batch, seq) int64; see docs/torchscript.md),
 * its first output is the embedding, (batch, hidden) or (batch, seq, hidden) (see {@link Pooling#maskedMean}).
 * <p>
 * Parameters keep their TorchScript names ("embed.weight", "proj.bias", ...); {@link #write} saves the module,
 * fine-tuned weights included, as a model.pt that plain PyTorch loads with torch.jit.load.
 */
public final class TorchScriptEncoder implements AutoCloseable {

    public static final String MODEL_TYPE = io.modelhub.contract.ModelTypes.TORCHSCRIPT;
    public static final String MODEL_FILE = "model.pt";
    public static final String CONFIG_FILE = "config.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The fields of config.json a recipe needs; {@code json} is the whole file, kept for the output model. */
    public record Config(String modality, int hiddenSize, ObjectNode json) {

        /** Whether {@code dir/config.json} says model_type "torchscript" (false when it is missing or other). */
        public static boolean describes(Path dir) {
            Path file = dir.resolve(CONFIG_FILE);
            if (!Files.isRegularFile(file)) {
                return false;
            }
            try {
                return MODEL_TYPE.equals(JSON.readTree(file.toFile()).path("model_type").asText(null));
            } catch (IOException e) {
                return false;
            }
        }

        public static Config read(Path dir) throws IOException {
            String text = ConfigJson.read(dir.resolve(CONFIG_FILE));
            JsonNode root;
            try {
                root = JSON.readTree(text);
            } catch (JsonProcessingException e) {
                throw new InvalidModelException("config.json is not valid JSON: " + e.getOriginalMessage());
            }
            if (root == null || !root.isObject() || !MODEL_TYPE.equals(root.path("model_type").asText(null))) {
                throw new InvalidModelException("config.json of a TorchScript model needs \"model_type\": \""
                        + MODEL_TYPE + "\"");
            }
            String modality = root.path("modality").asText(null);
            if (modality == null || modality.isBlank()) {
                throw new InvalidModelException("config.json of a TorchScript model needs \"modality\": \"text\","
                        + " \"audio\" or \"vision\": what its model.pt takes as input");
            }
            JsonNode hidden = root.get("hidden_size");
            if (hidden == null || !hidden.canConvertToExactIntegral() || hidden.asInt() < 1) {
                throw new InvalidModelException("config.json of a TorchScript model needs \"hidden_size\": the size"
                        + " of the embedding its model.pt returns" + (hidden == null ? "" : ", not " + hidden));
            }
            return new Config(modality, hidden.asInt(), (ObjectNode) root);
        }

        /** Fails unless the model is for {@code expected} inputs. */
        public Config requireModality(String expected) {
            if (!expected.equals(modality)) {
                throw new InvalidModelException("this TorchScript model is for " + modality + " inputs (config.json"
                        + " \"modality\"), but the recipe needs a " + expected + " encoder");
            }
            return this;
        }
    }

    private final Config config;
    private final Model model;
    private final PtSymbolBlock block;

    private TorchScriptEncoder(Config config, Model model, PtSymbolBlock block) {
        this.config = config;
        this.model = model;
        this.block = block;
    }

    /** Loads {@code dir/model.pt} (any device it was saved from) with trainable parameters, onto {@code device}. */
    public static TorchScriptEncoder load(Path dir, Device device) throws IOException {
        Config config = Config.read(dir);
        Path file = dir.resolve(MODEL_FILE);
        if (!Files.isRegularFile(file)) {
            throw new InvalidModelException("TorchScript model has no " + MODEL_FILE + " (looked for " + file + ")");
        }
        Model model = Model.newInstance("torchscript-encoder", device, Torch.ENGINE);
        try {
            model.load(dir, "model", Map.of("trainParam", "true", "mapLocation", "true"));
            if (!(model.getBlock() instanceof PtSymbolBlock block)) {
                throw new InvalidModelException(MODEL_FILE + " did not load as a TorchScript module");
            }
            return new TorchScriptEncoder(config, model, block);
        } catch (MalformedModelException | IOException | RuntimeException e) {
            model.close();
            if (e instanceof InvalidModelException invalid) {
                throw invalid;
            }
            throw new InvalidModelException(MODEL_FILE + " is not a TorchScript module PyTorch "
                    + Torch.engine().getVersion() + " can load: " + e.getMessage(), e);
        }
    }

    public Config config() {
        return config;
    }

    /** The module as a DJL block, to be a child of a recipe's block (its parameters are already initialised). */
    public Block block() {
        return block;
    }

    public Device device() {
        return model.getNDManager().getDevice();
    }

    /** Runs the module; its first output is the embedding. */
    public NDArray forward(ParameterStore parameterStore, NDList inputs, boolean training) {
        beforeForward();
        return firstOutput(block.forward(parameterStore, inputs, training));
    }

    /**
     * Call on the thread that runs a module's forward (done by {@link #forward}; a recipe that puts {@link #block()}
     * in its own block calls it itself). It turns off TorchScript's profiling graph executor for the thread: that
     * executor specialises the graph during its first runs, and a plan made during an inference pass fed the
     * next training-mode pass inference tensors ("Inference tensors cannot be saved for backward").
     */
    public static void beforeForward() {
        JniUtils.setGraphExecutorOptimize(false);
    }

    /** The first output of the module's forward, which the recipes take as the embedding. */
    public static NDArray firstOutput(NDList outputs) {
        if (outputs.isEmpty()) {
            throw new InvalidModelException("the TorchScript module returned nothing; it must return the embedding");
        }
        return outputs.get(0);
    }

    /** Parameters by their TorchScript name (as in the module's named_parameters()). */
    public Map<String, Parameter> namedParameters() {
        Map<String, Parameter> named = new LinkedHashMap<>();
        block.getParameters().forEach(pair -> named.put(pair.getKey(), pair.getValue()));
        return named;
    }

    /** Writes the module with its current weights as a plain-PyTorch model.pt, via a temporary file. */
    public void write(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve("." + file.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                // false: no size prefix, which is what torch.jit.load expects
                JniUtils.writeModule(block, out, false);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    @Override
    public void close() {
        model.close();
    }
}
