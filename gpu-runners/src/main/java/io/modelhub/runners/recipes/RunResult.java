package io.modelhub.runners.recipes;

import java.util.Map;

/** Final metrics of a run (e.g. test_accuracy, test_macro_f1), written to the produced model's card. */
public record RunResult(Map<String, Double> finalMetrics, boolean completed) {
}
