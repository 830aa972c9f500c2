package io.modelhub.runners.recipes.eval;

import io.modelhub.runners.recipes.vision.ClassificationMetrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntUnaryOperator;

/** What every classifier evaluator shares: the split by name, labels matched by name, accuracy and macro F1. */
public final class ClassifierScoring {
    public static final List<String> METRICS = List.of("accuracy", "macro_f1");
    public static final List<String> SPLITS = List.of("train", "validation", "test");

    private ClassifierScoring() {
    }

    /** Picks the request's split from the dataset's three; anything else is a clear error. */
    public static <S> S split(String name, S train, S validation, S test) {
        switch (name) {
            case "train":
                return train;
            case "validation":
                return validation;
            case "test":
                return test;
            default:
                throw new IllegalArgumentException("split \"" + name + "\" is not one of " + String.join(", ", SPLITS));
        }
    }

    /**
     * The true labels as the model's label ids, matched by name, so a model whose head has the same classes in
     * another order still scores correctly; a dataset label the model does not know is an error, not a silent zero.
     *
     * @param datasetLabelOf the dataset's label id of example i
     */
    public static int[] truth(List<String> datasetLabels, List<String> modelLabels, int size, IntUnaryOperator datasetLabelOf) {
        List<String> unknown = new ArrayList<>(datasetLabels);
        unknown.removeAll(modelLabels);
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException("the model's labels " + modelLabels + " do not include the dataset's " + unknown);
        }
        int[] truth = new int[size];
        for (int i = 0; i < size; i++) {
            truth[i] = modelLabels.indexOf(datasetLabels.get(datasetLabelOf.applyAsInt(i)));
        }
        return truth;
    }

    public static ModelEvaluation evaluation(int[] truth, int[] predicted, int numLabels, Map<String, Object> preprocessing) {
        ClassificationMetrics metrics = ClassificationMetrics.of(truth, predicted, numLabels);
        Map<String, Double> scores = new LinkedHashMap<>();
        scores.put("accuracy", metrics.accuracy());
        scores.put("macro_f1", metrics.macroF1());
        return new ModelEvaluation(scores, metrics.count(), preprocessing);
    }

    /** A preprocessing setting's floats (an image mean or std) as the numbers the evaluation's details hold. */
    public static List<Double> doubles(float[] values) {
        List<Double> out = new ArrayList<>();
        for (float v : values) {
            out.add((double) v);
        }
        return out;
    }
}
