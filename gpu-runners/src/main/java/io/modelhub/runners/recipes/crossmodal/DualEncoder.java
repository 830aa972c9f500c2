package io.modelhub.runners.recipes.crossmodal;

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
import ai.djl.training.initializer.Initializer;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelhub.runners.recipes.Torch;
import io.modelhub.runners.recipes.vision.CnnInitializers;
import io.modelhub.runners.recipes.vision.InvalidModelException;
import io.modelhub.runners.recipes.vision.Safetensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A "modelhub-dual-encoder": two hub encoders aligned into one embedding space. Its config.json:
 * <pre>
 * {
 *   "architectures": ["ModelHubMultimodalDualEncoder"],
 *   "model_type": "modelhub-dual-encoder",
 *   "modalities": ["vision", "audio"],
 *   "projection_size": 64,
 *   "logit_scale": 2.99, "temperature": 0.05,      exp(logit_scale) = 1 / temperature, clamped to [1, 100]
 *   "tower_a": {"modality": "vision", "column": "image_file_name", "base_model": "owner/cnn@commit", "config": {...}},
 *   "tower_b": {...}                                  config: the tower's own config.json
 * }
 * </pre>
 * model.safetensors holds both towers ("tower_a.backbone.conv0.weight", ...), both projections and logit_scale.
 * Public for inference (serving/ZeroShotImageClassification): the runner serves the very class the recipe trains.
 */
public final class DualEncoder implements AutoCloseable {
    static final String MODEL_TYPE = io.modelhub.contract.ModelTypes.DUAL_ENCODER;
    static final String ARCHITECTURE = "ModelHubMultimodalDualEncoder";
    private static final String IGNORED_SUFFIX = ".num_batches_tracked";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** Where each tower came from and which dataset column it reads; written into config.json. */
    record Side(String baseModel, String column) {
    }

    private final Model model;
    private final DualEncoderBlock block;
    private final Device device;
    private final int projectionSize;
    private final Side sideA;
    private final Side sideB;

    private DualEncoder(Model model, DualEncoderBlock block, Device device, int projectionSize, Side sideA, Side sideB) {
        this.model = model;
        this.block = block;
        this.device = device;
        this.projectionSize = projectionSize;
        this.sideA = sideA;
        this.sideB = sideB;
    }

    /** Pretrained towers from their hub folders, new seeded projections, logit scale log(1 / temperature). */
    static DualEncoder create(Path towerA, Side sideA, Path towerB, Side sideB, int projectionSize, double temperature,
            long seed, Device device) throws IOException {
        Tower a = Towers.of(towerA);
        Tower b = Towers.of(towerB);
        try {
            Map<String, Safetensors.HostTensor> weights = new LinkedHashMap<>();
            prefixed(weights, "tower_a.", a, Safetensors.read(towerA.resolve("model.safetensors")));
            prefixed(weights, "tower_b.", b, Safetensors.read(towerB.resolve("model.safetensors")));
            return build(a, sideA, b, sideB, projectionSize, weights, (float) Math.log(1 / temperature), seed, device);
        } catch (IOException | RuntimeException e) {
            a.close();
            b.close();
            throw e;
        }
    }

    /** A model this class saved (the output, or a checkpoint). */
    public static DualEncoder load(Path dir, Device device) throws IOException {
        JsonNode config = JSON.readTree(dir.resolve("config.json").toFile());
        if (!MODEL_TYPE.equals(config.path("model_type").asText())) {
            throw new InvalidModelException(dir.getFileName() + " is not a " + MODEL_TYPE + " (model_type '"
                    + config.path("model_type").asText() + "')");
        }
        Tower a = Towers.fromConfig(config.path("tower_a").path("config"), dir);
        Tower b = Towers.fromConfig(config.path("tower_b").path("config"), dir);
        try {
            Map<String, Safetensors.HostTensor> weights = Safetensors.read(dir.resolve("model.safetensors"));
            return build(a, side(config.path("tower_a")), b, side(config.path("tower_b")),
                    config.path("projection_size").asInt(), weights, Float.NaN, 0, device);
        } catch (IOException | RuntimeException e) {
            a.close();
            b.close();
            throw e;
        }
    }

    private static Side side(JsonNode node) {
        return new Side(node.path("base_model").asText(null), node.path("column").asText(null));
    }

    /** The tower's own tensors (its head and anything else dropped), renamed under {@code prefix}. */
    private static void prefixed(Map<String, Safetensors.HostTensor> into, String prefix, Tower tower,
            Map<String, Safetensors.HostTensor> file) {
        tower.checkBase(file);
        TreeSet<String> missing = new TreeSet<>(tower.namedParameters().keySet());
        missing.removeIf(n -> tower.tensor(file, n) != null);
        if (!missing.isEmpty()) {
            throw new InvalidModelException(tower.modelType() + " model.safetensors lacks the encoder tensors " + missing);
        }
        tower.namedParameters().keySet().forEach(n -> into.put(prefix + n, tower.tensor(file, n)));
    }

