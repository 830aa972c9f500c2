package io.modelhub.runners.recipes.vision.vit;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import io.modelhub.runners.recipes.Torch;
import io.modelhub.runners.recipes.vision.CnnInitializers;
import io.modelhub.runners.recipes.vision.InvalidModelException;
import io.modelhub.runners.recipes.vision.Safetensors;
import io.modelhub.runners.recipes.vision.vit.ViTConfig.Task;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A transformers ViT model folder loaded into a {@link ViTBlock}: config.json, preprocessor_config.json and
 * model.safetensors under the transformers names. Everything a checkpoint can get wrong (model_type,
 * architectures, missing, unexpected or misshapen tensors, a layer count or image size the weights contradict, no
 * image processor) is refused here, before any forward or training step, with a message that names the tensor or
 * field. The encoder is read under ViTModel's names or under "vit." (a ViTForImageClassification), whichever the
 * file has, as transformers does. float16 and bfloat16 weights are read as float32.
 */
public final class ViTModel implements AutoCloseable {

    public static final String WEIGHTS_FILE = "model.safetensors";
    private static final Pattern LAYER = Pattern.compile("^(?:vit\\.)?encoder\\.layer\\.(\\d+)\\.");

    private final ViTConfig config;
    private final ViTImageProcessor processor;
    private final ViTBlock block;
    private final Model model;
    private final float[][] pixelTable;

    private ViTModel(ViTConfig config, ViTImageProcessor processor, ViTBlock block, Model model) {
        this.config = config;
        this.processor = processor;
        this.block = block;
        this.model = model;
        this.pixelTable = processor.lookupTable();
    }

    /** The model as its config.json's architectures say (a ViTModel when it names none). */
    public static ViTModel load(Path dir, Device device) throws IOException {
        ViTConfig config = ViTConfig.read(dir.resolve(ViTConfig.FILE));
        return build(dir, config, config.task(), false, 0, device);
    }

    /** The encoder of any ViT checkpoint (ViTModel or ViTForImageClassification) as a ViTModel, its head dropped. */
    public static ViTModel loadEncoder(Path dir, Device device) throws IOException {
        ViTConfig config = ViTConfig.read(dir.resolve(ViTConfig.FILE));
        return build(dir, config.withTask(Task.ENCODER, List.of()), Task.ENCODER, true, 0, device);
    }

    /**
     * The encoder of the model in {@code baseDir} (a ViTModel or any ViTForImageClassification) under a new
     * classifier for {@code labels}, seeded as transformers initialises it (N(0, initializer_range), bias 0): the
     * start of a fine-tune. A ViTModel's pooler is dropped, as ViTForImageClassification has none.
     */
    public static ViTModel withNewHead(Path baseDir, List<String> labels, long seed, Device device) throws IOException {
        ViTConfig base = ViTConfig.read(baseDir.resolve(ViTConfig.FILE));
        return build(baseDir, base.withTask(Task.IMAGE_CLASSIFICATION, labels), Task.IMAGE_CLASSIFICATION, true, seed,
                device);
    }

