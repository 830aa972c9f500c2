package io.modelhub.runners.recipes.text;

import io.modelhub.runners.recipes.Torch;
import io.modelhub.runners.recipes.data.TextDataset;
import io.modelhub.runners.recipes.data.TextSplit;
import io.modelhub.runners.recipes.eval.ClassifierScoring;
import io.modelhub.runners.recipes.eval.EvaluationRequest;
import io.modelhub.runners.recipes.eval.ModelEvaluation;
import io.modelhub.runners.recipes.eval.ModelEvaluator;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scores a fine-tuned modelhub-text classifier on a labelled text table's split, tokenized with the model's own
 * tokenizer.json at its max length. A masked-language model (no classification head) is refused by the loader.
 */
public final class TextClassifierEvaluator implements ModelEvaluator {

    @Override
    public String modelType() {
        return TextEncoderConfig.MODEL_TYPE;
    }

    @Override
    public String version() {
        return "1";
    }

    @Override
    public List<String> metrics() {
        return ClassifierScoring.METRICS;
    }

    @Override
    public ModelEvaluation evaluate(EvaluationRequest request) throws Exception {
        return score(request, TextClassifierModel::load);
    }

    /** How an evaluator loads the classifier in a model folder. */
    @FunctionalInterface
    public interface Loader {
        TextClassifier load(java.nio.file.Path dir, ai.djl.Device device) throws java.io.IOException;
    }

    /**
     * Scores a text classifier of any family on the request's split, tokenized with the model's own tokenizer at its
     * max length: the one scoring every text evaluator shares.
     */
    public static ModelEvaluation score(EvaluationRequest request, Loader loader) throws Exception {
        TextDataset dataset = TextDataset.open(request.datasetDir(), request.seed(), true);
        dataset.notes().forEach(request.log());
        TextSplit split = ClassifierScoring.split(request.split(), dataset.train(), dataset.validation(), dataset.test());
        try (TextClassifier model = loader.load(request.modelDir(), Torch.preferredDevice())) {
            int[] truth = ClassifierScoring.truth(dataset.labels(), model.labels(), split.size(), split::label);
            int[] predicted = model.predict(model.tokenize(split), request.batchSize());
            Map<String, Object> preprocessing = new LinkedHashMap<>();
            preprocessing.put("tokenizer", "tokenizer.json");
            preprocessing.put("max_length", model.maxLength());
            return ClassifierScoring.evaluation(truth, predicted, model.labels().size(), preprocessing);
        }
    }
}
