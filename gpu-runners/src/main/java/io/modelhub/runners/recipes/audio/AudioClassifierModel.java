package io.modelhub.runners.recipes.audio;

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
import io.modelhub.runners.recipes.data.LabelledFiles;
import io.modelhub.runners.recipes.training.TrainableClassifier;
import io.modelhub.runners.recipes.vision.ClassificationMetrics;
import io.modelhub.runners.recipes.vision.CnnInitializers;
import io.modelhub.runners.recipes.vision.InvalidModelException;
import io.modelhub.runners.recipes.vision.Safetensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A modelhub-audio classifier on DJL: an {@link AudioEncoder} over log-mel images and a linear head, built from
 * an {@link AudioConfig}, with weights in model.safetensors by PyTorch-style tensor name.
 * <p>
 * Also the entry point for scoring a produced model outside its training recipe:
 * <pre>
 *   try (AudioClassifierModel model = AudioClassifierModel.load(modelDir, Torch.preferredDevice())) {
 *       ClassFolderDataset data = ClassFolderDataset.open(datasetDir, seed, MediaKind.AUDIO);
 *       model.checkLabels(data.labels());
 *       ClassificationMetrics test = model.evaluate(data.test());
 *   }
 * </pre>
 */
public final class AudioClassifierModel implements TrainableClassifier<LogMelClips> {

    public static final String CONFIG_FILE = "config.json";
    public static final String WEIGHTS_FILE = "model.safetensors";
    /** PyTorch BatchNorm2d state that this network does not use; present in files saved from PyTorch. */
    private static final String IGNORED_SUFFIX = ".num_batches_tracked";
    private static final int EVAL_BATCH = 64;

    private final AudioConfig config;
    private final AudioEncoder encoder;
    private final Model model;
    private final AudioClassifierBlock block;
    private final Device device;

    private AudioClassifierModel(AudioConfig config, AudioEncoder encoder, Model model, AudioClassifierBlock block,
            Device device) {
        this.config = config;
        this.encoder = encoder;
        this.model = model;
        this.block = block;
        this.device = device;
    }

    /** A new model with seeded random weights. */
    public static AudioClassifierModel create(AudioConfig config, long seed, Device device) {
        return build(config, CnnAudioEncoder.of(config), Map.of(), seed, device);
    }

    /**
     * Loads config.json and model.safetensors from {@code dir}; every tensor the config implies must be present
     * with the right shape, and no other tensors may be.
     */
    public static AudioClassifierModel load(Path dir, Device device) throws IOException {
        AudioConfig config = AudioConfig.read(dir.resolve(CONFIG_FILE));
        AudioEncoder encoder = CnnAudioEncoder.of(config);
        Map<String, Safetensors.HostTensor> weights = Safetensors.read(dir.resolve(WEIGHTS_FILE));
        checkTensorNames(config, encoder, weights, true);
        return build(config, encoder, weights, 0, device);
    }

    /**
     * The encoder of the model in {@code baseDir} with a new, seeded classification head for {@code labels}: the
     * starting point of fine-tuning. The base model's own head is discarded even if its labels match.
     * <p>
     * This is where the encoder is chosen from the base model's files: today only modelhub-audio
     * (config.json + model.safetensors, {@link CnnAudioEncoder}). A bring-your-own encoder (TorchScript) would be
     * recognised here and wrapped as an {@link AudioEncoder}; the head, training loop and metrics stay as they are.
     */
    public static AudioClassifierModel withNewHead(Path baseDir, List<String> labels, long seed, Device device)
            throws IOException {
        AudioConfig base = AudioConfig.read(baseDir.resolve(CONFIG_FILE));
        AudioEncoder encoder = CnnAudioEncoder.of(base);
        Map<String, Safetensors.HostTensor> weights = Safetensors.read(baseDir.resolve(WEIGHTS_FILE));
        checkTensorNames(base, encoder, weights, false);
        Map<String, Safetensors.HostTensor> backbone = new LinkedHashMap<>(weights);
        backbone.keySet().removeIf(name -> !name.startsWith("backbone."));
        return build(base.withLabels(labels), encoder, backbone, seed, device);
    }

    /** The checkpoint loader of the training loop: the checkpoint must be of this run's model (labels, features). */
    public static AudioClassifierModel loadCheckpoint(Path dir, AudioClassifierModel fresh) throws IOException {
        AudioClassifierModel resumed = load(dir, fresh.device());
        if (!resumed.config().equals(fresh.config())) {
            resumed.close();
            throw new InvalidModelException("checkpoint " + dir + " holds a model for labels "
                    + resumed.config().labels() + " with features " + resumed.config().features()
                    + ", but this run has " + fresh.config().labels() + " with " + fresh.config().features());
        }
        return resumed;
    }

