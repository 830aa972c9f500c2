package io.modelhub.runners.recipes.text;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.modelhub.runners.recipes.Torch;
import io.modelhub.runners.recipes.vision.CnnInitializers;
import io.modelhub.runners.recipes.vision.InvalidModelException;
import io.modelhub.runners.recipes.vision.Safetensors;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * A modelhub-text encoder with its masked-language-model head, for pre-training from scratch: BERT's masking
 * (a share of the non-special tokens is chosen; of those 80% become [MASK], 10% a random token, 10% stay) and a
 * softmax over the vocabulary at the chosen positions.
 */
public final class MaskedLanguageModel implements AutoCloseable {

    public static final String CONFIG_FILE = "config.json";
    public static final String WEIGHTS_FILE = "model.safetensors";

    /** Masked-token accuracy and mean loss on a split, and the accuracy of always guessing its most common target. */
    public record Metrics(double maskedAccuracy, double loss, double majorityAccuracy, int maskedTokens) {
    }

    /** The masked inputs of a batch: input_ids with replacements, mask, flat positions and original ids there. */
    record MaskedBatch(NDList inputs, NDArray targets) {
    }

    private final TextEncoderConfig config;
    private final Model model;
    private final TextEncoderBlock block;

    private MaskedLanguageModel(TextEncoderConfig config, Model model, TextEncoderBlock block) {
        this.config = config;
        this.model = model;
        this.block = block;
    }

    public static MaskedLanguageModel create(TextEncoderConfig config, long seed, Device device) {
        return build(config, Map.of(), seed, device);
    }

    /** Loads config.json and model.safetensors (with the MLM head) from {@code dir}. */
    public static MaskedLanguageModel load(Path dir, Device device) throws IOException {
        TextEncoderConfig config = TextEncoderConfig.read(dir.resolve(CONFIG_FILE));
        Map<String, Safetensors.HostTensor> weights = Safetensors.read(dir.resolve(WEIGHTS_FILE));
        TreeSet<String> missing = new TreeSet<>(new TextEncoderBlock(config, true).namedParameters().keySet());
        missing.removeAll(weights.keySet());
        if (!missing.isEmpty()) {
            throw new InvalidModelException("model.safetensors does not match config.json; missing tensors: "
                    + missing);
        }
        return build(config, weights, 0, device);
    }

    private static MaskedLanguageModel build(TextEncoderConfig config, Map<String, Safetensors.HostTensor> weights,
            long seed, Device device) {
        TextEncoderBlock block = new TextEncoderBlock(config, true);
        for (Map.Entry<String, Parameter> entry : block.namedParameters().entrySet()) {
            Safetensors.HostTensor tensor = weights.get(entry.getKey());
            entry.getValue().setInitializer(tensor != null ? CnnInitializers.loaded(entry.getKey(), tensor)
                    : TextInitializers.seeded(entry.getKey(), seed));
        }
        Model model = Model.newInstance(TextEncoderConfig.MODEL_TYPE, device, Torch.ENGINE);
        try {
            model.setBlock(block);
            block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 4), new Shape(1, 4));
            return new MaskedLanguageModel(config, model, block);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    public TextEncoderConfig config() {
        return config;
    }

    public Map<String, Parameter> namedParameters() {
        return block.namedParameters();
    }

    /** Writes config.json and model.safetensors (encoder and MLM head) into {@code dir}. */
    public void save(Path dir) throws IOException {
        Safetensors.writeParameters(dir.resolve(WEIGHTS_FILE), block.namedParameters());
        config.write(dir.resolve(CONFIG_FILE));
    }

    public Trainer newTrainer(float learningRate) {
        DefaultTrainingConfig trainingConfig = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(learningRate)).build())
                .optDevices(new Device[] {model.getNDManager().getDevice()});
        return model.newTrainer(trainingConfig);
    }

    /** The manager that owns the weights; inference batches live in sub-managers of it. */
    public NDManager manager() {
        return model.getNDManager();
    }

    /**
     * The MLM head's vocabulary logits (n, vocab_size) in inference mode at {@code flatPositions} (indexes into
     * batch*seq) of a padded batch of input_ids and attention_mask (batch, seq).
     */
    public NDArray logits(NDList inputs, NDArray flatPositions) {
        NDManager manager = flatPositions.getManager();
        return block.forward(new ParameterStore(manager, false), new NDList(inputs.get(0), inputs.get(1),
                flatPositions), false).singletonOrThrow();
    }

    /**
     * Masks rows {@code order[from..to)}; {@code random} decides which tokens and how, so a seeded stream gives
     * the same batch every time. Returns null when no row has a maskable token.
     */
    static MaskedBatch mask(NDManager manager, TokenizedTexts texts, int[] order, int from, int to,
            TextTokenizer tokenizer, double probability, SplittableRandom random) {
        NDList plain = texts.batch(manager, order, from, to, tokenizer.padId());
        long[] ids = plain.get(0).toLongArray();
        long[] attention = plain.get(1).toLongArray();
        List<Long> positions = new ArrayList<>();
        List<Long> targets = new ArrayList<>();
        int vocab = tokenizer.vocabSize();
        for (int i = 0; i < ids.length; i++) {
            if (attention[i] == 0 || tokenizer.isSpecial(ids[i]) || random.nextDouble() >= probability) {
                continue;
            }
            positions.add((long) i);
            targets.add(ids[i]);
            double how = random.nextDouble();
            if (how < 0.8) {
                ids[i] = tokenizer.maskId();
            } else if (how < 0.9) {
                long replacement;
                do {
                    replacement = random.nextInt(vocab);
                } while (tokenizer.isSpecial(replacement));
                ids[i] = replacement;
            }
        }
        if (positions.isEmpty()) {
            return null;
        }
        NDArray input = manager.create(ids, plain.get(0).getShape());
        NDArray flat = manager.create(positions.stream().mapToLong(Long::longValue).toArray());
        NDArray target = manager.create(targets.stream().mapToLong(Long::longValue).toArray());
        return new MaskedBatch(new NDList(input, plain.get(1), flat), target);
    }

    /** Metrics under a fixed masking (seeded by {@code seed}), so epochs and runs are compared on the same tokens. */
    public Metrics evaluate(TokenizedTexts texts, TextTokenizer tokenizer, double probability, long seed,
            int batchSize) {
        SplittableRandom random = new SplittableRandom(CnnInitializers.mix(seed, "evaluation-masking"));
        Loss loss = Loss.softmaxCrossEntropyLoss();
        long correct = 0;
        double lossSum = 0;
        int count = 0;
        Map<Long, Integer> targetCounts = new HashMap<>();
        for (int from = 0; from < texts.size(); from += batchSize) {
            int to = Math.min(texts.size(), from + batchSize);
            try (NDManager batch = manager().newSubManager()) {
                MaskedBatch masked = mask(batch, texts, null, from, to, tokenizer, probability, random);
                if (masked == null) {
                    continue;
                }
                NDArray logits = block.forward(new ParameterStore(batch, false), masked.inputs(), false)
                        .singletonOrThrow();
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
        return count == 0 ? new Metrics(0, Double.NaN, 0, 0)
                : new Metrics((double) correct / count, lossSum / count, (double) majority / count, count);
    }

    @Override
    public void close() {
        model.close();
    }
}
