package io.modelhub.runners.recipes.vision;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import io.modelhub.runners.recipes.ParamSpec;
import io.modelhub.runners.recipes.Recipe;
import io.modelhub.runners.recipes.RunContext;
import io.modelhub.runners.recipes.RunResult;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * The supervised training loop shared by the image recipes: epochs of shuffled mini-batches with Adam, validation
 * and a checkpoint after every epoch, test metrics and the model files at the end. Stops at the next step once
 * the run is cancelled, and resumes after the epoch of the latest checkpoint.
 */
final class CnnClassifierTraining {

    /** The parameters every CNN recipe trains with, followed by the recipe's own. */
    static List<ParamSpec> withTrainingParameters(ParamSpec... own) {
        List<ParamSpec> all = new ArrayList<>(List.of(
                ParamSpec.integer("epochs", 5, 1, 200, "passes over the train split"),
                ParamSpec.number("learning_rate", 1e-3, 1e-6, 1.0, "Adam learning rate"),
                ParamSpec.integer("batch_size", 32, 1, 1024, "images per training step")));
        all.addAll(List.of(own));
        return List.copyOf(all);
    }


    record Options(int epochs, float learningRate, int batchSize, long seed, boolean freezeBackbone) {
    }

    private final Recipe recipe;
    private final RunContext ctx;
    private final Options options;
    private final ImageClassificationData data;
    private final int evalBatchSize;

    CnnClassifierTraining(Recipe recipe, RunContext ctx, Options options, ImageClassificationData data) {
        this.recipe = recipe;
        this.ctx = ctx;
        this.options = options;
        this.data = data;
        this.evalBatchSize = Math.max(32, Math.min(256, options.batchSize()));
    }

    /**
     * @param fresh the model at step 0, trained unless a checkpoint replaces it; the caller closes it
     * @param initialMetrics metrics measured before training (base_test_*), part of the result
     */
    RunResult run(CnnModel fresh, Map<String, Double> initialMetrics) throws Exception {
        Map<String, Double> result = new LinkedHashMap<>(initialMetrics);
        int startEpoch = 0;
        long step = 0;
        CnnModel resumed = null;
        Optional<RunContext.Checkpoint> checkpoint = ctx.latestCheckpoint();
        if (checkpoint.isPresent()) {
            Path dir = checkpoint.get().dir();
            TrainingState state = TrainingState.read(dir);
            resumed = CnnModel.load(dir, fresh.device());
            if (!resumed.config().equals(fresh.config())) {
                resumed.close();
                throw new InvalidModelException("checkpoint " + dir + " holds a model for labels "
                        + resumed.config().labels() + " at " + resumed.config().imageSize() + " px, but this run has "
                        + fresh.config().labels() + " at " + fresh.config().imageSize() + " px");
            }
            startEpoch = state.epoch();
            step = state.step();
            ctx.log("Resuming from checkpoint at epoch " + startEpoch + ", step " + step);
        }
        CnnModel model = resumed != null ? resumed : fresh;
        try {
            if (options.freezeBackbone()) {
                model.freezeBackbone();
                ctx.log("Backbone frozen: only the classification head is trained");
            }
            try (Trainer trainer = model.newTrainer(options.learningRate())) {
                for (int epoch = startEpoch + 1; epoch <= options.epochs(); epoch++) {
                    long started = System.nanoTime();
                    int[] order = order(epoch);
                    // a last batch of one image would make batch norm's batch statistics degenerate (zero
                    // variance); that image is dropped for this epoch only, the shuffle gives it a turn next time
                    int usable = order.length % options.batchSize() == 1 && order.length > 1
                            ? order.length - 1 : order.length;
                    double lossSum = 0;
                    int batches = 0;
                    for (int from = 0; from < usable; from += options.batchSize()) {
                        if (ctx.cancelled()) {
                            return cancelled(result, epoch, step);
                        }
                        float loss = trainStep(trainer, model, order, from, Math.min(usable, from + options.batchSize()));
                        step++;
                        if (!Float.isFinite(loss)) {
                            throw new IllegalStateException("training diverged: loss is " + loss + " at step " + step
                                    + "; try a lower learning_rate than " + options.learningRate());
                        }
                        ctx.metric(step, "loss", loss);
                        lossSum += loss;
                        batches++;
                    }
                    if (ctx.cancelled()) {
                        return cancelled(result, epoch, step);
                    }
                    ClassificationMetrics val = model.evaluate(data.validation(), evalBatchSize);
                    ctx.metric(step, "val_accuracy", val.accuracy());
                    ctx.metric(step, "val_macro_f1", val.macroF1());
                    ctx.metric(step, "epoch", epoch);
                    result.put("val_accuracy", val.accuracy());
                    result.put("val_macro_f1", val.macroF1());
                    double seconds = (System.nanoTime() - started) / 1e9;
                    ctx.log(String.format(Locale.ROOT,
                            "Epoch %d/%d: mean loss %.4f, val_accuracy %.4f, val_macro_f1 %.4f (%.1f s, %.0f images/s)",
                            epoch, options.epochs(), batches == 0 ? Double.NaN : lossSum / batches, val.accuracy(),
                            val.macroF1(), seconds, usable / seconds));
                    saveCheckpoint(model, epoch, step);
                }
            }
            if (ctx.cancelled()) {
                return cancelled(result, options.epochs(), step);
            }
            ClassificationMetrics test = model.evaluate(data.test(), evalBatchSize);
            ctx.metric(step, "test_accuracy", test.accuracy());
            ctx.metric(step, "test_macro_f1", test.macroF1());
            result.put("test_accuracy", test.accuracy());
            result.put("test_macro_f1", test.macroF1());
            model.save(ctx.outputDir());
            ctx.log(String.format(Locale.ROOT, "Test (%d images): accuracy %.4f, macro F1 %.4f; model written",
                    test.count(), test.accuracy(), test.macroF1()));
            return new RunResult(result, true);
        } finally {
            if (resumed != null) {
                resumed.close();
            }
        }
    }

    private float trainStep(Trainer trainer, CnnModel model, int[] order, int from, int to) {
        try (NDManager batch = trainer.getManager().newSubManager()) {
            NDArray images = model.batchTensor(batch, data.train(), order, from, to);
            NDArray labels = CnnModel.labelTensor(batch, data.train(), order, from, to);
            float loss;
            try (GradientCollector collector = trainer.newGradientCollector()) {
                NDArray logits = trainer.forward(new NDList(images)).singletonOrThrow();
                NDArray lossArray = trainer.getLoss().evaluate(new NDList(labels), new NDList(logits));
                collector.backward(lossArray);
                loss = lossArray.getFloat();
            }
            trainer.step();
            return loss;
        }
    }

    /** The shuffle of epoch e depends only on (seed, e), so a resumed run continues with the same data order. */
    private int[] order(int epoch) {
        int n = data.train().size();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(CnnInitializers.mix(options.seed(), "epoch-" + epoch));
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    private void saveCheckpoint(CnnModel model, int epoch, long step) throws Exception {
        Path dir = ctx.workDir().resolve("checkpoints").resolve(String.format(Locale.ROOT, "epoch-%04d", epoch));
        deleteRecursively(dir);
        model.save(dir);
        new TrainingState(recipe.id(), recipe.version(), epoch, step, options.seed(), epoch).write(dir);
        ctx.saveCheckpoint(new RunContext.Checkpoint(dir, epoch, step));
    }

    private RunResult cancelled(Map<String, Double> result, int epoch, long step) {
        ctx.log("Cancelled during epoch " + epoch + " after step " + step + "; no model written");
        return new RunResult(result, false);
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