    private static ViTModel build(Path dir, ViTConfig config, Task task, boolean newHead, long seed, Device device)
            throws IOException {
        ViTImageProcessor processor = ViTImageProcessor.read(dir);
        if (processor.size() != config.imageSize()) {
            throw new InvalidModelException(ViTImageProcessor.FILE + " resizes images to " + processor.size()
                    + " px but config.json has image_size " + config.imageSize());
        }
        if (task == Task.IMAGE_CLASSIFICATION && config.labels().size() < 2) {
            throw new InvalidModelException("config.json names " + config.architectures() + " but has no id2label "
                    + "with at least 2 labels");
        }
        Map<String, Safetensors.HostTensor> weights = Safetensors.read(dir.resolve(WEIGHTS_FILE));
        String checkpointPrefix = checkpointPrefix(weights);
        boolean withPooler = weights.containsKey(checkpointPrefix + "pooler.dense.weight");
        ViTBlock block = new ViTBlock(config, task, withPooler, config.labels().size());
        checkLayers(config, weights);
        TreeSet<String> unused = new TreeSet<>(weights.keySet());
        for (Map.Entry<String, Parameter> entry : block.namedParameters().entrySet()) {
            String name = entry.getKey();
            boolean encoderPart = name.startsWith(block.prefix()) && !name.startsWith("classifier.");
            String key = encoderPart ? checkpointPrefix + name.substring(block.prefix().length()) : name;
            Safetensors.HostTensor tensor = weights.get(key);
            unused.remove(key);
            if (newHead && !encoderPart) {
                // a new classifier is new even where the base checkpoint has one: its labels differ
                entry.getValue().setInitializer(name.endsWith(".weight")
                        ? CnnInitializers.normal(name, seed, config.json().path("initializer_range").asDouble(0.02))
                        : (manager, shape, dataType) -> manager.zeros(shape, dataType));
                continue;
            }
            CnnInitializers.loadChecked(entry.getValue(), key, tensor, task.architecture(),
                    encoderPart ? "" : " (is it a ViTModel? fine-tune it with a new head first)",
                    " (" + sizes(config) + ")");
        }
        // what a head change drops, as transformers does: an old classifier, or a ViTModel's pooler
        unused.removeIf(n -> n.startsWith("classifier.") || n.startsWith(checkpointPrefix + "pooler."));
        if (!unused.isEmpty()) {
            throw new InvalidModelException(WEIGHTS_FILE + " has tensors a " + task.architecture()
                    + " with this config.json does not: " + unused);
        }
        Model model = Model.newInstance(task.architecture(), device, Torch.ENGINE);
        try {
            model.setBlock(block);
            block.initialize(model.getNDManager(), DataType.FLOAT32, inputShape(config, 1));
            return new ViTModel(config, processor, block, model);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** "vit." when the checkpoint is a ViTForImageClassification's, "" when it is a ViTModel's. */
    private static String checkpointPrefix(Map<String, Safetensors.HostTensor> weights) {
        if (weights.containsKey("vit.embeddings.cls_token")) {
            return "vit.";
        }
        if (weights.containsKey("embeddings.cls_token")) {
            return "";
        }
        throw new InvalidModelException(WEIGHTS_FILE + " has no tensor embeddings.cls_token (nor "
                + "vit.embeddings.cls_token): not a ViT checkpoint; it has e.g. "
                + weights.keySet().stream().limit(3).toList());
    }

    private static void checkLayers(ViTConfig config, Map<String, Safetensors.HostTensor> weights) {
        int found = 0;
        for (String name : weights.keySet()) {
            Matcher m = LAYER.matcher(name);
            if (m.find()) {
                found = Math.max(found, Integer.parseInt(m.group(1)) + 1);
            }
        }
        if (found != config.layers()) {
            throw new InvalidModelException("config.json has num_hidden_layers " + config.layers() + " but "
                    + WEIGHTS_FILE + " holds " + found + " layers");
        }
    }

    private static String sizes(ViTConfig c) {
        return "hidden_size " + c.hiddenSize() + ", intermediate_size " + c.intermediateSize() + ", image_size "
                + c.imageSize() + ", patch_size " + c.patchSize() + " (" + c.tokens() + " tokens), qkv_bias "
                + c.qkvBias() + (c.labels().isEmpty() ? "" : ", " + c.labels().size() + " labels");
    }

    /** pixel_values of a batch of n images. */
    public static Shape inputShape(ViTConfig config, long n) {
        return new Shape(n, config.numChannels(), config.imageSize(), config.imageSize());
    }

    public ViTConfig config() {
        return config;
    }

    public ViTImageProcessor processor() {
        return processor;
    }

    public ViTBlock block() {
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

    /** Every parameter by its transformers name. */
    public Map<String, Parameter> namedParameters() {
        return block.namedParameters();
    }

    public int imageSize() {
        return config.imageSize();
    }

    /** pixel_values of images decoded at {@link #imageSize} (HWC RGB bytes), as the image processor computes them. */
    public NDArray pixelValues(NDManager manager, List<byte[]> rgbImages) {
        int size = config.imageSize();
        return manager.create(ViTImageProcessor.pixelValues(pixelTable, rgbImages, size),
                inputShape(config, rgbImages.size()));
    }

    /** The block's outputs in inference mode (dropout off). */
    public NDList forward(NDList inputs) {
        return block.forward(new ParameterStore(inputs.head().getManager(), false), inputs, false);
    }

    /** Writes config.json, preprocessor_config.json and model.safetensors (transformers names) into {@code dir}. */
    public void save(Path dir) throws IOException {
        Files.createDirectories(dir);
        Safetensors.writeParameters(dir.resolve(WEIGHTS_FILE), block.namedParameters());
        config.write(dir.resolve(ViTConfig.FILE));
        processor.write(dir);
    }

    @Override
    public void close() {
        model.close();
    }
}
