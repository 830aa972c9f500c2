package io.modelhub.runners.recipes.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import io.modelhub.contract.ParamSpec;
import io.modelhub.runners.recipes.Params;
import io.modelhub.runners.recipes.Recipe;
import io.modelhub.runners.recipes.RunContext;
import io.modelhub.runners.recipes.RunResult;
import io.modelhub.runners.recipes.vision.ClassificationMetrics;
import io.modelhub.runners.recipes.vision.TrainingState;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The supervised training loop shared by the classification recipes (images, audio, text): epochs of shuffled
 * mini-batches, validation and a checkpoint after every epoch, test metrics and the model files at the end. Stops
 * at the next step once the run is cancelled, and resumes after the epoch of the latest checkpoint.
 *
 * @param <E> the decoded examples
 * @param <M> the model
 */
public final class ClassifierTraining<E extends LabelledExamples, M extends TrainableClassifier<E>> {

    /** The parameters every image and audio classification recipe trains with, followed by the recipe's own. */
    public static List<ParamSpec> withTrainingParameters(ParamSpec... own) {
        return Epochs.withTrainingParameters(5, 1e-3, "examples", own);
    }

    /** The base model folder of a fine-tuning run; a clear error when the job has none. */
    public static Path baseModelDir(RunContext ctx, Recipe recipe) {
        Path dir = ctx.baseModelDir();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new IllegalArgumentException(recipe.id() + " fine-tunes a base model, but the job has none"
                    + (dir == null ? "" : " (no folder " + dir + ")"));
        }
        return dir;
    }

    /**
     * @param evalBatchSize examples per scoring batch (no gradients, so it may be larger than batchSize)
     * @param warmupRatio negative: a constant learning rate; else warm-up over this fraction of the steps, then
     *     linear decay to 0 ({@link LearningRateSchedule})
     * @param maxGradNorm gradient clipping by global norm ({@link GradientClipping}); 0: off
     * @param trainableLayers -1: every parameter trains; 0: the head only; N: the top N encoder layers and the head
     *     ({@link TrainableClassifier#trainTopLayers}); freezeBackbone, when true, wins
     */
    public record Options(int epochs, float learningRate, int batchSize, long seed, boolean freezeBackbone,
            int evalBatchSize, double warmupRatio, double maxGradNorm, int trainableLayers) {

        /** A constant learning rate, no clipping, every layer trains. */
        public Options(int epochs, float learningRate, int batchSize, long seed, boolean freezeBackbone,
                int evalBatchSize) {
            this(epochs, learningRate, batchSize, seed, freezeBackbone, evalBatchSize, -1, 0, -1);
        }

        /** Scoring batches larger than training batches, bounded for memory. */
        public Options(int epochs, float learningRate, int batchSize, long seed, boolean freezeBackbone) {
            this(epochs, learningRate, batchSize, seed, freezeBackbone, Math.max(32, Math.min(256, batchSize)));
        }

        /** From the validated parameters epochs, learning_rate, batch_size and seed. */
        public static Options of(Params params, boolean freezeBackbone) {
            return new Options(params.getInt("epochs"), (float) params.getDouble("learning_rate"),
                    params.getInt("batch_size"), params.getInt("seed"), freezeBackbone);
        }

        public Options withEvalBatchSize(int size) {
            return new Options(epochs, learningRate, batchSize, seed, freezeBackbone, size, warmupRatio, maxGradNorm,
                    trainableLayers);
        }

        public Options withLearningRate(float rate) {
            return new Options(epochs, rate, batchSize, seed, freezeBackbone, evalBatchSize, warmupRatio, maxGradNorm,
                    trainableLayers);
        }

        /** The schedule, clipping and layer choice of transformers-style fine-tuning. */
        public Options withOptimization(double warmup, double clipNorm, int layers) {
            return new Options(epochs, learningRate, batchSize, seed, freezeBackbone, evalBatchSize, warmup, clipNorm,
                    layers);
        }

        public LearningRateSchedule schedule() {
            return warmupRatio < 0 ? LearningRateSchedule.constant(learningRate)
                    : LearningRateSchedule.linear(learningRate, warmupRatio);
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
     * Fine-tuning: first scores {@code fresh} (the base model with its new, untrained head) on the test split as
     * base_test_accuracy and base_test_macro_f1, then trains it as {@link #run} does.
     *
     * @param backbone what the base model contributes, for the log, e.g. "encoder"
     */
    public RunResult fineTune(M fresh, String backbone) throws Exception {
        ClassificationMetrics baseline = fresh.evaluate(data.test(), evalBatchSize);
        ctx.metric(0, "base_test_accuracy", baseline.accuracy());
        ctx.metric(0, "base_test_macro_f1", baseline.macroF1());
        ctx.log(String.format(Locale.ROOT,
                "Before fine-tuning (base %s, new untrained head): test accuracy %.4f, macro F1 %.4f",
                backbone, baseline.accuracy(), baseline.macroF1()));
        Map<String, Double> initial = new LinkedHashMap<>();
        initial.put("base_test_accuracy", baseline.accuracy());
        initial.put("base_test_macro_f1", baseline.macroF1());
        return run(fresh, initial);
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
            } else if (options.trainableLayers() >= 0) {
                model.trainTopLayers(options.trainableLayers());
                ctx.log(options.trainableLayers() == 0 ? "Backbone frozen: only the classification head is trained"
                        : "Training the top " + options.trainableLayers() + " encoder layers and the head");
            }
            long stepsPerEpoch = (data.train().size() + options.batchSize() - 1) / options.batchSize();
            long totalSteps = stepsPerEpoch * options.epochs();
            LearningRateSchedule schedule = options.schedule();
            ctx.log("Optimisation: " + schedule.describe(totalSteps) + (options.maxGradNorm() > 0
                    ? String.format(Locale.ROOT, ", gradients clipped to global norm %.3g", options.maxGradNorm())
                    : ""));
            try (Trainer trainer = model.newTrainer(schedule.tracker(step, totalSteps))) {
                for (int epoch = startEpoch + 1; epoch <= options.epochs(); epoch++) {
                    long started = System.nanoTime();
                    int[] order = Epochs.begin(data.train().size(), options.seed(), epoch);
                    // a last batch of one example would make batch norm's batch statistics degenerate (zero
                    // variance); that example is dropped for this epoch only, the shuffle gives it a turn next time
                    int usable = model.usesBatchStatistics() && order.length % options.batchSize() == 1
                            && order.length > 1 ? order.length - 1 : order.length;
                    double lossSum = 0;
                    int batches = 0;
                    long stepNanos = 0;
                    for (int from = 0; from < usable; from += options.batchSize()) {
                        if (ctx.cancelled()) {
                            return Epochs.cancelled(ctx, result, epoch, step);
                        }
                        long stepStarted = System.nanoTime();
                        float loss = trainStep(trainer, model, order, from, Math.min(usable, from + options.batchSize()));
                        stepNanos += System.nanoTime() - stepStarted;
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
                        return Epochs.cancelled(ctx, result, epoch, step);
                    }
                    ClassificationMetrics val = model.evaluate(data.validation(), evalBatchSize);
                    ctx.metric(step, "val_accuracy", val.accuracy());
                    ctx.metric(step, "val_macro_f1", val.macroF1());
                    ctx.metric(step, "epoch", epoch);
                    result.put("val_accuracy", val.accuracy());
                    result.put("val_macro_f1", val.macroF1());
                    double seconds = (System.nanoTime() - started) / 1e9;
                    // the training steps alone (batch creation to optimizer step), what a framework comparison needs
                    double stepSeconds = stepNanos / 1e9;
                    ctx.log(String.format(Locale.ROOT,
                            "Epoch %d/%d: mean loss %.4f, val_accuracy %.4f, val_macro_f1 %.4f (%.1f s, %.0f %s/s; "
                                    + "training steps %.2f s, %.0f %s/s)",
                            epoch, options.epochs(), batches == 0 ? Double.NaN : lossSum / batches, val.accuracy(),
                            val.macroF1(), seconds, usable / seconds, unit, stepSeconds, usable / stepSeconds, unit));
                    Epochs.saveCheckpoint(ctx, recipe, epoch, step, options.seed(), model::save);
                }
            }
            if (ctx.cancelled()) {
                return Epochs.cancelled(ctx, result, options.epochs(), step);
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
            NDList inputs = model.batchInputs(batch, data.train(), order, from, to);
            NDArray labels = TrainableClassifier.labelTensor(batch, data.train(), order, from, to);
            float loss;
            try (GradientCollector collector = trainer.newGradientCollector()) {
                NDArray logits = trainer.forward(inputs).singletonOrThrow();
                NDArray lossArray = trainer.getLoss().evaluate(new NDList(labels), new NDList(logits));
                collector.backward(lossArray);
                loss = lossArray.getFloat();
            }
            if (options.maxGradNorm() > 0) {
                GradientClipping.clip(trainer, options.maxGradNorm());
            }
            trainer.step();
            return loss;
        }
    }
}
