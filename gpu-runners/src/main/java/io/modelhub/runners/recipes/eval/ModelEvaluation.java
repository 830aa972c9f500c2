package io.modelhub.runners.recipes.eval;

import java.util.Map;

/** Scores by metric name, the number of examples scored, and the preprocessing that produced them. */
public record ModelEvaluation(Map<String, Double> scores, int examples, Map<String, Object> preprocessing) {

    public ModelEvaluation {
        scores = Map.copyOf(scores);
        preprocessing = Map.copyOf(preprocessing);
    }
}
