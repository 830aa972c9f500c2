package io.modelhub.runners.recipes.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import io.modelhub.runners.recipes.ParamSpec;
import io.modelhub.runners.recipes.Recipe;
import io.modelhub.runners.recipes.RunContext;
import io.modelhub.runners.recipes.RunResult;
import io.modelhub.runners.recipes.vision.ClassificationMetrics;
import io.modelhub.runners.recipes.vision.CnnInitializers;
import io.modelhub.runners.recipes.vision.TrainingState;

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
 * The supervised training loop shared by the classification recipes (images, audio): epochs of shuffled
 * mini-batches, validation and a checkpoint after every epoch, test metrics and the model files at the end. Stops
 * at the next step once the run is cancelled, and resumes after the epoch of the latest checkpoint.
 *
 * @param <E> the decoded examples
 * @param <M> the model
 */
public final class ClassifierTraining<E extends LabelledExamples, M extends TrainableClassifier<E>> {

    /** The parameters every classification recipe trains with, followed by the recipe's own. */
    public static List<ParamSpec> withTrainingParameters(ParamSpec... own) {
        List<ParamSpec> all = new ArrayList<>(List.of(
                ParamSpec.integer("epochs", 5, 1, 200, "passes over the train split"),
                ParamSpec.number("learning_rate", 1e-3, 1e-6, 1.0, "Adam learning rate"),
                ParamSpec.integer("batch_size", 32, 1, 1024, "examples per training step")));
        all.addAll(List.of(own));
        return List.copyOf(all);
    }


    public record Options(int epochs, float learningRate, int batchSize, long seed, boolean freezeBackbone) {

        /** Scoring batches: larger than training batches (no gradients), bounded for memory. */
        public int evalBatchSize() {
            return Math.max(32, Math.min(256, batchSize));
        }
    }

    /** Loads the model saved in a checkpoint folder, failing if it does not fit this run's fresh model. */
    @FunctionalInterface
    public interface CheckpointLoader<M> {
        M load(Path dir, M fresh) throws IOException;
    }

    /** The decoded train, validation and test splits. */
    public record Splits<E extends LabelledExamples>(E train, E validation, E test) {
    }

    private final Recipe recipe;
    private final RunContext ctx;
    private final Options options;
    private final Splits<E> data;
    private final CheckpointLoader<M> checkpoints;
    private final String unit;
    private final int evalBatchSize;

    /** @param unit what an example is called in the log, e.g. "images" */
    public ClassifierTraining(Recipe recipe, RunContext ctx, Options options, Splits<E> data,
            CheckpointLoader<M> checkpoints, String unit) {
        this.recipe = recipe;
        this.ctx = ctx;
        this.options = options;
        this.data = data;
        this.checkpoints = checkpoints;
        this.unit = unit;
        this.evalBatchSize = options.evalBatchSize();
    }

    /**
     * @param fresh the model at step 0, trained unless a checkpoint replaces it; the caller closes it
     * @param initialMetrics metrics measured before training (base_test_*), part of the result
     */
    public RunResult run(M fresh, Map<String, Double> initialMetrics) throws Exception {
        Map<String, Double> result = new LinkedHashMap<>(initialMetrics);
        int startEpoch = 0;
        long step = 0;
        M resumed = null;
        Optional<RunContext.Checkpoint> checkpoint = ctx.latestCheckpoint();
        if (checkpoint.isPresent()) {
            Path dir = checkpoint.get().dir();
            TrainingState state = TrainingState.read(dir);
            resumed = checkpoints.load(dir, fresh);
            startEpoch = state.epoch();
            step = state.step();
            ctx.log("Resuming from checkpoint at epoch " + startEpoch + ", step " + step);
        }
        M model = resumed != null ? resumed : fresh;
        try {
            if (options.freezeBackbone()) {
                model.freezeBackbone();
                ctx.log("Backbone frozen: only the classification head is trained");
            }
            try (Trainer trainer = model.newTrainer(options.learningRate())) {
                for (int epoch = startEpoch + 1; epoch <= options.epochs(); epoch++) {
                    long started = System.nanoTime();
                    int[] order = order(epoch);
                    // a last batch of one example would make batch norm's batch statistics degenerate (zero
                    // variance); that example is dropped for this epoch only, the shuffle gives it a turn next time
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
                            "Epoch %d/%d: mean loss %.4f, val_accuracy %.4f, val_macro_f1 %.4f (%.1f s, %.0f %s/s)",
                            epoch, options.epochs(), batches == 0 ? Double.NaN : lossSum / batches, val.accuracy(),
                            val.macroF1(), seconds, usable / seconds, unit));
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
            ctx.log(String.format(Locale.ROOT, "Test (%d %s): accuracy %.4f, macro F1 %.4f; model written",
                    test.count(), unit, test.accuracy(), test.macroF1()));
            return new RunResult(result, true);
        } finally {
            if (resumed != null) {
                resumed.close();
            }
        }
    }

    private float trainStep(Trainer trainer, M model, int[] order, int from, int to) {
        try (NDManager batch = trainer.getManager().newSubManager()) {
            NDArray inputs = model.batchTensor(batch, data.train(), order, from, to);
            NDArray labels = TrainableClassifier.labelTensor(batch, data.train(), order, from, to);
            float loss;
            try (GradientCollector collector = trainer.newGradientCollector()) {
                NDArray logits = trainer.forward(new NDList(inputs)).singletonOrThrow();
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

    private void saveCheckpoint(M model, int epoch, long step) throws Exception {
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
