package io.modelhub.runners.recipes.eval;

import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * What an evaluator scores: the model's files, the dataset's files, which split, a seed (for datasets whose
 * missing splits are carved out by seed), a batch size and a log sink.
 */
public record EvaluationRequest(Path modelDir, Path datasetDir, String split, long seed, int batchSize,
        Consumer<String> log) {
}
