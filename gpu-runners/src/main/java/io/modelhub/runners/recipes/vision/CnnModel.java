package io.modelhub.runners.recipes.vision;

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
import io.modelhub.runners.recipes.Torch;
import io.modelhub.runners.recipes.data.DecodedImages;
import io.modelhub.runners.recipes.training.TrainableClassifier;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A modelhub-cnn image classifier on DJL: the network built from a {@link CnnConfig}, with weights loaded from and
 * saved to model.safetensors by tensor name (see {@link CnnBlock} for the names), so a model written by one run,
 * or by PyTorch code using the same names, loads in the next.
 */
public final class CnnModel implements TrainableClassifier<DecodedImages> {

    public static final String CONFIG_FILE = "config.json";
    public static final String WEIGHTS_FILE = "model.safetensors";
    /** PyTorch BatchNorm2d state that this network does not use; present in files saved from PyTorch. */
    private static final String IGNORED_SUFFIX = ".num_batches_tracked";

    private final CnnConfig config;
    private final Model model;
    private final CnnBlock block;
    private final Device device;

    private CnnModel(CnnConfig config, Model model, CnnBlock block, Device device) {
        this.config = config;
        this.model = model;
        this.block = block;
        this.device = device;
    }

    /** A new model with seeded random weights. */
    public static CnnModel create(CnnConfig config, long seed, Device device) {
        return build(config, Map.of(), seed, device);
    }

    /**
     * Loads config.json and model.safetensors from {@code dir}; every tensor the config implies must be present
     * with the right shape, and no other tensors may be (they would mean the file belongs to another network).
     */
    public static CnnModel load(Path dir, Device device) throws IOException {
        CnnConfig config = CnnConfig.read(dir.resolve(CONFIG_FILE));
        Map<String, Safetensors.HostTensor> weights = Safetensors.read(dir.resolve(WEIGHTS_FILE));
        checkTensorNames(config, weights, true);
        return build(config, weights, 0, device);
    }

    /**
     * The backbone of the model in {@code baseDir} with a new, seeded classification head for {@code labels}:
     * the starting point of fine-tuning. The base model's own head is discarded even if its labels match.
     */
    public static CnnModel withNewHead(Path baseDir, List<String> labels, long seed, Device device)
            throws IOException {
        CnnConfig base = CnnConfig.read(baseDir.resolve(CONFIG_FILE));
        Map<String, Safetensors.HostTensor> weights = Safetensors.read(baseDir.resolve(WEIGHTS_FILE));
        checkTensorNames(base, weights, false);
        Map<String, Safetensors.HostTensor> backbone = new LinkedHashMap<>(weights);
        backbone.keySet().removeIf(name -> !name.startsWith("backbone."));
        return build(base.withLabels(labels), backbone, seed, device);
    }

