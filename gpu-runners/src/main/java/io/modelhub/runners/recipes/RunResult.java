package io.modelhub.runners.recipes;

import java.util.Map;

/**
 * Final metrics of a run (e.g. test_accuracy, test_macro_f1), written to the produced model's card, and details
 * the hub keeps with the result (an evaluation's preprocessing and evaluator version, part of its fingerprint).
 */
public record RunResult(Map<String, Double> finalMetrics, boolean completed, Map<String, Object> details) {

    public RunResult {
        details = details == null ? Map.of() : Map.copyOf(details);
    }

    public RunResult(Map<String, Double> finalMetrics, boolean completed) {
        this(finalMetrics, completed, Map.of());
    }
}
