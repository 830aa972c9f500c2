package io.modelhub.runners.recipes.vision.vit;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.Trainer;
import ai.djl.training.tracker.Tracker;
import io.modelhub.runners.recipes.data.DecodedImages;
import io.modelhub.runners.recipes.training.EncoderFineTuning;
import io.modelhub.runners.recipes.training.TrainableClassifier;
import io.modelhub.runners.recipes.vision.InvalidModelException;
import io.modelhub.runners.recipes.vision.vit.ViTConfig.Task;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A transformers ViTForImageClassification as {@link io.modelhub.runners.recipes.training.ClassifierTraining}
 * trains it: fine-tuning starts from a ViTModel or any ViTForImageClassification with a new, seeded classifier;
 * every checkpoint and the final model are transformers folders (config.json with id2label,
 * preprocessor_config.json, model.safetensors). Images are decoded at {@link #imageSize} and normalised as
 * preprocessor_config.json says. The optimizer is AdamW (decay 0.01), as for the BERT family.
 */
public final class ViTClassifier implements TrainableClassifier<DecodedImages> {

    /** The encoder's parameter name prefix (ViTForImageClassification's "vit."). */
    private static final String ENCODER = "vit.";
    private static final Pattern LAYER = Pattern.compile("^vit\\.encoder\\.layer\\.(\\d+)\\.");

    private final ViTModel model;

    private ViTClassifier(ViTModel model) {
        this.model = model;
    }

    /** The encoder of {@code baseDir} under a new classifier for {@code labels}. */
    public static ViTClassifier withNewHead(Path baseDir, List<String> labels, long seed, Device device)
            throws IOException {
        return new ViTClassifier(ViTModel.withNewHead(baseDir, labels, seed, device));
    }

    /** A ViTForImageClassification folder, ready to predict or to train further. */
    public static ViTClassifier load(Path dir, Device device) throws IOException {
        ViTModel model = ViTModel.load(dir, device);
        if (model.block().task() != Task.IMAGE_CLASSIFICATION) {
            List<String> architectures = model.config().architectures();
            model.close();
            throw new InvalidModelException(dir + " is a " + (architectures.isEmpty() ? "ViTModel" : architectures)
                    + ", not a ViTForImageClassification; fine-tune it with a new head first");
        }
        return new ViTClassifier(model);
    }

    /** The checkpoint loader of the training loop: the checkpoint must classify this run's labels. */
    public static ViTClassifier loadCheckpoint(Path dir, ViTClassifier fresh) throws IOException {
        ViTClassifier resumed = load(dir, fresh.device());
        return EncoderFineTuning.sameLabels(dir, resumed, resumed.labels(), fresh.labels());
    }

    public ViTModel model() {
        return model;
    }

    public List<String> labels() {
        return model.config().labels();
    }

    /** The side images must be decoded at (config.json's image_size, which preprocessor_config.json agrees with). */
    public int imageSize() {
        return model.imageSize();
    }

    @Override
    public Device device() {
        return model.device();
    }

    @Override
    public Trainer newTrainer(Tracker learningRate) {
        return EncoderFineTuning.adamWTrainer(model.model(), learningRate, device(),
                ViTModel.inputShape(model.config(), 1));
    }

    /** Only the classifier learns: everything under "vit." stays. */
    @Override
    public void freezeBackbone() {
        EncoderFineTuning.freezeUnder(model.namedParameters(), ENCODER);
    }

    /**
     * The top {@code layers} encoder layers, the final layernorm (which they feed) and the classifier learn; the
     * embeddings and the lower layers stay. 0 is {@link #freezeBackbone}; at least the model's layer count trains
     * everything, as -1 does.
     */
    @Override
    public void trainTopLayers(int layers) {
        EncoderFineTuning.trainTopLayers(layers, model.config().layers(), model.namedParameters(), ENCODER, LAYER,
                name -> name.startsWith(ENCODER + "layernorm."));
    }

    @Override
    public NDList batchInputs(NDManager manager, DecodedImages images, int[] order, int from, int to) {
        if (images.imageSize() != imageSize()) {
            throw new IllegalArgumentException("images are " + images.imageSize() + " px but the model takes "
                    + imageSize());
        }
        List<byte[]> batch = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
            batch.add(images.rgb(order == null ? i : order[i]));
        }
        return new NDList(model.pixelValues(manager, batch));
    }

    /** Layer norm normalises each token on its own: a batch of one image trains like any other. */
    @Override
    public boolean usesBatchStatistics() {
        return false;
    }

    @Override
    public int numLabels() {
        return labels().size();
    }

    @Override
    public NDManager manager() {
        return model.manager();
    }

    @Override
    public NDArray logits(NDList inputs) {
        return model.forward(inputs).singletonOrThrow();
    }

    /** config.json (ViTForImageClassification, id2label), preprocessor_config.json and model.safetensors. */
    @Override
    public void save(Path dir) throws IOException {
        model.save(dir);
    }

    @Override
    public void close() {
        model.close();
    }
}
