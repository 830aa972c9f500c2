package io.modelhub.runners.recipes.audio;

import ai.djl.Device;
import io.modelhub.contract.ModelTypes;
import io.modelhub.contract.ParamSpec;
import io.modelhub.runners.recipes.Params;
import io.modelhub.runners.recipes.Recipe;
import io.modelhub.runners.recipes.RunContext;
import io.modelhub.runners.recipes.RunResult;
import io.modelhub.runners.recipes.Torch;
import io.modelhub.runners.recipes.audio.wav2vec2.Wav2Vec2Classifier;
import io.modelhub.runners.recipes.audio.wav2vec2.Waveforms;
import io.modelhub.runners.recipes.data.ClassFolderDataset;
import io.modelhub.runners.recipes.data.MediaKind;
import io.modelhub.runners.recipes.training.ClassifierTraining;
import io.modelhub.runners.recipes.training.Epochs;
import io.modelhub.runners.recipes.vision.ConfigJson;
import io.modelhub.runners.recipes.vision.InvalidModelException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Fine-tunes a pretrained audio encoder on an audiofolder dataset with a new classification head sized to the
 * dataset's labels. The features (sample rate, mel bands, clip length) are the base model's. Before training it
 * measures base_test_accuracy and base_test_macro_f1 of the starting point (pretrained encoder, untrained head),
 * which the hub compares with the fine-tuned test_accuracy.
 * <p>
 * Base models: a modelhub-audio model from audio-pretraining (log-mel CNN; its encoder comes from
 * {@link AudioClassifierModel#withNewHead}, see {@link AudioEncoder}), trained as version 1 did (Adam at a constant
 * learning rate unless warmup_ratio is given), or a transformers wav2vec2 / HuBERT checkpoint (docs/audio-models.md),
 * which becomes a *ForSequenceClassification and trains as transformers fine-tunes it: raw 16 kHz waveforms cut to
 * max_duration_s, AdamW, learning rate 3e-5 warmed up over 10% of the steps then decayed linearly to 0, gradients
 * clipped to global norm 1.0, the convolutional feature encoder frozen (freeze_feature_encoder).
 */
public final class AudioClassificationRecipe implements Recipe {

    public static final String ID = "audio-classification";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String modality() {
        return "audio";
    }

    @Override
    public String task() {
        return "audio-classification";
    }

    /** learning_rate when none is given: modelhub-audio (version 1's default), wav2vec2/HuBERT (transformers'). */
    public static final double PLATFORM_LEARNING_RATE = 1e-3;
    public static final double WAV2VEC2_LEARNING_RATE = 3e-5;
    /** warmup_ratio and max_grad_norm of wav2vec2/HuBERT when none is given. */
    public static final double WAV2VEC2_WARMUP_RATIO = 0.1;
    public static final double WAV2VEC2_MAX_GRAD_NORM = 1.0;

    /**
     * 2: wav2vec2/HuBERT base models; warmup_ratio, max_grad_norm, trainable_layers, freeze_feature_encoder and
     * max_duration_s. A modelhub-audio run without the new parameters trains exactly as in version 1.
     */
    @Override
    public String version() {
        return "2";
    }

    @Override
    public List<ParamSpec> parameters() {
        return List.of(
                ParamSpec.integer("epochs", 5, 1, 200, "passes over the train split"),
                new ParamSpec("learning_rate", ParamSpec.FLOAT, null, 1e-6, 1.0, null,
                        "peak learning rate; default 1e-3 for modelhub-audio encoders (Adam), 3e-5 for wav2vec2 and "
                                + "HuBERT (AdamW)"),
                ParamSpec.integer("batch_size", 32, 1, 1024, "clips per training step"),
                Epochs.seedParameter(
                        "seeds the new head, data order and the validation split if the dataset has none"),
                ParamSpec.bool("freeze_backbone", false,
                        "train only the new classification head, keeping the pretrained encoder as it is"),
                new ParamSpec("warmup_ratio", ParamSpec.FLOAT, null, 0.0, 1.0, null,
                        "fraction of the steps over which the learning rate rises from 0, then decays linearly to 0; "
                                + "default 0.1 for wav2vec2/HuBERT, a constant learning rate for modelhub-audio"),
                new ParamSpec("max_grad_norm", ParamSpec.FLOAT, null, 0.0, 1000.0, null,
                        "clip gradients to this global L2 norm before each step (0 = no clipping); default 1.0 for "
                                + "wav2vec2/HuBERT, none for modelhub-audio"),
                ParamSpec.integer("trainable_layers", -1, -1, 1000,
                        "-1 = every layer trains, 0 = the head only, N = the top N transformer layers and the head "
                                + "(N > 0: wav2vec2/HuBERT)"),
                ParamSpec.bool("freeze_feature_encoder", true,
                        "wav2vec2/HuBERT: keep the convolutional feature encoder as pretrained, as transformers' "
                                + "freeze_feature_encoder (modelhub-audio ignores it)"),
                ParamSpec.number("max_duration_s", 10.0, 0.05, 600.0,
                        "wav2vec2/HuBERT: clips are cut to this many seconds (modelhub-audio uses its config's "
                                + "clip length)"));
    }

    @Override
    public List<String> modelTypes() {
        List<String> types = new ArrayList<>(List.of(AudioConfig.MODEL_TYPE));
        types.addAll(ModelTypes.AUDIO_PRETRAINED);
        return List.copyOf(types);
    }

    @Override
    public boolean needsBaseModel() {
        return true;
    }

    @Override
    public RunResult run(RunContext ctx) throws Exception {
        Params params = Params.of(parameters(), ctx.params());
        Path baseDir = ClassifierTraining.baseModelDir(ctx, this);
        String baseType = ConfigJson.modelType(baseDir);
        boolean wav2vec2 = ModelTypes.AUDIO_PRETRAINED.contains(baseType);
        if (!wav2vec2 && !baseType.equals(AudioConfig.MODEL_TYPE)) {
            throw new InvalidModelException("config.json has model_type \"" + baseType + "\"; " + ID
                    + " fine-tunes " + String.join(", ", modelTypes()) + " models (see docs/audio-models.md)");
        }
        double learningRate = params.has("learning_rate") ? params.getDouble("learning_rate")
                : wav2vec2 ? WAV2VEC2_LEARNING_RATE : PLATFORM_LEARNING_RATE;
        double warmup = params.has("warmup_ratio") ? params.getDouble("warmup_ratio")
                : wav2vec2 ? WAV2VEC2_WARMUP_RATIO : -1;
        double clip = params.has("max_grad_norm") ? params.getDouble("max_grad_norm")
                : wav2vec2 ? WAV2VEC2_MAX_GRAD_NORM : 0;
        ClassifierTraining.Options options = new ClassifierTraining.Options(params.getInt("epochs"),
                (float) learningRate, params.getInt("batch_size"), params.getInt("seed"),
                params.getBoolean("freeze_backbone")).withOptimization(warmup, clip,
                params.getInt("trainable_layers"));
        if (wav2vec2) {
            return fineTuneWav2Vec2(ctx, params, options, baseDir);
        }
        AudioConfig base = AudioConfig.read(baseDir.resolve(AudioClassifierModel.CONFIG_FILE));
        AudioClassificationData data = AudioClassificationData.open(ctx, options.seed(), base.features());

        Device device = Torch.preferredDevice();
        try (AudioClassifierModel model = AudioClassifierModel.withNewHead(baseDir, data.labels(),
                options.seed(), device)) {
            ctx.log("Fine-tuning " + model.encoder().describe() + " (base labels " + base.numLabels()
                    + ", new labels " + data.labels().size() + ") with " + Torch.describe(device));
            return new ClassifierTraining<LogMelClips, AudioClassifierModel>(this, ctx, options, data.splits(),
                    AudioClassifierModel::loadCheckpoint, "clips").fineTune(model, "encoder");
        }
    }

    private RunResult fineTuneWav2Vec2(RunContext ctx, Params params, ClassifierTraining.Options options,
            Path baseDir) throws Exception {
        ClassFolderDataset dataset = ClassFolderDataset.open(ctx.datasetDir(), options.seed(), MediaKind.AUDIO);
        dataset.notes().forEach(ctx::log);
        Device device = Torch.preferredDevice();
        double maxSeconds = params.getDouble("max_duration_s");
        try (Wav2Vec2Classifier model = Wav2Vec2Classifier.withNewHead(baseDir, dataset.labels(), options.seed(),
                device)) {
            long started = System.nanoTime();
            ClassifierTraining.Splits<Waveforms> splits = new ClassifierTraining.Splits<>(
                    model.examples(dataset.train(), maxSeconds), model.examples(dataset.validation(), maxSeconds),
                    model.examples(dataset.test(), maxSeconds));
            ctx.log(String.format(Locale.ROOT, "Dataset: %d classes; %d train, %d validation, %d test clips at "
                    + "%d Hz, cut to %.1f s (decoded in %.1f s)", dataset.labels().size(), splits.train().size(),
                    splits.validation().size(), splits.test().size(), model.model().features().samplingRate(),
                    maxSeconds, (System.nanoTime() - started) / 1e9));
            ctx.log("Fine-tuning " + model.describe() + " with a new head for " + dataset.labels().size()
                    + " labels with " + Torch.describe(device));
            boolean freezeFeatures = params.getBoolean("freeze_feature_encoder");
            if (freezeFeatures) {
                model.freezeFeatureEncoder();
                ctx.log("Feature encoder frozen (freeze_feature_encoder)");
            }
            // a resumed model trains what the fresh one would have: its feature encoder frozen the same way
            ClassifierTraining.CheckpointLoader<Wav2Vec2Classifier> checkpoints = (dir, fresh) -> {
                Wav2Vec2Classifier resumed = Wav2Vec2Classifier.loadCheckpoint(dir, fresh);
                if (freezeFeatures) {
                    resumed.freezeFeatureEncoder();
                }
                return resumed;
            };
            return new ClassifierTraining<Waveforms, Wav2Vec2Classifier>(this, ctx, options.withEvalBatchSize(
                    Math.max(8, Math.min(64, options.batchSize()))), splits, checkpoints, "clips")
                    .fineTune(model, "encoder");
        }
    }
}
