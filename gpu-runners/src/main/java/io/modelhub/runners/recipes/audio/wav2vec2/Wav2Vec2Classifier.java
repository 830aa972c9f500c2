package io.modelhub.runners.recipes.audio.wav2vec2;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.Trainer;
import ai.djl.training.tracker.Tracker;
import io.modelhub.runners.recipes.data.LabelledFiles;
import io.modelhub.runners.recipes.training.EncoderFineTuning;
import io.modelhub.runners.recipes.training.TrainableClassifier;
import io.modelhub.runners.recipes.vision.InvalidModelException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A transformers Wav2Vec2ForSequenceClassification / HubertForSequenceClassification as
 * {@link io.modelhub.runners.recipes.training.ClassifierTraining} trains it: fine-tuning starts from any wav2vec2 or
 * HuBERT checkpoint (base model or *ForX) with a new, seeded head, and every checkpoint and the final model are
 * transformers model folders (config.json with id2label, preprocessor_config.json, model.safetensors).
 * <pre>
 *   try (Wav2Vec2Classifier model = Wav2Vec2Classifier.load(dir, Torch.preferredDevice())) {
 *       int[] predicted = model.predict(model.examples(split, 10.0), 16);
 *   }
 * </pre>
 */
public final class Wav2Vec2Classifier implements TrainableClassifier<Waveforms> {

    private final Wav2Vec2Model model;

    private Wav2Vec2Classifier(Wav2Vec2Model model) {
        this.model = model;
    }

    /** The encoder of {@code baseDir} under a new classification head for {@code labels}. */
    public static Wav2Vec2Classifier withNewHead(Path baseDir, List<String> labels, long seed, Device device)
            throws IOException {
        return new Wav2Vec2Classifier(Wav2Vec2Model.withNewHead(baseDir, labels, seed, device));
    }

    /** A fine-tuned *ForSequenceClassification folder, ready to predict or to train further. */
    public static Wav2Vec2Classifier load(Path dir, Device device) throws IOException {
        Wav2Vec2Config config = Wav2Vec2Config.read(dir.resolve(Wav2Vec2Config.FILE));
        if (!config.isClassifier()) {
            throw new InvalidModelException(dir + " is a " + config.architectures() + ", not a "
                    + config.classifierArchitecture() + " (fine-tune it first)");
        }
        return new Wav2Vec2Classifier(Wav2Vec2Model.load(dir, device));
    }

    /** The checkpoint loader of the training loop: the checkpoint must classify this run's labels. */
    public static Wav2Vec2Classifier loadCheckpoint(Path dir, Wav2Vec2Classifier fresh) throws IOException {
        Wav2Vec2Classifier resumed = load(dir, fresh.device());
        return EncoderFineTuning.sameLabels(dir, resumed, resumed.labels(), fresh.labels());
    }

    public Wav2Vec2Model model() {
        return model;
    }

    public List<String> labels() {
        return model.config().labels();
    }

    /** A split prepared by this model's feature extractor, clips cut to {@code maxSeconds}. */
    public Waveforms examples(LabelledFiles split, double maxSeconds) {
        return Waveforms.of(split, model.features(), maxSeconds, model.config().receptiveField());
    }

    /** E.g. "wav2vec2 (3 conv layers, 2 layers x 32, 12,345 parameters, 16000 Hz)". */
    public String describe() {
        long parameters = model.namedParameters().values().stream().mapToLong(p -> p.getShape().size()).sum();
        Wav2Vec2Config c = model.config();
        return String.format(java.util.Locale.ROOT, "%s (%d conv layers, %d layers x %d, %,d parameters, %d Hz%s)",
                c.modelType(), c.convDim().size(), c.layers(), c.hiddenSize(), parameters,
                model.features().samplingRate(), model.features().returnAttentionMask() ? ", attention mask" : "");
    }

    @Override
    public Device device() {
        return model.device();
    }

    @Override
    public Trainer newTrainer(Tracker learningRate) {
        int samples = Math.max(model.config().receptiveField(), model.features().samplingRate() / 10);
        Shape[] inputs = model.features().returnAttentionMask()
                ? new Shape[] {new Shape(1, samples), new Shape(1, samples)}
                : new Shape[] {new Shape(1, samples)};
        return EncoderFineTuning.adamWTrainer(model.model(), learningRate, device(), inputs);
    }

    /** Only the projector and classifier learn; the whole wav2vec2/HuBERT encoder stays. */
    @Override
    public void freezeBackbone() {
        EncoderFineTuning.freezeUnder(model.namedParameters(), model.block().prefix());
    }

    /**
     * transformers' freeze_feature_encoder: the convolutional feature encoder stays as pretrained (the usual
     * setting when fine-tuning wav2vec2); the feature projection, transformer and head learn.
     */
    public void freezeFeatureEncoder() {
        EncoderFineTuning.freezeUnder(model.namedParameters(), model.block().prefix() + "feature_extractor.");
    }

    /**
     * The top {@code layers} transformer layers and the head learn (with a stable-layer-norm encoder also the
     * final encoder LayerNorm, which sits after them); the feature encoder, projection, positional conv and lower
     * layers stay. 0 is {@link #freezeBackbone}; at least the layer count trains everything, as -1 does.
     */
    @Override
    public void trainTopLayers(int layers) {
        String encoder = model.block().prefix();
        Pattern layer = Pattern.compile("^" + Pattern.quote(encoder) + "encoder\\.layers\\.(\\d+)\\.");
        boolean finalNorm = model.config().stableLayerNorm();
        EncoderFineTuning.trainTopLayers(layers, model.config().layers(), model.namedParameters(), encoder, layer,
                name -> finalNorm && name.startsWith(encoder + "encoder.layer_norm."));
    }

    @Override
    public NDList batchInputs(NDManager manager, Waveforms examples, int[] order, int from, int to) {
        return examples.batch(manager, order, from, to);
    }

    /** Group and layer norms normalise each clip on its own: a batch of one clip trains like any other. */
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

    @Override
    public void save(Path dir) throws IOException {
        model.save(dir);
    }

    @Override
    public void close() {
        model.close();
    }
}
