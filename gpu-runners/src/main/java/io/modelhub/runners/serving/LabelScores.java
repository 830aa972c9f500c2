package io.modelhub.runners.serving;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A classifier's logits as the transformers pipelines answer: scores after function_to_apply (softmax for several
 * labels, sigmoid for one, or none), as [{"label", "score"}] sorted by score, cut to top_k.
 */
final class LabelScores {
    private LabelScores() {
    }

    /** Softmax in double precision, shifted by the maximum so that large logits do not overflow. */
    static double[] softmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float l : logits) {
            max = Math.max(max, l);
        }
        double sum = 0;
        double[] out = new double[logits.length];
        for (int i = 0; i < logits.length; i++) {
            out[i] = Math.exp(logits[i] - max);
            sum += out[i];
        }
        for (int i = 0; i < out.length; i++) {
            out[i] /= sum;
        }
        return out;
    }

    static List<Map<String, Object>> of(float[] logits, List<String> labels, Map<String, Object> parameters, int defaultTopK) {
        String function = String.valueOf(parameters.getOrDefault("function_to_apply",
                labels.size() == 1 ? "sigmoid" : "softmax")).toLowerCase();
        double[] scores = function.equals("softmax") ? softmax(logits) : new double[logits.length];
        switch (function) {
            case "softmax" -> {
                // computed above
            }
            case "sigmoid" -> {
                for (int i = 0; i < logits.length; i++) {
                    scores[i] = 1 / (1 + Math.exp(-logits[i]));
                }
            }
            case "none" -> {
                for (int i = 0; i < logits.length; i++) {
                    scores[i] = logits[i];
                }
            }
            default -> throw new BadInput("parameters.function_to_apply is \"" + function
                    + "\"; it must be softmax, sigmoid or none");
        }
        int topK = topK(parameters, defaultTopK, labels.size());
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < scores.length; i++) {
            order.add(i);
        }
        order.sort(Comparator.comparingDouble((Integer i) -> scores[i]).reversed());
        List<Map<String, Object>> out = new ArrayList<>();
        for (int i : order.subList(0, topK)) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("label", labels.get(i));
            entry.put("score", scores[i]);
            out.add(entry);
        }
        return out;
    }

    /**
     * The answers of a batch whose logits came from one forward pass: request w's scores from row rows[w] of the
     * (rows, labels) logits; a request with a row below 0 keeps the answer it has (its error), and one whose
     * parameters do not fit fails alone.
     */
    static List<ServedModel.Answer> perRow(List<io.modelhub.contract.InferenceProtocol.Work> works, int[] rows,
            List<ServedModel.Answer> answers, float[] logits, List<String> labels, int defaultTopK) {
        int n = labels.size();
        for (int w = 0; w < works.size(); w++) {
            if (rows[w] < 0) {
                continue;
            }
            try {
                answers.set(w, new ServedModel.Answer(of(java.util.Arrays.copyOfRange(logits, rows[w] * n,
                        (rows[w] + 1) * n), labels, works.get(w).parameters(), defaultTopK), null));
            } catch (BadInput e) {
                answers.set(w, new ServedModel.Answer(null, e));
            }
        }
        return answers;
    }

    private static int topK(Map<String, Object> parameters, int defaultTopK, int labels) {
        Object value = parameters.get("top_k");
        if (value == null) {
            return Math.min(defaultTopK, labels);
        }
        if (!(value instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.intValue() < 1) {
            throw new BadInput("parameters.top_k must be a positive integer, not " + value);
        }
        return Math.min(n.intValue(), labels);
    }
}
