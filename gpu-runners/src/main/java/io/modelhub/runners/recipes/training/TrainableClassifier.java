package io.modelhub.runners.recipes.training;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import io.modelhub.runners.recipes.vision.ClassificationMetrics;
import java.io.IOException;
import java.nio.file.Path;

/**
 * What {@link ClassifierTraining} needs of a model: a trainer whose forward pass maps a batch of inputs to logits,
 * the inputs of a batch of examples, scoring a split, and writing the model files (config.json and
 * model.safetensors, also used as the checkpoint).
 *
 * @param <E> the decoded examples the model reads (images, log-mel clips, ...)
 */
public interface TrainableClassifier<E extends LabelledExamples> extends AutoCloseable {

    Device device();

    /** A trainer with softmax cross-entropy on logits and the optimizer at this constant learning rate. */
    default Trainer newTrainer(float learningRate) {
        return newTrainer(Tracker.fixed(learningRate));
    }

    /**
     * A trainer with softmax cross-entropy on logits and the model's optimizer (Adam; AdamW for transformer
     * encoders) following {@code learningRate} step by step.
     */
    Trainer newTrainer(Tracker learningRate);

    /** Only the classification head learns from now on; the backbone, batch norm statistics included, stays. */
    void freezeBackbone();

    /**
     * Only the top {@code layers} encoder layers and the head learn from now on (0: {@link #freezeBackbone}).
     * Models without a stack of layers support only 0.
     */
    default void trainTopLayers(int layers) {
        if (layers != 0) {
            throw new IllegalArgumentException("trainable_layers " + layers + " needs an encoder made of layers "
                    + "(a BERT-family model); this model trains all layers (-1) or the head only (0)");
        }
        freezeBackbone();
    }

    /**
     * The forward pass's inputs for examples {@code order[from..to)} (or {@code from..to} when order is null),
     * created in manager.
     */
    NDList batchInputs(NDManager manager, E examples, int[] order, int from, int to);

    /**
     * Whether training normalises with the batch's own statistics (batch norm): then a batch of one example is
     * degenerate and the training loop avoids it.
     */
    default boolean usesBatchStatistics() {
        return true;
    }

    /** Label ids run from 0 to numLabels() - 1. */
    int numLabels();

    /** The manager that owns the weights; scoring batches live in sub-managers of it. */
    NDManager manager();

    /** Logits (batch, num_labels) of {@link #batchInputs} in inference mode. */
    NDArray logits(NDList inputs);

    /** Predicted label ids of every example, scored in batches of batchSize. */
    default int[] predict(E examples, int batchSize) {
        int[] predictions = new int[examples.size()];
        for (int from = 0; from < examples.size(); from += batchSize) {
            int to = Math.min(examples.size(), from + batchSize);
            try (NDManager batch = manager().newSubManager()) {
                long[] argmax = logits(batchInputs(batch, examples, null, from, to)).argMax(1).toLongArray();
                for (int i = 0; i < argmax.length; i++) {
                    predictions[from + i] = (int) argmax[i];
                }
            }
        }
        return predictions;
    }

    /** Accuracy and macro F1 of the predictions against the examples' labels. */
    default ClassificationMetrics evaluate(E examples, int batchSize) {
        int[] truth = new int[examples.size()];
        for (int i = 0; i < truth.length; i++) {
            truth[i] = examples.label(i);
        }
        return ClassificationMetrics.of(truth, predict(examples, batchSize), numLabels());
    }

    /** Writes config.json and model.safetensors into {@code dir}. */
    void save(Path dir) throws IOException;

    @Override
    void close();

    /** What {@link #newTrainer} trains with: softmax cross-entropy on logits, Adam at a fixed learning rate. */
    static DefaultTrainingConfig trainingConfig(float learningRate, Device device) {
        return trainingConfig(Tracker.fixed(learningRate), device);
    }

    /** Softmax cross-entropy on logits, Adam following the learning-rate tracker. */
    static DefaultTrainingConfig trainingConfig(Tracker learningRate, Device device) {
        return new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .optOptimizer(Optimizer.adam().optLearningRateTracker(learningRate).build())
                .optDevices(new Device[] {device});
    }

    /** Weight decay of {@link #adamWConfig}, transformers' usual value for fine-tuning BERT-family encoders. */
    float ADAMW_WEIGHT_DECAY = 0.01f;

    /**
     * Softmax cross-entropy on logits, AdamW (decoupled weight decay 0.01, betas 0.9/0.999, eps 1e-8) following
     * the tracker: the usual BERT fine-tuning optimizer. Unlike transformers' Trainer, DJL decays every parameter,
     * biases and LayerNorm weights included.
     */
    static DefaultTrainingConfig adamWConfig(Tracker learningRate, Device device) {
        return new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                .optOptimizer(Optimizer.adamW().optLearningRateTracker(learningRate)
                        .optWeightDecays(ADAMW_WEIGHT_DECAY).build())
                .optDevices(new Device[] {device});
    }

    /** Label ids of {@code order[from..to)} as int64, the index type PyTorch's gather needs. */
    static NDArray labelTensor(NDManager manager, LabelledExamples examples, int[] order, int from, int to) {
        long[] labels = new long[to - from];
        for (int i = from; i < to; i++) {
            labels[i - from] = examples.label(order == null ? i : order[i]);
        }
        return manager.create(labels);
    }
}
