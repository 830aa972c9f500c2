package io.modelhub.runners.recipes.text;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import io.modelhub.runners.recipes.ParamSpec;
import io.modelhub.runners.recipes.Params;
import io.modelhub.runners.recipes.Recipe;
import io.modelhub.runners.recipes.RunContext;
import io.modelhub.runners.recipes.RunResult;
import io.modelhub.runners.recipes.Torch;
import io.modelhub.runners.recipes.data.TextDataset;
import io.modelhub.runners.recipes.vision.ClassificationMetrics;
import io.modelhub.runners.recipes.vision.InvalidModelException;
import io.modelhub.runners.recipes.vision.TrainingState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

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
    private static final int EVAL_BATCH = 64;

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
        return Epochs.withTrainingParameters(5, 1e-3);
    }

    @Override
    public boolean needsBaseModel() {
        return true;
    }

    @Override
    public RunResult run(RunContext ctx) throws Exception {
        Params params = Params.of(parameters(), ctx.params());
        int epochs = params.getInt("epochs");
        float learningRate = (float) params.getDouble("learning_rate");
        int batchSize = params.getInt("batch_size");
        long seed = params.getInt("seed");
        if (ctx.baseModelDir() == null || !Files.isDirectory(ctx.baseModelDir())) {
            throw new IllegalArgumentException(ID + " fine-tunes a base model, but the job has none"
                    + (ctx.baseModelDir() == null ? "" : " (no folder " + ctx.baseModelDir() + ")"));
        }
        String baseType = TextClassifierModel.modelType(ctx.baseModelDir());
        TextDataset dataset = TextDataset.open(ctx.datasetDir(), seed, true);
        dataset.notes().forEach(ctx::log);
        ctx.log("Dataset: " + dataset.describe());

        Device device = Torch.preferredDevice();
        ctx.log("Fine-tuning a " + baseType + " encoder with a new head for " + dataset.labels().size()
                + " labels with " + Torch.describe(device));
        Map<String, Double> result = new LinkedHashMap<>();
        TextClassifierModel model = TextClassifierModel.withNewHead(ctx.baseModelDir(), dataset.labels(), seed,
                device);
        try {
            TokenizedTexts test = model.tokenize(dataset.test());
            ClassificationMetrics baseline = model.evaluate(test, EVAL_BATCH);
            ctx.metric(0, "base_test_accuracy", baseline.accuracy());
            ctx.metric(0, "base_test_macro_f1", baseline.macroF1());
            result.put("base_test_accuracy", baseline.accuracy());
            result.put("base_test_macro_f1", baseline.macroF1());
            ctx.log(String.format(Locale.ROOT,
                    "Before fine-tuning (base encoder, new untrained head): test accuracy %.4f, macro F1 %.4f",
                    baseline.accuracy(), baseline.macroF1()));

            int startEpoch = 0;
            long step = 0;
            Optional<RunContext.Checkpoint> checkpoint = ctx.latestCheckpoint();
            if (checkpoint.isPresent()) {
                Path dir = checkpoint.get().dir();
                TrainingState state = TrainingState.read(dir);
                TextClassifierModel resumed = TextClassifierModel.load(dir, device);
                if (!resumed.labels().equals(model.labels())) {
                    resumed.close();
                    throw new InvalidModelException("checkpoint " + dir + " holds a classifier for labels "
                            + resumed.labels() + ", but this run has " + model.labels());
                }
                model.close();
                model = resumed;
                startEpoch = state.epoch();
                step = state.step();
                ctx.log("Resuming from checkpoint at epoch " + startEpoch + ", step " + step);
            }
            TokenizedTexts train = model.tokenize(dataset.train());
            TokenizedTexts validation = model.tokenize(dataset.validation());
            try (Trainer trainer = model.newTrainer(learningRate)) {
                for (int epoch = startEpoch + 1; epoch <= epochs; epoch++) {
                    long started = System.nanoTime();
                    int[] order = Epochs.order(train.size(), seed, epoch);
                    double lossSum = 0;
                    int batches = 0;
                    for (int from = 0; from < order.length; from += batchSize) {
                        if (ctx.cancelled()) {
                            return cancelled(ctx, result, epoch, step);
                        }
                        float loss = trainStep(trainer, model, train, order, from, Math.min(order.length,
                                from + batchSize));
                        step++;
                        if (!Float.isFinite(loss)) {
                            throw new IllegalStateException("training diverged: loss is " + loss + " at step "
                                    + step + "; try a lower learning_rate than " + learningRate);
                        }
                        ctx.metric(step, "loss", loss);
                        lossSum += loss;
                        batches++;
                    }
                    if (ctx.cancelled()) {
                        return cancelled(ctx, result, epoch, step);
                    }
                    ClassificationMetrics val = model.evaluate(validation, EVAL_BATCH);
                    ctx.metric(step, "val_accuracy", val.accuracy());
                    ctx.metric(step, "val_macro_f1", val.macroF1());
                    ctx.metric(step, "epoch", epoch);
                    result.put("val_accuracy", val.accuracy());
                    result.put("val_macro_f1", val.macroF1());
                    double seconds = (System.nanoTime() - started) / 1e9;
                    ctx.log(String.format(Locale.ROOT,
                            "Epoch %d/%d: mean loss %.4f, val_accuracy %.4f, val_macro_f1 %.4f (%.1f s, %.0f texts/s)",
                            epoch, epochs, batches == 0 ? Double.NaN : lossSum / batches, val.accuracy(),
                            val.macroF1(), seconds, train.size() / seconds));
                    Path dir = Epochs.checkpointDir(ctx.workDir(), epoch);
                    model.save(dir);
                    new TrainingState(ID, version(), epoch, step, seed, epoch).write(dir);
                    ctx.saveCheckpoint(new RunContext.Checkpoint(dir, epoch, step));
                }
            }
            if (ctx.cancelled()) {
                return cancelled(ctx, result, epochs, step);
            }
            ClassificationMetrics testMetrics = model.evaluate(test, EVAL_BATCH);
            ctx.metric(step, "test_accuracy", testMetrics.accuracy());
            ctx.metric(step, "test_macro_f1", testMetrics.macroF1());
            result.put("test_accuracy", testMetrics.accuracy());
            result.put("test_macro_f1", testMetrics.macroF1());
            model.save(ctx.outputDir());
            ctx.log(String.format(Locale.ROOT, "Test (%d texts): accuracy %.4f, macro F1 %.4f; model written",
                    testMetrics.count(), testMetrics.accuracy(), testMetrics.macroF1()));
            return new RunResult(result, true);
        } finally {
            model.close();
        }
    }

    private static float trainStep(Trainer trainer, TextClassifierModel model, TokenizedTexts train, int[] order,
            int from, int to) {
        try (NDManager batch = trainer.getManager().newSubManager()) {
            NDList inputs = train.batch(batch, order, from, to, model.tokenizer().padId());
            NDArray labels = batch.create(train.labels(order, from, to));
            float loss;
            try (GradientCollector collector = trainer.newGradientCollector()) {
                NDArray logits = trainer.forward(inputs).singletonOrThrow();
                NDArray lossArray = trainer.getLoss().evaluate(new NDList(labels), new NDList(logits));
                collector.backward(lossArray);
                loss = lossArray.getFloat();
            }
            trainer.step();
            return loss;
        }
    }

    private static RunResult cancelled(RunContext ctx, Map<String, Double> result, int epoch, long step) {
        ctx.log("Cancelled during epoch " + epoch + " after step " + step + "; no model written");
        return new RunResult(result, false);
    }
}