    private static AudioClassifierModel build(AudioConfig config, AudioEncoder encoder,
            Map<String, Safetensors.HostTensor> weights, long seed, Device device) {
        AudioClassifierBlock block = new AudioClassifierBlock(encoder, config.numLabels());
        for (Map.Entry<String, Parameter> entry : block.namedParameters().entrySet()) {
            Safetensors.HostTensor tensor = weights.get(entry.getKey());
            entry.getValue().setInitializer(tensor != null ? CnnInitializers.loaded(entry.getKey(), tensor)
                    : CnnInitializers.seeded(entry.getKey(), seed));
        }
        Model model = Model.newInstance(AudioConfig.MODEL_TYPE, device, Torch.ENGINE);
        try {
            model.setBlock(block);
            block.initialize(model.getNDManager(), DataType.FLOAT32, inputShape(config, 1));
            return new AudioClassifierModel(config, encoder, model, block, device);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    private static void checkTensorNames(AudioConfig config, AudioEncoder encoder,
            Map<String, Safetensors.HostTensor> weights, boolean withHead) {
        TreeSet<String> expected = new TreeSet<>(encoder.namedParameters().keySet());
        expected.add("classifier.weight");
        expected.add("classifier.bias");
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

    public static Shape inputShape(AudioConfig config, int batch) {
        return new Shape(batch, 1, config.features().nMels(), config.features().frames());
    }

    public AudioConfig config() {
        return config;
    }

    public AudioEncoder encoder() {
        return encoder;
    }

    @Override
    public NDManager manager() {
        return model.getNDManager();
    }

    @Override
    public Device device() {
        return device;
    }

    /** Writes config.json and model.safetensors into {@code dir}. */
    @Override
    public void save(Path dir) throws IOException {
        Safetensors.writeParameters(dir.resolve(WEIGHTS_FILE), block.namedParameters());
        config.write(dir.resolve(CONFIG_FILE));
    }

    @Override
    public void freezeBackbone() {
        block.backbone().freezeParameters(true);
        block.setBackboneTraining(false);
    }

    /** Adam at a fixed learning rate, softmax cross-entropy on logits. */
    @Override
    public Trainer newTrainer(ai.djl.training.tracker.Tracker learningRate) {
        DefaultTrainingConfig trainingConfig = TrainableClassifier.trainingConfig(learningRate, device);
        return model.newTrainer(trainingConfig);
    }

    /** Logits (batch, num_labels) in inference mode. */
    @Override
    public NDArray logits(NDList inputs) {
        return block.forward(new ParameterStore(inputs.head().getManager(), false), inputs, false).singletonOrThrow();
    }

    public NDArray logits(NDArray inputs) {
        return logits(new NDList(inputs));
    }

    /** Embeddings (batch, hidden_size) in inference mode: the encoder's output, e.g. for retrieval. */
    public NDArray embed(NDArray inputs) {
        return block.backbone().forward(new ParameterStore(inputs.getManager(), false), new NDList(inputs), false)
                .singletonOrThrow();
    }

    /** The log-mel inputs of a split as this model computes them (decoded, resampled, cached). */
    public LogMelClips features(LabelledFiles split) {
        return LogMelClips.of(split, config.features());
    }

    /** The label this model gives one WAV file. */
    public String classify(Path wavFile) {
        LabelledFiles one = new LabelledFiles("input", List.of(wavFile), new int[] {0});
        return config.labels().get(predict(features(one), 1)[0]);
    }

    /**
     * Accuracy and macro F1 on a dataset split whose label ids are this model's (see {@link #checkLabels}):
     * decodes the split's WAV files with this model's feature parameters and scores them.
     */
    public ClassificationMetrics evaluate(LabelledFiles split) {
        return evaluate(features(split), EVAL_BATCH);
    }

    /**
     * Fails unless the dataset's labels are this model's labels in the same order (label ids of an audiofolder
     * dataset are its sorted class folder names, as are those of a model trained on it): scoring a model on a
     * dataset with other classes would compare unrelated ids.
     */
    public void checkLabels(List<String> datasetLabels) {
        if (!datasetLabels.equals(config.labels())) {
            throw new InvalidModelException("the model's labels " + config.labels() + " are not the dataset's "
                    + datasetLabels);
        }
    }

    @Override
    public NDList batchInputs(NDManager manager, LogMelClips clips, int[] order, int from, int to) {
        return new NDList(batchTensor(manager, clips, order, from, to));
    }

    public NDArray batchTensor(NDManager manager, LogMelClips clips, int[] order, int from, int to) {
        LogMelSpec spec = config.features();
        if (!clips.spec().equals(spec)) {
            throw new IllegalArgumentException("clips were computed with " + clips.spec() + " but the model takes "
                    + spec);
        }
        int plane = spec.nMels() * spec.frames();
        int n = to - from;
        float[] data = new float[n * plane];
        for (int b = 0; b < n; b++) {
            int index = order == null ? from + b : order[from + b];
            System.arraycopy(clips.features(index), 0, data, b * plane, plane);
        }
        return manager.create(data, new Shape(n, 1, spec.nMels(), spec.frames()));
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
