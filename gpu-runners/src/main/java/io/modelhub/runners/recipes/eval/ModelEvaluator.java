package io.modelhub.runners.recipes.eval;

import java.util.List;

/**
 * Scores one kind of model (one config.json {@code model_type}) on a split of a dataset. The "evaluate" recipe
 * picks the evaluator by the model's model_type, so a new model family becomes evaluable by adding one class and
 * naming it in {@code META-INF/services/io.modelhub.runners.recipes.eval.ModelEvaluator}.
 */
public interface ModelEvaluator {
    /** The config.json model_type this evaluator handles, e.g. "modelhub-cnn". */
    String modelType();

    /** Bumped when scores would change for the same inputs (part of an evaluation's fingerprint). */
    String version();

    /** The metrics {@link #evaluate} returns, e.g. accuracy and macro_f1; a benchmark's metric must be one of them. */
    List<String> metrics();

    /**
     * Scores the model on the request's split. Same request, same scores: no unseeded randomness, a fixed
     * batch order. The returned details describe the preprocessing (image size, normalisation, max length...).
     */
    ModelEvaluation evaluate(EvaluationRequest request) throws Exception;
}
