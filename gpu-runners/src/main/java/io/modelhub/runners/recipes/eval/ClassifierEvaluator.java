package io.modelhub.runners.recipes.eval;

import ai.djl.Device;
import io.modelhub.runners.recipes.Torch;
import io.modelhub.runners.recipes.data.LabelledSplit;
import io.modelhub.runners.recipes.data.SplitDataset;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The one scoring path every classifier evaluator shares: open the dataset (its notes to the job's log), pick the
 * request's split by name, load the model on the preferred device, match the dataset's labels to the model's by
 * name, predict in the request's batch size and score accuracy and macro F1 with the model's preprocessing as the
 * evaluation's details. A family gives only what is its own: how its dataset and model are read, how a split
 * becomes predictions, its label names and count and its preprocessing fingerprint. {@link #version()} stays each
 * evaluator's own, bumped when its scores would change.
 *
 * @param <S> the dataset's split (files, texts)
 * @param <M> the loaded model
 */
public abstract class ClassifierEvaluator<S extends LabelledSplit, M extends AutoCloseable> implements ModelEvaluator {

    @Override
    public final List<String> metrics() {
        return ClassifierScoring.METRICS;
    }

    @Override
    public final ModelEvaluation evaluate(EvaluationRequest request) throws Exception {
        SplitDataset<S> dataset = openDataset(request.datasetDir(), request.seed());
        dataset.notes().forEach(request.log());
        S split = ClassifierScoring.split(request.split(), dataset.train(), dataset.validation(), dataset.test());
        try (M model = loadModel(request.modelDir(), Torch.preferredDevice())) {
            int[] truth = ClassifierScoring.truth(dataset.labels(), labels(model, dataset.labels()), split.size(),
                    split::label);
            int[] predicted = predict(model, split, request.batchSize());
            return ClassifierScoring.evaluation(truth, predicted, numLabels(model), preprocessing(model));
        }
    }

    /** Reads the dataset the model family is scored on (image folders, audio folders, a labelled text table). */
    protected abstract SplitDataset<S> openDataset(Path dir, long seed) throws IOException;

    protected abstract M loadModel(Path dir, Device device) throws IOException;

    /**
     * The model's label names, in label-id order, that the dataset's are matched to; a model whose labels cannot be
     * matched is refused here.
     */
    protected abstract List<String> labels(M model, List<String> datasetLabels);

    protected abstract int numLabels(M model);

    /** The model's predicted label id of each example of the split, in the split's order. */
    protected abstract int[] predict(M model, S split, int batchSize) throws Exception;

    /** The preprocessing the scores were made with (image size and normalisation, feature settings, max length...). */
    protected abstract Map<String, Object> preprocessing(M model);
}
