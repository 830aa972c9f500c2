package io.modelhub.runners.recipes.text;

import ai.djl.Device;
import io.modelhub.contract.ModelTypes;
import io.modelhub.contract.ParamSpec;
import io.modelhub.runners.recipes.Params;
import io.modelhub.runners.recipes.Recipe;
import io.modelhub.runners.recipes.RunContext;
import io.modelhub.runners.recipes.RunResult;
import io.modelhub.runners.recipes.Torch;
import io.modelhub.runners.recipes.data.TextDataset;
import io.modelhub.runners.recipes.encoders.TorchScriptEncoder;
import io.modelhub.runners.recipes.text.bert.BertTextClassifier;
import io.modelhub.runners.recipes.training.ClassifierTraining;
import io.modelhub.runners.recipes.training.Epochs;
import io.modelhub.runners.recipes.vision.ConfigJson;
import io.modelhub.runners.recipes.vision.InvalidModelException;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Fine-tunes a text encoder on a labelled text dataset ({@link TextDataset}) with a new classification head sized
 * to the dataset's labels. The encoder is a modelhub-text model from text-pretraining, a TorchScript encoder (see
 * docs/torchscript.md), or a transformers BERT-family model (bert, roberta, xlm-roberta, distilbert: see
 * docs/bert.md) as it is, which becomes a *ForSequenceClassification. Before training it measures
 * base_test_accuracy and base_test_macro_f1 (base encoder, new untrained head); then val_accuracy/val_macro_f1 and a
 * checkpoint per epoch, and test_accuracy/test_macro_f1 at the end.
 * <p>
 * Optimisation: BERT-family encoders train as transformers fine-tunes them by default: AdamW (weight decay 0.01),
 * learning rate 5e-5 warmed up over 10% of the steps then decayed linearly to 0, gradients clipped to global norm
 * 1.0. The small platform encoders keep what version 1 did (Adam at a constant 1e-3), since a schedule would
 * change their results, unless warmup_ratio is given; max_grad_norm applies to every encoder.
 * <p>
 * Writes config.json (with id2label/label2id), model.safetensors, tokenizer files, and for a TorchScript encoder its
 * fine-tuned model.pt; for a BERT-family encoder a standard transformers checkpoint (architectures
 * ["BertForSequenceClassification"] etc., problem_type single_label_classification, transformers tensor names).
 */
public final class TextClassificationRecipe implements Recipe {

    public static final String ID = "text-classification";
    /** learning_rate when none is given: transformer encoders, small platform encoders. */
    public static final double BERT_LEARNING_RATE = 5e-5;
    public static final double PLATFORM_LEARNING_RATE = 1e-3;
    /** warmup_ratio of BERT-family encoders when none is given. */
    public static final double BERT_WARMUP_RATIO = 0.1;

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

    /** 2: BERT-family base models; learning_rate and warmup_ratio by encoder kind, max_grad_norm, trainable_layers, max_length. */
    @Override
    public String version() {
        return "2";
    }

    @Override
    public List<ParamSpec> parameters() {
        return List.of(
                ParamSpec.integer("epochs", 5, 1, 200, "passes over the train split"),
                new ParamSpec("learning_rate", ParamSpec.FLOAT, null, 1e-6, 1.0, null,
                        "peak learning rate; default 5e-5 for BERT-family encoders (AdamW), 1e-3 for modelhub-text "
                                + "and TorchScript encoders (Adam)"),
                ParamSpec.integer("batch_size", 32, 1, 1024, "texts per training step"),
                Epochs.seedParameter(
                        "seeds initialisation, masking, data order and the validation split if the dataset has none"),
                ParamSpec.bool("freeze_backbone", false,
                        "train only the new classification head, keeping the pretrained encoder as it is"),
                new ParamSpec("warmup_ratio", ParamSpec.FLOAT, null, 0.0, 1.0, null,
                        "fraction of the steps over which the learning rate rises from 0, then decays linearly to 0; "
                                + "default 0.1 for BERT-family encoders, a constant learning rate for modelhub-text "
                                + "and TorchScript encoders"),
                ParamSpec.number("max_grad_norm", 1.0, 0.0, 1000.0,
                        "clip gradients to this global L2 norm before each step; 0 = no clipping"),
                ParamSpec.integer("trainable_layers", -1, -1, 1000,
                        "-1 = every layer trains, 0 = the head only, N = the top N encoder layers and the head "
                                + "(N > 0: BERT-family encoders)"),
                ParamSpec.integer("max_length", 128, 2, 8192,
                        "tokens per text, special tokens included; capped by the encoder's max_position_embeddings"));
    }

