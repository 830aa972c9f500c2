package io.modelhub.runners.recipes.text;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.ndarray.types.Shape;
import io.modelhub.contract.ModelTypes;
import io.modelhub.contract.ParamSpec;
import io.modelhub.runners.recipes.Params;
import io.modelhub.runners.recipes.Recipe;
import io.modelhub.runners.recipes.RunContext;
import io.modelhub.runners.recipes.RunResult;
import io.modelhub.runners.recipes.Torch;
import io.modelhub.runners.recipes.data.TextDataset;
import io.modelhub.runners.recipes.text.bert.BertConfig.Task;
import io.modelhub.runners.recipes.text.bert.BertModel;
import io.modelhub.runners.recipes.training.ClassifierTraining;
import io.modelhub.runners.recipes.training.Epochs;
import io.modelhub.runners.recipes.training.GradientClipping;
import io.modelhub.runners.recipes.training.LearningRateSchedule;
import io.modelhub.runners.recipes.training.TrainableClassifier;
import io.modelhub.runners.recipes.vision.CnnInitializers;
import io.modelhub.runners.recipes.vision.InvalidModelException;
import io.modelhub.runners.recipes.vision.TrainingState;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * Continues the masked-language-model pre-training of a pretrained BERT-family encoder (bert, roberta, xlm-roberta,
 * distilbert) on the text column of a dataset (labels, if any, are ignored), e.g. to adapt it to a domain before
 * fine-tuning. The encoder gets a *ForMaskedLM head: the checkpoint's when it has one, else a new one initialised as
 * transformers does (transform dense N(0, initializer_range), LayerNorm 1/0, bias 0), whose decoder is the word
 * embedding matrix (tied). Tokens are masked with BERT's rule: each non-special token is chosen with
 * mask_probability, a chosen token becomes [MASK] 80% of the time, a random token 10%, stays 10%; the loss is
 * cross-entropy on the chosen tokens. Optimisation as transformers' run_mlm: AdamW (weight decay 0.01), warm-up then
 * linear decay, gradients clipped to norm 1.0.
 * <p>
 * Reports base_val_mlm_loss (the base model with its head, before any step) and, per epoch, val_mlm_loss and
 * val_masked_accuracy on the validation split under one fixed, seeded masking, so the numbers compare. Writes a
 * *ForMaskedLM transformers checkpoint (architectures e.g. ["BertForMaskedLM"], tied decoder saved once) with the
 * base's tokenizer files; its encoder is a base model for text-classification.
 */
public final class TextContinuedPretrainingRecipe implements Recipe {

