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
import java.nio.file.Path;
import java.util.List;

/**
 * Fine-tunes a pretrained modelhub-cnn on an imagefolder dataset with a new classification head sized to the
 * dataset's labels: the backbone's weights are loaded, the head is initialised afresh (seeded). Before training it
 * measures base_test_accuracy, the accuracy of that starting point (base backbone, untrained head) on the test
 * split, which the hub compares with the fine-tuned test_accuracy.
 */
public final class ImageClassificationRecipe implements Recipe {

    public static final String ID = "image-classification";

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
                        "seeds the new head, data order and the validation split if the dataset has none"),
                new ParamSpec("freeze_backbone", "bool", false, null, null, null,
                        "train only the new classification head, keeping the pretrained backbone as it is"));
    }

    @Override
    public List<String> modelTypes() {
        return List.of(CnnConfig.MODEL_TYPE);
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
        CnnConfig base = CnnConfig.read(baseDir.resolve(CnnModel.CONFIG_FILE));

        ImageFolderDataset dataset = ImageFolderDataset.open(ctx.datasetDir(), options.seed());
        dataset.notes().forEach(ctx::log);
        ImageClassificationData data = ImageClassificationData.decode(dataset, base.imageSize());
        ctx.log("Dataset: " + data.describe());

        Device device = Torch.preferredDevice();
        ctx.log("Fine-tuning modelhub-cnn " + base.channels() + " (base labels " + base.numLabels() + ", new labels "
                + dataset.labels().size() + ") with " + Torch.describe(device));
        try (CnnModel model = CnnModel.withNewHead(baseDir, dataset.labels(), options.seed(), device)) {
            return new ClassifierTraining<DecodedImages, CnnModel>(this, ctx, options, data.splits(),
                    CnnModel::loadCheckpoint, "images").fineTune(model, "backbone");
        }
    }
}
