package io.modelhub.runners.recipes.vision;

import ai.djl.Device;
import io.modelhub.contract.ParamSpec;
import io.modelhub.runners.recipes.Params;
import io.modelhub.runners.recipes.Recipe;
import io.modelhub.runners.recipes.RunContext;
import io.modelhub.runners.recipes.RunResult;
import io.modelhub.runners.recipes.Torch;
import io.modelhub.runners.recipes.data.DecodedImages;
import io.modelhub.runners.recipes.data.ImageFolderDataset;
import io.modelhub.runners.recipes.training.ClassifierTraining;
import io.modelhub.runners.recipes.training.Epochs;
import java.util.List;
import java.util.Map;

/**
 * Trains a modelhub-cnn image classifier from scratch (supervised) on an imagefolder dataset and writes
 * config.json and model.safetensors: the platform's own vision base models come from here.
 */
public final class ImagePretrainingRecipe implements Recipe {

    public static final String ID = "image-pretraining";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String modality() {
        return "vision";
    }

    @Override
    public String task() {
        return "image-classification";
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
                ParamSpec.integer("image_size", 32, CnnConfig.MIN_IMAGE_SIZE, 512,
                        "images are resized to image_size x image_size pixels"));
    }

    @Override
    public boolean needsBaseModel() {
        return false;
    }

    @Override
    public RunResult run(RunContext ctx) throws Exception {
        Params params = Params.of(parameters(), ctx.params());
        ClassifierTraining.Options options = ClassifierTraining.Options.of(params, false);
        int imageSize = params.getInt("image_size");

        ImageFolderDataset dataset = ImageFolderDataset.open(ctx.datasetDir(), options.seed());
        dataset.notes().forEach(ctx::log);
        ImageClassificationData data = ImageClassificationData.decode(dataset, imageSize);
        ctx.log("Dataset: " + data.describe());
        CnnConfig config = CnnConfig.defaults(imageSize, dataset.labels());

        Device device = Torch.preferredDevice();
        ctx.log("Training modelhub-cnn " + config.channels() + " from scratch with " + Torch.describe(device));
        try (CnnModel model = CnnModel.create(config, options.seed(), device)) {
            return new ClassifierTraining<DecodedImages, CnnModel>(this, ctx, options, data.splits(),
                    CnnModel::loadCheckpoint, "images").run(model, Map.of());
        }
    }
}