    public static final String ID = "text-continued-pretraining";
    private static final int EVAL_BATCH = 32;
    private static final double MAX_GRAD_NORM = 1.0;

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
        return "fill-mask";
    }

    @Override
    public String version() {
        return "1";
    }

    @Override
    public List<ParamSpec> parameters() {
        return List.of(
                ParamSpec.integer("epochs", 3, 1, 200, "passes over the train split"),
                ParamSpec.number("learning_rate", 5e-5, 1e-7, 1.0, "peak AdamW learning rate"),
                ParamSpec.integer("batch_size", 32, 1, 1024, "texts per training step"),
                Epochs.seedParameter("seeds the masked-LM head (when new), masking, data order and the validation "
                        + "split if the dataset has none"),
                ParamSpec.integer("max_length", 128, 8, 8192,
                        "tokens per text, special tokens included; capped by the encoder's max_position_embeddings"),
                ParamSpec.number("mask_probability", 0.15, 0.01, 0.5,
                        "share of tokens chosen for prediction (80% [MASK], 10% random, 10% unchanged)"),
                ParamSpec.number("warmup_ratio", 0.1, 0.0, 1.0,
                        "fraction of the steps over which the learning rate rises from 0, then decays linearly to 0"));
    }

    @Override
    public List<String> modelTypes() {
        return ModelTypes.BERT_FAMILY;
    }

    @Override
    public boolean needsBaseModel() {
        return true;
    }

    @Override
    public RunResult run(RunContext ctx) throws Exception {
        Params params = Params.of(parameters(), ctx.params());
        int epochs = params.getInt("epochs");
        int batchSize = params.getInt("batch_size");
        long seed = params.getInt("seed");
        double maskProbability = params.getDouble("mask_probability");
        LearningRateSchedule schedule = LearningRateSchedule.linear((float) params.getDouble("learning_rate"),
                params.getDouble("warmup_ratio"));
        Path baseDir = ClassifierTraining.baseModelDir(ctx, this);
        String type = TextClassificationRecipe.modelType(baseDir);
        if (!ModelTypes.BERT_FAMILY.contains(type)) {
            throw new InvalidModelException("config.json has model_type \"" + type + "\"; " + ID
                    + " continues the pre-training of " + String.join(", ", ModelTypes.BERT_FAMILY)
                    + " encoders (text-pretraining trains a modelhub-text encoder from scratch)");
        }
        TextDataset dataset = TextDataset.open(ctx.datasetDir(), seed, false);
        dataset.notes().forEach(ctx::log);
        ctx.log("Dataset: " + dataset.describe());

        Device device = Torch.preferredDevice();
        Map<String, Double> result = new LinkedHashMap<>();
        Optional<RunContext.Checkpoint> checkpoint = ctx.latestCheckpoint();
        int startEpoch = 0;
        long step = 0;
        BertModel model;
        if (checkpoint.isPresent()) {
            Path dir = checkpoint.get().dir();
            TrainingState state = TrainingState.read(dir);
            model = BertModel.load(dir, device);
            if (model.block().task() != Task.MASKED_LM) {
                model.close();
                throw new InvalidModelException("checkpoint " + dir + " is not a masked LM");
            }
            startEpoch = state.epoch();
            step = state.step();
            ctx.log("Resuming from checkpoint at epoch " + startEpoch + ", step " + step);
        } else {
            model = BertModel.withNewHead(baseDir, Task.MASKED_LM, List.of(), seed, device);
        }
        try (model) {
            TextTokenizer tokenizer = model.tokenizer();
            if (tokenizer.maskId() < 0) {
                throw new InvalidModelException("the tokenizer has no [MASK] or <mask> token, so masked-LM training "
                        + "cannot mask");
            }
            int maxLength = Math.min(params.getInt("max_length"), tokenizer.maxLength());
            TokenizedTexts train = TokenizedTexts.of(tokenizer, dataset.train()).truncated(maxLength);
            TokenizedTexts validation = TokenizedTexts.of(tokenizer, dataset.validation()).truncated(maxLength);
            long totalSteps = (long) epochs * ((train.size() + batchSize - 1) / batchSize);
            ctx.log("Continued pre-training of a " + model.config().architectures().get(0) + " ("
                    + model.config().layers() + " layers, hidden " + model.config().hiddenSize() + "), texts cut to "
                    + maxLength + " tokens, AdamW with " + schedule.describe(totalSteps) + ", gradients clipped to "
                    + "norm " + MAX_GRAD_NORM + ", with " + Torch.describe(device));
            if (checkpoint.isEmpty()) {
                MaskedLanguageModel.Metrics base = evaluate(model, validation, maskProbability, seed);
                ctx.metric(0, "base_val_mlm_loss", base.loss());
                ctx.metric(0, "base_val_masked_accuracy", base.maskedAccuracy());
                result.put("base_val_mlm_loss", base.loss());
                result.put("base_val_masked_accuracy", base.maskedAccuracy());
                ctx.log(String.format(Locale.ROOT, "Before training: val_mlm_loss %.4f, val_masked_accuracy %.4f "
                        + "(%d masked tokens)", base.loss(), base.maskedAccuracy(), base.maskedTokens()));
            }
            DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                    .optOptimizer(Optimizer.adamW().optLearningRateTracker(schedule.tracker(step, totalSteps))
                            .optWeightDecays(TrainableClassifier.ADAMW_WEIGHT_DECAY).build())
                    .optDevices(new Device[] {device});
            try (Trainer trainer = model.model().newTrainer(config)) {
                trainer.initialize(new Shape(1, 4), new Shape(1, 4));
                for (int epoch = startEpoch + 1; epoch <= epochs; epoch++) {
                    long started = System.nanoTime();
                    int[] order = Epochs.begin(train.size(), seed, epoch);
                    SplittableRandom masking = new SplittableRandom(CnnInitializers.mix(seed, "masking-" + epoch));
                    double lossSum = 0;
                    int batches = 0;
                    for (int from = 0; from < order.length; from += batchSize) {
                        if (ctx.cancelled()) {
                            return Epochs.cancelled(ctx, result, epoch, step);
                        }
                        Float loss = trainStep(trainer, train, order, from, Math.min(order.length, from + batchSize),
                                tokenizer, maskProbability, masking);
                        // a batch without a maskable token still counts as a step, so the schedule stays on time
                        step++;
                        if (loss == null) {
                            continue;
                        }
                        if (!Float.isFinite(loss)) {
                            throw new IllegalStateException("training diverged: loss is " + loss + " at step " + step
                                    + "; try a lower learning_rate than " + schedule.peak());
                        }
                        ctx.metric(step, "loss", loss);
                        lossSum += loss;
                        batches++;
                    }
                    if (ctx.cancelled()) {
                        return Epochs.cancelled(ctx, result, epoch, step);
                    }
                    MaskedLanguageModel.Metrics val = evaluate(model, validation, maskProbability, seed);
                    ctx.metric(step, "val_mlm_loss", val.loss());
                    ctx.metric(step, "val_masked_accuracy", val.maskedAccuracy());
                    ctx.metric(step, "epoch", epoch);
                    result.put("val_mlm_loss", val.loss());
                    result.put("val_masked_accuracy", val.maskedAccuracy());
                    double seconds = (System.nanoTime() - started) / 1e9;
                    ctx.log(String.format(Locale.ROOT, "Epoch %d/%d: mean loss %.4f, val_mlm_loss %.4f, "
                            + "val_masked_accuracy %.4f (%.1f s, %.0f texts/s)", epoch, epochs,
                            batches == 0 ? Double.NaN : lossSum / batches, val.loss(), val.maskedAccuracy(), seconds,
                            train.size() / seconds));
                    Epochs.saveCheckpoint(ctx, this, epoch, step, seed, model::save);
                }
            }
            if (ctx.cancelled()) {
                return Epochs.cancelled(ctx, result, epochs, step);
            }
            model.save(ctx.outputDir());
            ctx.log("Model written: " + model.config().architectures());
            return new RunResult(result, true);
        }
    }

    /** input_ids and attention_mask of a masked batch, the masked positions (flat) and their original ids. */
    private static Float trainStep(Trainer trainer, TokenizedTexts train, int[] order, int from, int to,
            TextTokenizer tokenizer, double probability, SplittableRandom masking) {
        try (NDManager batch = trainer.getManager().newSubManager()) {
            MaskedLanguageModel.MaskedBatch masked = MaskedLanguageModel.mask(batch, train, order, from, to, tokenizer,
                    probability, masking);
            if (masked == null) {
                return null;
            }
            float loss;
            try (GradientCollector collector = trainer.newGradientCollector()) {
                NDArray logits = maskedLogits(trainer.forward(encoderInputs(masked)).singletonOrThrow(), masked);
                NDArray lossArray = trainer.getLoss().evaluate(new NDList(masked.targets()), new NDList(logits));
                collector.backward(lossArray);
                loss = lossArray.getFloat();
            }
            GradientClipping.clip(trainer, MAX_GRAD_NORM);
            trainer.step();
            return loss;
        }
    }

    private static NDList encoderInputs(MaskedLanguageModel.MaskedBatch masked) {
        return new NDList(masked.inputs().get(0), masked.inputs().get(1));
    }

    /** The (masked tokens, vocab) rows of the (batch, seq, vocab) logits at the masked positions. */
    private static NDArray maskedLogits(NDArray logits, MaskedLanguageModel.MaskedBatch masked) {
        long vocab = logits.getShape().get(2);
        return logits.reshape(-1, vocab).get(masked.inputs().get(2));
    }

    /** MLM loss and masked accuracy under a fixed masking (seeded by {@code seed}), in inference mode. */
    static MaskedLanguageModel.Metrics evaluate(BertModel model, TokenizedTexts texts, double probability, long seed) {
        SplittableRandom random = new SplittableRandom(CnnInitializers.mix(seed, "evaluation-masking"));
        Loss loss = Loss.softmaxCrossEntropyLoss();
        long correct = 0;
        double lossSum = 0;
        int count = 0;
        Map<Long, Integer> targetCounts = new java.util.HashMap<>();
        for (int from = 0; from < texts.size(); from += EVAL_BATCH) {
            int to = Math.min(texts.size(), from + EVAL_BATCH);
            try (NDManager batch = model.manager().newSubManager()) {
                MaskedLanguageModel.MaskedBatch masked = MaskedLanguageModel.mask(batch, texts, null, from, to,
                        model.tokenizer(), probability, random);
                if (masked == null) {
                    continue;
                }
                NDArray logits = maskedLogits(model.block().forward(new ParameterStore(batch, false),
                        encoderInputs(masked), false).singletonOrThrow(), masked);
                long[] predicted = logits.argMax(1).toLongArray();
                long[] truth = masked.targets().toLongArray();
                for (int i = 0; i < truth.length; i++) {
                    correct += predicted[i] == truth[i] ? 1 : 0;
                    targetCounts.merge(truth[i], 1, Integer::sum);
                }
                lossSum += loss.evaluate(new NDList(masked.targets()), new NDList(logits)).getFloat() * truth.length;
                count += truth.length;
            }
        }
        int majority = targetCounts.values().stream().mapToInt(Integer::intValue).max().orElse(0);
        return count == 0 ? new MaskedLanguageModel.Metrics(0, Double.NaN, 0, 0)
                : new MaskedLanguageModel.Metrics((double) correct / count, lossSum / count,
                        (double) majority / count, count);
    }
}
