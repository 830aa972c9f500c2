package io.modelhub.runners.recipes.vision.resnet;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.initializer.Initializer;
import ai.djl.training.tracker.Tracker;
import io.modelhub.runners.recipes.Torch;
import io.modelhub.runners.recipes.data.DecodedImages;
import io.modelhub.runners.recipes.training.TrainableClassifier;
import io.modelhub.runners.recipes.vision.CnnInitializers;
import io.modelhub.runners.recipes.vision.ImageBatch;
import io.modelhub.runners.recipes.vision.InvalidModelException;
import io.modelhub.runners.recipes.vision.RandomResizedCrop;
import io.modelhub.runners.recipes.vision.Safetensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * A timm ResNet classifier (config.json + model.safetensors with torchvision names, see {@link ResNetBlock}) as
 * {@link io.modelhub.runners.recipes.training.ClassifierTraining} trains it. Fine-tuning starts from any timm
 * ResNet folder with a new, seeded fc; every checkpoint and the final model are timm folders that
 * {@code timm.create_model("hf-hub:...")} and torchvision's {@code load_state_dict(strict=True)} read. A checkpoint
 * that does not fit its config.json (missing, unexpected or misshapen tensors) is refused before any forward pass,
 * with every offending tensor named.
 */
public final class ResNetClassifier implements TrainableClassifier<DecodedImages> {

    public static final String WEIGHTS_FILE = "model.safetensors";
    private static final String TRACKED = ".num_batches_tracked";

    private final TimmResNetConfig config;
    private final ResNetBlock block;
    private final Model model;
    /** num_batches_tracked per batch norm layer as loaded; saving adds the batches trained since. */
    private final Map<String, Long> tracked;
    private DecodedImages augmentedSplit;
    private RandomResizedCrop augmentation;

    private ResNetClassifier(TimmResNetConfig config, ResNetBlock block, Model model, Map<String, Long> tracked) {
        this.config = config;
        this.block = block;
        this.model = model;
        this.tracked = tracked;
    }

    /** The backbone of the timm ResNet in {@code baseDir} under a new, seeded fc for {@code labels}. */
    public static ResNetClassifier withNewHead(Path baseDir, List<String> labels, long seed, Device device)
            throws IOException {
        return withNewHead(baseDir, labels, seed, device, 0);
    }

    /** @param imageSize input size to train at; 0: the base model's pretrained_cfg input_size */
    public static ResNetClassifier withNewHead(Path baseDir, List<String> labels, long seed, Device device,
            int imageSize) throws IOException {
        TimmResNetConfig base = TimmResNetConfig.read(baseDir.resolve(TimmResNetConfig.FILE));
        TimmResNetConfig config = base.withLabels(labels);
        if (imageSize > 0) {
            config = config.withImageSize(imageSize);
        }
        return build(config, Safetensors.read(baseDir.resolve(WEIGHTS_FILE)), true, seed, device);
    }

    /** A timm ResNet classifier folder, ready to predict or to train further. */
    public static ResNetClassifier load(Path dir, Device device) throws IOException {
        TimmResNetConfig config = TimmResNetConfig.read(dir.resolve(TimmResNetConfig.FILE));
        if (config.numClasses() == 0) {
            throw new InvalidModelException("config.json has num_classes 0: a feature extractor without fc, not a "
                    + "classifier; fine-tune it with image-classification first");
        }
        return build(config, Safetensors.read(dir.resolve(WEIGHTS_FILE)), false, 0, device);
    }

    /** The checkpoint loader of the training loop: the checkpoint must be this run's network, labels and size. */
    public static ResNetClassifier loadCheckpoint(Path dir, ResNetClassifier fresh) throws IOException {
        ResNetClassifier resumed = load(dir, fresh.device());
        if (!resumed.config.equals(fresh.config)) {
            resumed.close();
            throw new InvalidModelException("checkpoint " + dir + " holds a " + resumed.config + " for labels "
                    + resumed.labels() + ", but this run trains a " + fresh.config + " for " + fresh.labels());
        }
        resumed.augmentedSplit = fresh.augmentedSplit;
        resumed.augmentation = fresh.augmentation;
        return resumed;
    }