    @Override
    public List<String> modelTypes() {
        List<String> types = new ArrayList<>(List.of(TextEncoderConfig.MODEL_TYPE, TorchScriptEncoder.MODEL_TYPE));
        types.addAll(ModelTypes.BERT_FAMILY);
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
        String baseType = modelType(baseDir);
        if (!modelTypes().contains(baseType)) {
            throw new InvalidModelException("config.json has model_type \"" + baseType + "\"; " + ID
                    + " fine-tunes " + String.join(", ", modelTypes())
                    + " models (see docs/torchscript.md and docs/bert.md)");
        }
        boolean bert = ModelTypes.BERT_FAMILY.contains(baseType);
        double learningRate = params.has("learning_rate") ? params.getDouble("learning_rate")
                : bert ? BERT_LEARNING_RATE : PLATFORM_LEARNING_RATE;
        double warmup = params.has("warmup_ratio") ? params.getDouble("warmup_ratio") : bert ? BERT_WARMUP_RATIO : -1;
        // scoring batches of 64 texts whatever the training batch size
        ClassifierTraining.Options options = new ClassifierTraining.Options(params.getInt("epochs"),
                (float) learningRate, params.getInt("batch_size"), params.getInt("seed"),
                params.getBoolean("freeze_backbone"), 64, warmup, params.getDouble("max_grad_norm"),
                params.getInt("trainable_layers"));
        int maxLength = params.getInt("max_length");
        TextDataset dataset = TextDataset.open(ctx.datasetDir(), options.seed(), true);
        dataset.notes().forEach(ctx::log);
        ctx.log("Dataset: " + dataset.describe());

        Device device = Torch.preferredDevice();
        ctx.log("Fine-tuning a " + baseType + " encoder with a new head for " + dataset.labels().size()
                + " labels with " + Torch.describe(device));
        if (bert) {
            try (BertTextClassifier model = BertTextClassifier.withNewHead(baseDir, dataset.labels(), options.seed(),
                    device)) {
                // also written as tokenizer_config.json's model_max_length: evaluate tokenizes as training did
                ctx.log("Texts truncated to " + model.limitLength(maxLength) + " tokens");
                ClassifierTraining.Splits<TokenizedTexts> splits = new ClassifierTraining.Splits<>(
                        model.tokenize(dataset.train()), model.tokenize(dataset.validation()),
                        model.tokenize(dataset.test()));
                return new ClassifierTraining<TokenizedTexts, BertTextClassifier>(this, ctx, options, splits,
                        BertTextClassifier::loadCheckpoint, "texts").fineTune(model, "encoder");
            }
        }
        try (TextClassifierModel model = TextClassifierModel.withNewHead(baseDir, dataset.labels(), options.seed(),
                device)) {
            ClassifierTraining.Splits<TokenizedTexts> splits = new ClassifierTraining.Splits<>(
                    model.tokenize(dataset.train()).truncated(maxLength),
                    model.tokenize(dataset.validation()).truncated(maxLength),
                    model.tokenize(dataset.test()).truncated(maxLength));
            return new ClassifierTraining<TokenizedTexts, TextClassifierModel>(this, ctx, options, splits,
                    TextClassifierModel::loadCheckpoint, "texts").fineTune(model, "encoder");
        }
    }

    /** config.json's model_type ("" when absent). */
    static String modelType(Path dir) throws IOException {
        return ConfigJson.modelType(dir);
    }
}
