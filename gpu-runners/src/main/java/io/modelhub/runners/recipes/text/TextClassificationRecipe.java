package io.modelhub.runners.recipes.text;

import ai.djl.Device;
import io.modelhub.contract.ParamSpec;
import io.modelhub.runners.recipes.Params;
import io.modelhub.runners.recipes.Recipe;
import io.modelhub.runners.recipes.RunContext;
import io.modelhub.runners.recipes.RunResult;
import io.modelhub.runners.recipes.Torch;
import io.modelhub.runners.recipes.data.TextDataset;
import io.modelhub.runners.recipes.training.ClassifierTraining;
import io.modelhub.runners.recipes.training.Epochs;
import java.nio.file.Path;
import java.util.List;

/**
 * Fine-tunes a text encoder (a modelhub-text model from text-pretraining, or a TorchScript encoder: see
 * docs/torchscript.md) on a labelled text dataset ({@link TextDataset}) with a new classification head sized to
 * the dataset's labels. Before training it measures base_test_accuracy and base_test_macro_f1 (base encoder, new
 * untrained head); then val_accuracy/val_macro_f1 and a checkpoint per epoch, and test_accuracy/test_macro_f1 at
 * the end. Writes config.json (with id2label/label2id), model.safetensors, tokenizer.json, and for a TorchScript
 * encoder its fine-tuned model.pt.
 */
public final class TextClassificationRecipe implements Recipe {

    public static final String ID = "text-classification";

    @Override
    public String id() {
        return ID;
    }

    @Override
    public String modality() {
        return "text";
    }

    @Override
    public String task() {
        return "text-classification";
    }

    @Override
    public String version() {
        return "1";
    }

    @Override
    public List<ParamSpec> parameters() {
        return Epochs.withTrainingParameters(5, 1e-3, "texts", Epochs.seedParameter(
                "seeds initialisation, masking, data order and the validation split if the dataset has none"),
                new ParamSpec("freeze_backbone", "bool", false, null, null, null,
                        "train only the new classification head, keeping the pretrained encoder as it is"));
    }

    @Override
    public List<String> modelTypes() {
        return List.of(TextEncoderConfig.MODEL_TYPE, io.modelhub.runners.recipes.encoders.TorchScriptEncoder.MODEL_TYPE);
    }

    @Override
    public boolean needsBaseModel() {
        return true;
    }

    @Override
    public RunResult run(RunContext ctx) throws Exception {
        Params params = Params.of(parameters(), ctx.params());
        // scoring batches of 64 texts whatever the training batch size
        ClassifierTraining.Options options = ClassifierTraining.Options.of(params, params.getBoolean("freeze_backbone")).withEvalBatchSize(64);
        Path baseDir = ClassifierTraining.baseModelDir(ctx, this);
        String baseType = TextClassifierModel.modelType(baseDir);
        TextDataset dataset = TextDataset.open(ctx.datasetDir(), options.seed(), true);
        dataset.notes().forEach(ctx::log);
        ctx.log("Dataset: " + dataset.describe());

        Device device = Torch.preferredDevice();
        ctx.log("Fine-tuning a " + baseType + " encoder with a new head for " + dataset.labels().size()
                + " labels with " + Torch.describe(device));
        try (TextClassifierModel model = TextClassifierModel.withNewHead(baseDir, dataset.labels(), options.seed(),
                device)) {
            ClassifierTraining.Splits<TokenizedTexts> splits = new ClassifierTraining.Splits<>(
                    model.tokenize(dataset.train()), model.tokenize(dataset.validation()),
                    model.tokenize(dataset.test()));
            return new ClassifierTraining<TokenizedTexts, TextClassifierModel>(this, ctx, options, splits,
                    TextClassifierModel::loadCheckpoint, "texts").fineTune(model, "encoder");
        }
    }
}