    private static ResNetClassifier build(TimmResNetConfig config, Map<String, Safetensors.HostTensor> weights,
            boolean newHead, long seed, Device device) {
        ResNetBlock block = new ResNetBlock(config);
        check(config, block, weights, newHead);
        for (Map.Entry<String, Parameter> entry : block.namedParameters().entrySet()) {
            String name = entry.getKey();
            entry.getValue().setInitializer(newHead && !ResNetBlock.inBackbone(name)
                    ? seeded(name, config.architecture().numFeatures(), seed)
                    : CnnInitializers.loaded(name, weights.get(name)));
        }
        Map<String, Long> tracked = new HashMap<>();
        for (String norm : block.norms()) {
            Safetensors.HostTensor count = weights.get(norm + TRACKED);
            tracked.put(norm, count == null || count.data().length == 0 ? 0L : (long) count.data()[0]);
        }
        Model model = Model.newInstance("timm-" + config.architecture().id(), device, Torch.ENGINE);
        try {
            model.setBlock(block);
            block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 3, config.imageSize(),
                    config.imageSize()));
            return new ResNetClassifier(config, block, model, tracked);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * Every tensor the config implies present with its shape, nothing else (num_batches_tracked may be absent, as
     * in files written without buffers); with a new head the file's fc, whatever its size, is not used.
     */
    private static void check(TimmResNetConfig config, ResNetBlock block, Map<String, Safetensors.HostTensor> weights,
            boolean newHead) {
        TreeSet<String> missing = new TreeSet<>();
        List<String> misshapen = new ArrayList<>();
        for (Map.Entry<String, Parameter> entry : block.namedParameters().entrySet()) {
            String name = entry.getKey();
            if (newHead && !ResNetBlock.inBackbone(name)) {
                continue;
            }
            Safetensors.HostTensor tensor = weights.get(name);
            if (tensor == null) {
                missing.add(name);
            } else if (!Arrays.equals(tensor.shape(), entry.getValue().getShape().getShape())) {
                misshapen.add(name + " has shape " + tensor.shapeString() + " but config.json implies "
                        + Arrays.toString(entry.getValue().getShape().getShape()));
            }
        }
        TreeSet<String> unexpected = new TreeSet<>(weights.keySet());
        unexpected.removeAll(block.namedParameters().keySet());
        block.norms().forEach(norm -> unexpected.remove(norm + TRACKED));
        if (newHead) {
            unexpected.removeIf(name -> !ResNetBlock.inBackbone(name));
        }
        if (missing.isEmpty() && unexpected.isEmpty() && misshapen.isEmpty()) {
            return;
        }
        StringBuilder message = new StringBuilder(WEIGHTS_FILE + " does not fit config.json (" + config + ")");
        if (!missing.isEmpty()) {
            message.append("; missing tensors: ").append(few(missing));
        }
        if (!unexpected.isEmpty()) {
            message.append("; unexpected tensors: ").append(few(unexpected));
        }
        if (!misshapen.isEmpty()) {
            message.append("; ").append(String.join("; ", misshapen.subList(0, Math.min(5, misshapen.size()))))
                    .append(misshapen.size() > 5 ? " (and " + (misshapen.size() - 5) + " more)" : "");
        }
        boolean bottleneckWeights = weights.keySet().stream().anyMatch(n -> n.matches("layer\\d+\\.\\d+\\.conv3\\..*"));
        boolean bottleneckConfig = config.architecture().unit() == TimmResNetConfig.Unit.BOTTLENECK;
        if (bottleneckWeights != bottleneckConfig) {
            message.append(" (the weights are of a ").append(bottleneckWeights ? "Bottleneck ResNet (resnet50 or deeper)"
                    : "BasicBlock ResNet (resnet18/34)").append(": is config.json's architecture right?)");
        }
        throw new InvalidModelException(message.toString());
    }