    private static CnnModel build(CnnConfig config, Map<String, Safetensors.HostTensor> weights, long seed,
            Device device) {
        CnnBlock block = new CnnBlock(config);
        for (Map.Entry<String, Parameter> entry : block.namedParameters().entrySet()) {
            Safetensors.HostTensor tensor = weights.get(entry.getKey());
            entry.getValue().setInitializer(tensor != null ? CnnInitializers.loaded(entry.getKey(), tensor)
                    : CnnInitializers.seeded(entry.getKey(), seed));
        }
        Model model = Model.newInstance(CnnConfig.MODEL_TYPE, device, Torch.ENGINE);
        try {
            model.setBlock(block);
            // initialising now (not lazily in the trainer) materialises the weights before any training step
            block.initialize(model.getNDManager(), DataType.FLOAT32, inputShape(config, 1));
            return new CnnModel(config, model, block, device);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    private static void checkTensorNames(CnnConfig config, Map<String, Safetensors.HostTensor> weights,
            boolean withHead) {
        TreeSet<String> expected = new TreeSet<>(new CnnBlock(config).namedParameters().keySet());
        TreeSet<String> missing = new TreeSet<>(expected);
        missing.removeAll(weights.keySet());
        if (!withHead) {
            missing.removeIf(name -> name.startsWith("classifier."));
        }
        TreeSet<String> unexpected = new TreeSet<>(weights.keySet());
        unexpected.removeAll(expected);
        unexpected.removeIf(name -> name.endsWith(IGNORED_SUFFIX));
        if (!missing.isEmpty() || !unexpected.isEmpty()) {
            throw new InvalidModelException("model.safetensors does not match config.json (channels "
                    + config.channels() + ")" + (missing.isEmpty() ? "" : "; missing tensors: " + missing)
                    + (unexpected.isEmpty() ? "" : "; unexpected tensors: " + unexpected));
        }
    }

    public static Shape inputShape(CnnConfig config, int batch) {
        return new Shape(batch, config.numChannels(), config.imageSize(), config.imageSize());
    }

    /** The {@link io.modelhub.runners.recipes.training.ClassifierTraining.CheckpointLoader} of image models. */
    public static CnnModel loadCheckpoint(Path dir, CnnModel fresh) throws IOException {
        CnnModel resumed = load(dir, fresh.device());
        if (!resumed.config().equals(fresh.config())) {
            resumed.close();
            throw new InvalidModelException("checkpoint " + dir + " holds a model for labels "
                    + resumed.config().labels() + " at " + resumed.config().imageSize() + " px, but this run has "
                    + fresh.config().labels() + " at " + fresh.config().imageSize() + " px");
        }
        return resumed;
    }

    public CnnConfig config() {
        return config;
    }

    @Override
    public Device device() {
        return device;
    }

    public CnnBlock block() {
        return block;
    }

    /** The NDManager that owns the weights; sub-managers of it hold per-batch arrays. */
    @Override
    public NDManager manager() {
        return model.getNDManager();
    }

    /** Writes config.json and model.safetensors into {@code dir}. */
    @Override
    public void save(Path dir) throws IOException {
        Safetensors.writeParameters(dir.resolve(WEIGHTS_FILE), block.namedParameters());
        config.write(dir.resolve(CONFIG_FILE));
    }

    /**
     * Freezes the backbone: its weights get no gradients and its batch norm statistics stay as loaded, so only
     * the classification head learns.
     */
    @Override
    public void freezeBackbone() {
        block.backbone().freezeParameters(true);
        block.setBackboneTraining(false);
    }

    /** A DJL trainer with Adam at a fixed learning rate and softmax cross-entropy on logits. */
    @Override
    public Trainer newTrainer(ai.djl.training.tracker.Tracker learningRate) {
        DefaultTrainingConfig trainingConfig = TrainableClassifier.trainingConfig(learningRate, device);
        return model.newTrainer(trainingConfig);
    }

    /** Logits (batch, num_labels) in inference mode (batch norm uses its running statistics). */
    @Override
    public NDArray logits(NDList inputs) {
        return block.forward(new ParameterStore(inputs.head().getManager(), false), inputs, false).singletonOrThrow();
    }

    public NDArray logits(NDArray images) {
        return logits(new NDList(images));
    }

    @Override
    public NDList batchInputs(NDManager manager, DecodedImages images, int[] order, int from, int to) {
        return new NDList(batchTensor(manager, images, order, from, to));
    }

    /**
     * Images {@code order[from..to)} (or {@code from..to} when order is null) as a normalised float32 NCHW tensor
     * on this model's device, created in {@code manager}. A grey model reads the ITU-R 601 luma of the RGB bytes
     * (PIL's convert("L"): exact for grey images, which decode to R = G = B).
     */
    public NDArray batchTensor(NDManager manager, DecodedImages images, int[] order, int from, int to) {
        int size = config.imageSize();
        if (images.imageSize() != size) {
            throw new IllegalArgumentException("images are " + images.imageSize() + " px but the model takes " + size);
        }
        return ImageBatch.tensor(manager, images, order, from, to, config.imageMean(), config.imageStd(), null);
    }

    /** Label ids of {@code order[from..to)} as int64, the index type PyTorch's gather needs. */
    public static NDArray labelTensor(NDManager manager, DecodedImages images, int[] order, int from, int to) {
        return TrainableClassifier.labelTensor(manager, images, order, from, to);
    }

    /** The tensor names of this model's file, sorted. */
    public List<String> tensorNames() {
        return new ArrayList<>(block.namedParameters().keySet());
    }

    /** Only with batch norm: without it a batch of one example is as good as any other. */
    @Override
    public boolean usesBatchStatistics() {
        return config.batchNorm();
    }

    @Override
    public int numLabels() {
        return config.numLabels();
    }

    @Override
    public void close() {
        model.close();
    }
}
