package io.modelhub.runners.recipes.text;

import ai.djl.Device;
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
import io.modelhub.runners.recipes.Torch;
import io.modelhub.runners.recipes.data.TextDataset;
import io.modelhub.runners.recipes.training.Epochs;
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
 * Pre-trains a modelhub-text encoder from scratch with masked-token prediction on the text column of a dataset
 * ({@link TextDataset}; labels, if any, are ignored): a word-level tokenizer is built from the train split, then
 * epochs of masked-language-model training with val_masked_accuracy/val_mlm_loss and a checkpoint per epoch, and
 * test_masked_accuracy/test_mlm_loss at the end. Writes tokenizer.json, tokenizer_config.json, config.json and
 * model.safetensors: a base model for text-classification.
 */
public final class TextPretrainingRecipe implements Recipe {

    public static final String ID = "text-pretraining";
    private static final String TOKENIZER_DIR = "tokenizer";
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
        return "fill-mask";
    }

    @Override
    public String version() {
        return "1";
    }

    @Override
    public List<ParamSpec> parameters() {
        return Epochs.withTrainingParameters(10, 2e-3, "texts", Epochs.seedParameter(
                "seeds initialisation, masking, data order and the validation split if the dataset has none"),
                ParamSpec.integer("vocab_size", 2000, 64, 100_000,
                        "most frequent words (and punctuation) kept in the vocabulary, special tokens included"),
                ParamSpec.integer("max_length", 64, 8, 512, "tokens per text, [CLS] and [SEP] included; longer texts"
                        + " are truncated"),
                ParamSpec.integer("hidden_size", 64, 16, 1024, "width of the encoder (a multiple of 16)"),
                ParamSpec.integer("num_layers", 2, 1, 12, "transformer layers"),
                ParamSpec.number("mask_probability", 0.15, 0.05, 0.5, "share of tokens masked for prediction"));
    }

    @Override
    public boolean needsBaseModel() {
        return false;
    }

    @Override
    public RunResult run(RunContext ctx) throws Exception {
        Params params = Params.of(parameters(), ctx.params());
        int epochs = params.getInt("epochs");
        float learningRate = (float) params.getDouble("learning_rate");
        int batchSize = params.getInt("batch_size");
        long seed = params.getInt("seed");
        int maxLength = params.getInt("max_length");
        int hiddenSize = params.getInt("hidden_size");
        double maskProbability = params.getDouble("mask_probability");
        if (hiddenSize % 16 != 0) {
            throw new IllegalArgumentException("parameter \"hidden_size\" must be a multiple of 16, not " + hiddenSize);
        }
        TextDataset dataset = TextDataset.open(ctx.datasetDir(), seed, false);
        dataset.notes().forEach(ctx::log);
        ctx.log("Dataset: " + dataset.describe());

        Optional<RunContext.Checkpoint> checkpoint = ctx.latestCheckpoint();
        Path tokenizerDir;
        if (checkpoint.isPresent()) {
            tokenizerDir = checkpoint.get().dir();
        } else {
            tokenizerDir = ctx.workDir().resolve(TOKENIZER_DIR);
            TextTokenizer.train(dataset.train().texts(), params.getInt("vocab_size"), 2, maxLength, tokenizerDir);
        }
        Device device = Torch.preferredDevice();
        Map<String, Double> result = new LinkedHashMap<>();
        try (TextTokenizer tokenizer = TextTokenizer.load(tokenizerDir, maxLength)) {
            ctx.log("Tokenizer: " + tokenizer.vocabSize() + " tokens (word level, lowercased, from the train split)");
            TextEncoderConfig config = TextEncoderConfig.small(tokenizer.vocabSize(), hiddenSize,
                    params.getInt("num_layers"), maxLength, tokenizer.padId());
            int startEpoch = 0;
            long step = 0;
            MaskedLanguageModel model;
            if (checkpoint.isPresent()) {
                Path dir = checkpoint.get().dir();
                TrainingState state = TrainingState.read(dir);
                model = MaskedLanguageModel.load(dir, device);
                if (!model.config().equals(config)) {
                    model.close();
                    throw new InvalidModelException("checkpoint " + dir + " holds " + model.config().toJson()
                            + " but this run's parameters give " + config.toJson());
                }
                startEpoch = state.epoch();
                step = state.step();
                ctx.log("Resuming from checkpoint at epoch " + startEpoch + ", step " + step);
            } else {
                model = MaskedLanguageModel.create(config, seed, device);
            }
            ctx.log("Pre-training modelhub-text (hidden " + hiddenSize + ", " + config.numLayers() + " layers, "
                    + config.numHeads() + " heads) with " + Torch.describe(device));
            try (model) {
                TokenizedTexts train = TokenizedTexts.of(tokenizer, dataset.train());
                TokenizedTexts validation = TokenizedTexts.of(tokenizer, dataset.validation());
                try (Trainer trainer = model.newTrainer(learningRate)) {
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
                            if (loss == null) {
                                continue;
                            }
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
                            return Epochs.cancelled(ctx, result, epoch, step);
                        }
                        MaskedLanguageModel.Metrics val = model.evaluate(validation, tokenizer, maskProbability, seed,
                                EVAL_BATCH);
                        ctx.metric(step, "val_masked_accuracy", val.maskedAccuracy());
                        ctx.metric(step, "val_mlm_loss", val.loss());
                        ctx.metric(step, "epoch", epoch);
                        result.put("val_masked_accuracy", val.maskedAccuracy());
                        result.put("val_mlm_loss", val.loss());
                        double seconds = (System.nanoTime() - started) / 1e9;
                        ctx.log(String.format(Locale.ROOT, "Epoch %d/%d: mean loss %.4f, val_masked_accuracy %.4f,"
                                + " val_mlm_loss %.4f (%.1f s, %.0f texts/s)", epoch, epochs,
                                batches == 0 ? Double.NaN : lossSum / batches, val.maskedAccuracy(), val.loss(),
                                seconds, train.size() / seconds));
                        Epochs.saveCheckpoint(ctx, this, epoch, step, seed, dir -> {
                            model.save(dir);
                            TextTokenizer.copy(tokenizerDir, dir);
                        });
                    }
                }
                if (ctx.cancelled()) {
                    return Epochs.cancelled(ctx, result, epochs, step);
                }
                MaskedLanguageModel.Metrics test = model.evaluate(TokenizedTexts.of(tokenizer, dataset.test()),
                        tokenizer, maskProbability, seed, EVAL_BATCH);
                ctx.metric(step, "test_masked_accuracy", test.maskedAccuracy());
                ctx.metric(step, "test_mlm_loss", test.loss());
                result.put("test_masked_accuracy", test.maskedAccuracy());
                result.put("test_mlm_loss", test.loss());
                model.save(ctx.outputDir());
                TextTokenizer.copy(tokenizerDir, ctx.outputDir());
                ctx.log(String.format(Locale.ROOT, "Test (%d masked tokens): masked accuracy %.4f (always guessing"
                        + " the most common token: %.4f), loss %.4f; model written", test.maskedTokens(),
                        test.maskedAccuracy(), test.majorityAccuracy(), test.loss()));
                return new RunResult(result, true);
            }
        }
    }

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
                NDArray logits = trainer.forward(masked.inputs()).singletonOrThrow();
                NDArray lossArray = trainer.getLoss().evaluate(new NDList(masked.targets()), new NDList(logits));
                collector.backward(lossArray);
                loss = lossArray.getFloat();
            }
            trainer.step();
            return loss;
        }
    }
}
