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
import java.nio.file.Path;
import java.util.List;

/**
 * Fine-tunes a pretrained audio encoder on an audiofolder dataset with a new classification head sized to the
 * dataset's labels. The features (sample rate, mel bands, clip length) are the base model's. Before training it
 * measures base_test_accuracy and base_test_macro_f1 of the starting point (pretrained encoder, untrained head),
 * which the hub compares with the fine-tuned test_accuracy.
 * <p>
 * The encoder comes from {@link AudioClassifierModel#withNewHead}, the one place that decides what kind of
 * backbone the base model is (see {@link AudioEncoder}).
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

    @Override
    public String version() {
        return "1";
    }

    @Override
    public List<ParamSpec> parameters() {
        return ClassifierTraining.withTrainingParameters(
                Epochs.seedParameter(
                        "seeds the new head, data order and the validation split if the dataset has none"),
                new ParamSpec("freeze_backbone", "bool", false, null, null, null,
                        "train only the new classification head, keeping the pretrained encoder as it is"));
    }

    @Override
    public List<String> modelTypes() {
        return List.of(AudioConfig.MODEL_TYPE);
    }

    @Override
    public boolean needsBaseModel() {
        return true;
    }

    @Override
    public RunResult run(RunContext ctx) throws Exception {
        Params params = Params.of(parameters(), ctx.params());
        ClassifierTraining.Options options = ClassifierTraining.Options.of(params, params.getBoolean("freeze_backbone"));
        Path baseDir = ClassifierTraining.baseModelDir(ctx, this);
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
}
