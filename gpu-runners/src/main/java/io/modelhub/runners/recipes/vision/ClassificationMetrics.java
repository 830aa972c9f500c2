package io.modelhub.runners.recipes.vision;

/**
 * Accuracy and macro-averaged F1 of single-label predictions. Macro F1 averages the per-class F1 over the classes
 * that occur in the truth or the predictions (as scikit-learn does by default), so a class absent from a small
 * split neither counts as 0 nor as 1.
 */
public record ClassificationMetrics(double accuracy, double macroF1, int count) {

    public static ClassificationMetrics of(int[] truth, int[] predicted, int numLabels) {
        if (truth.length != predicted.length) {
            throw new IllegalArgumentException(truth.length + " labels but " + predicted.length + " predictions");
        }
        if (truth.length == 0) {
            return new ClassificationMetrics(0, 0, 0);
        }
        int[] tp = new int[numLabels];
        int[] fp = new int[numLabels];
        int[] fn = new int[numLabels];
        int correct = 0;
        for (int i = 0; i < truth.length; i++) {
            if (truth[i] == predicted[i]) {
                correct++;
                tp[truth[i]]++;
            } else {
                fn[truth[i]]++;
                fp[predicted[i]]++;
            }
        }
        double f1Sum = 0;
        int classes = 0;
        for (int c = 0; c < numLabels; c++) {
            if (tp[c] + fp[c] + fn[c] == 0) {
                continue;
            }
            classes++;
            f1Sum += 2.0 * tp[c] / (2.0 * tp[c] + fp[c] + fn[c]);
        }
        return new ClassificationMetrics((double) correct / truth.length, classes == 0 ? 0 : f1Sum / classes,
                truth.length);
    }
}
