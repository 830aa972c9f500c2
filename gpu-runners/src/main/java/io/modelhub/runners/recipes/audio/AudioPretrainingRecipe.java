package io.modelhub.runners.recipes.audio;

import ai.djl.Device;
import io.modelhub.contract.ParamSpec;
import io.modelhub.runners.recipes.Params;
import io.modelhub.runners.recipes.Recipe;
import io.modelhub.runners.recipes.RunContext;
import io.modelhub.runners.recipes.RunResult;
import io.modelhub.runners.recipes.Torch;
import io.modelhub.runners.recipes.training.ClassifierTraining;
import io.modelhub.runners.recipes.training.Epochs;
import java.util.List;
import java.util.Map;

/**
 * Trains a modelhub-audio classifier from scratch (supervised) on an audiofolder dataset and writes config.json
 * and model.safetensors: the platform's own audio base models come from here. The feature parameters chosen here
 * (sample rate, mel bands, clip length) are stored in config.json and used by every later fine-tuning and
 * evaluation of the model.
 */
public final class AudioPretrainingRecipe implements Recipe {

    public static final String ID = "audio-pretraining";

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

    @Override
    public String version() {
        return "1";
    }

    @Override
    public List<ParamSpec> parameters() {
        return ClassifierTraining.withTrainingParameters(
                Epochs.seedParameter(
                        "seeds weight initialisation, data order and the validation split if the dataset has none"),
                ParamSpec.integer("sample_rate", LogMelSpec.DEFAULT_SAMPLE_RATE, 8_000, 48_000,
                        "audio is resampled to this rate (Hz); 25 ms windows every 10 ms"),
                ParamSpec.integer("n_mels", LogMelSpec.DEFAULT_N_MELS, 16, 128, "mel bands of the log-mel features"),
                ParamSpec.number("clip_seconds", LogMelSpec.DEFAULT_CLIP_SECONDS, 0.1, 30,
                        "each file's first clip_seconds are used; shorter files are padded"));
    }

    @Override
    public boolean needsBaseModel() {
        return false;
    }

    @Override
    public RunResult run(RunContext ctx) throws Exception {
        Params params = Params.of(parameters(), ctx.params());
        ClassifierTraining.Options options = ClassifierTraining.Options.of(params, false);
        LogMelSpec spec = LogMelSpec.defaults(params.getInt("sample_rate"), params.getInt("n_mels"),
                params.getDouble("clip_seconds"));

        AudioClassificationData data = AudioClassificationData.open(ctx, options.seed(), spec);
        AudioConfig config = AudioConfig.defaults(spec, data.labels());

        Device device = Torch.preferredDevice();
        ctx.log("Training " + AudioConfig.MODEL_TYPE + " CNN " + config.channels() + " from scratch with "
                + Torch.describe(device));
        try (AudioClassifierModel model = AudioClassifierModel.create(config, options.seed(), device)) {
            return new ClassifierTraining<LogMelClips, AudioClassifierModel>(this, ctx, options, data.splits(),
                    AudioClassifierModel::loadCheckpoint, "clips").run(model, Map.of());
        }
    }
}