    private static String few(TreeSet<String> names) {
        List<String> shown = names.stream().limit(8).toList();
        return shown + (names.size() > shown.size() ? " and " + (names.size() - shown.size()) + " more" : "");
    }

    /** torch.nn.Linear's default: weight and bias U(-1/sqrt(fan_in), 1/sqrt(fan_in)), seeded by (seed, name). */
    private static Initializer seeded(String name, int fanIn, long seed) {
        return (manager, shape, dataType) -> {
            float[] values = new float[Math.toIntExact(shape.size())];
            SplittableRandom random = new SplittableRandom(CnnInitializers.mix(seed, name));
            double bound = 1 / Math.sqrt(fanIn);
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
            }
            NDArray array = manager.create(values, shape);
            return dataType == DataType.FLOAT32 ? array : array.toType(dataType, false);
        };
    }

    public TimmResNetConfig config() {
        return config;
    }

    public ResNetBlock block() {
        return block;
    }

    /** label_names; empty for a checkpoint without them. */
    public List<String> labels() {
        return config.labels();
    }

    /** The input size images are decoded at. */
    public int imageSize() {
        return config.imageSize();
    }

    /**
     * Batches of {@code train} (and only of that split) are augmented from now on; validation and test images are
     * read as they are.
     */
    public void augment(DecodedImages train, RandomResizedCrop crop) {
        this.augmentedSplit = train;
        this.augmentation = crop;
    }

    @Override
    public Device device() {
        return model.getNDManager().getDevice();
    }

    /**
     * AdamW (weight decay 0.01): decoupled weight decay is what timm fine-tunes ResNets with (its recipes use
     * AdamW/LAMB, not Adam's L2 penalty, which interacts badly with batch norm); see docs/vision-models.md.
     */
    @Override
    public Trainer newTrainer(Tracker learningRate) {
        return model.newTrainer(TrainableClassifier.adamWConfig(learningRate, device()));
    }

    /** Only fc learns; the backbone's weights and its batch norm running statistics stay as loaded. */
    @Override
    public void freezeBackbone() {
        block.namedParameters().forEach((name, parameter) -> {
            if (ResNetBlock.inBackbone(name)) {
                parameter.freeze(true);
            }
        });
        block.setBackboneTraining(false);
    }

    @Override
    public NDList batchInputs(NDManager manager, DecodedImages images, int[] order, int from, int to) {
        if (images.imageSize() != config.imageSize()) {
            throw new IllegalArgumentException("images are " + images.imageSize() + " px but the model takes "
                    + config.imageSize());
        }
        RandomResizedCrop crop = images == augmentedSplit ? augmentation : null;
        return new NDList(ImageBatch.tensor(manager, images, order, from, to, config.mean(), config.std(), crop));
    }

    @Override
    public int numLabels() {
        return config.numClasses();
    }

    @Override
    public NDManager manager() {
        return model.getNDManager();
    }

    @Override
    public NDArray logits(NDList inputs) {
        return block.forward(new ParameterStore(inputs.head().getManager(), false), inputs, false).singletonOrThrow();
    }

    /**
     * config.json and model.safetensors in torchvision's state-dict layout, num_batches_tracked (int64) included,
     * so {@code resnet18(num_classes=n).load_state_dict(..., strict=True)} takes it.
     */
    @Override
    public void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        try (NDManager scratch = manager().newSubManager()) {
            Map<String, NDArray> arrays = new LinkedHashMap<>();
            block.namedParameters().forEach((name, parameter) -> arrays.put(name, parameter.getArray()));
            for (String norm : block.norms()) {
                arrays.put(norm + TRACKED, scratch.create(tracked.get(norm) + block.batchesTracked()));
            }
            Safetensors.write(dir.resolve(WEIGHTS_FILE), arrays);
        }
        config.write(dir.resolve(TimmResNetConfig.FILE));
    }

    @Override
    public void close() {
        model.close();
    }
}