    private static DualEncoder build(Tower a, Side sideA, Tower b, Side sideB, int projectionSize,
            Map<String, Safetensors.HostTensor> weights, float logitScale, long seed, Device device) {
        DualEncoderBlock block = new DualEncoderBlock(a, b, projectionSize);
        TreeSet<String> unexpected = new TreeSet<>(weights.keySet());
        unexpected.removeAll(block.namedParameters().keySet());
        unexpected.removeIf(n -> n.endsWith(IGNORED_SUFFIX));
        if (!unexpected.isEmpty()) {
            throw new InvalidModelException("model.safetensors has tensors this dual encoder does not: " + unexpected);
        }
        for (Map.Entry<String, Parameter> e : block.namedParameters().entrySet()) {
            Safetensors.HostTensor t = weights.get(e.getKey());
            Initializer init;
            if (t != null) {
                init = CnnInitializers.loaded(e.getKey(), t);
            } else if (e.getKey().equals("logit_scale")) {
                if (Float.isNaN(logitScale)) {
                    throw new InvalidModelException("model.safetensors lacks logit_scale");
                }
                init = (manager, shape, dataType) -> manager.full(shape, logitScale);
            } else if (e.getKey().startsWith("projection_")) {
                init = CnnInitializers.seeded(e.getKey(), seed);
            } else {
                throw new InvalidModelException("model.safetensors lacks " + e.getKey());
            }
            e.getValue().setInitializer(init);
        }
        Model model = Model.newInstance(MODEL_TYPE, device, Torch.ENGINE);
        try {
            model.setBlock(block);
            List<Shape> shapes = new ArrayList<>(List.of(a.inputShapes()));
            shapes.addAll(List.of(b.inputShapes()));
            block.initialize(model.getNDManager(), DataType.FLOAT32, shapes.toArray(Shape[]::new));
            return new DualEncoder(model, block, device, projectionSize, sideA, sideB);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    Tower towerA() {
        return block.towerA();
    }

    Tower towerB() {
        return block.towerB();
    }

    Device device() {
        return device;
    }

    void freezeTowers() {
        block.freezeTowers();
    }

    Trainer newTrainer(float learningRate) {
        return model.newTrainer(new DefaultTrainingConfig(new ContrastiveLoss())
                .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(learningRate)).build())
                .optDevices(new Device[] {device}));
    }

    /** The inputs of a training batch: tower a's, then tower b's. */
    NDList batch(NDManager manager, List<String> itemsA, List<String> itemsB) {
        NDList inputs = new NDList();
        inputs.addAll(towerA().inputs(manager, itemsA));
        inputs.addAll(towerB().inputs(manager, itemsB));
        return inputs;
    }

    /**
     * Normalised embeddings of items on one side, (n, projection size) row-major on the host.
     *
     * @param items texts for a text tower, file paths for the others
     */
    public float[] embed(boolean sideA, List<String> items, int batchSize) {
        float[] out = new float[items.size() * projectionSize];
        Tower tower = sideA ? towerA() : towerB();
        for (int from = 0; from < items.size(); from += batchSize) {
            int to = Math.min(items.size(), from + batchSize);
            try (NDManager manager = model.getNDManager().newSubManager()) {
                NDArray z = block.embed(new ParameterStore(manager, false), sideA, tower.inputs(manager, items.subList(from, to)), false);
                System.arraycopy(z.toFloatArray(), 0, out, from * projectionSize, (to - from) * projectionSize);
            }
        }
        return out;
    }

    /** "text", "vision" or "audio": what the tower on side a (or b) reads. */
    public String modality(boolean sideA) {
        return (sideA ? towerA() : towerB()).modality();
    }

    public int projectionSize() {
        return projectionSize;
    }

    float logitScale() {
        return block.namedParameters().get("logit_scale").getArray().getFloat(0);
    }

    /** exp of the clamped logit scale, as training uses it. */
    public double scale() {
        return Math.exp(Math.max(0, Math.min(DualEncoderBlock.MAX_LOGIT_SCALE, logitScale())));
    }

    /** Writes config.json, model.safetensors and the towers' extra files into {@code dir}. */
    void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        Safetensors.writeParameters(dir.resolve("model.safetensors"), block.namedParameters());
        ObjectNode config = JSON.createObjectNode();
        config.putArray("architectures").add(ARCHITECTURE);
        config.put("model_type", MODEL_TYPE);
        config.putArray("modalities").add(towerA().modality()).add(towerB().modality());
        config.put("projection_size", projectionSize);
        config.put("logit_scale", logitScale());
        config.put("temperature", 1 / scale());
        config.set("tower_a", sideConfig(towerA(), sideA));
        config.set("tower_b", sideConfig(towerB(), sideB));
        config.put("torch_dtype", "float32");
        JSON.writeValue(dir.resolve("config.json").toFile(), config);
        towerA().writeFiles(dir);
        towerB().writeFiles(dir);
    }

    private static ObjectNode sideConfig(Tower tower, Side side) {
        ObjectNode node = JSON.createObjectNode();
        node.put("modality", tower.modality());
        node.put("column", side.column());
        node.put("base_model", side.baseModel());
        node.set("config", tower.config());
        return node;
    }

    @Override
    public void close() {
        model.close();
        towerA().close();
        towerB().close();
    }
}
