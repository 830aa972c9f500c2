package io.modelhub.runners.recipes.crossmodal;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Retrieval over n held-out pairs: item i of side a should retrieve item i of side b among all n, and the other way.
 * The rank of the right item is 1 + the number of wrong items scored strictly higher (ties favour the model,
 * which matters only for degenerate embeddings). Chance level of recall@k is k/n, of the mean rank (n+1)/2.
 */
record RetrievalMetrics(int n, double[] aToBRecall, double[] bToARecall, double aToBMeanRank, double bToAMeanRank) {
    static final int[] KS = {1, 5, 10};

    /** @param similarity row-major n x n, similarity[i * n + j] between a_i and b_j */
    static RetrievalMetrics of(float[] similarity, int n) {
        int[] rowRanks = new int[n];
        int[] colRanks = new int[n];
        for (int i = 0; i < n; i++) {
            float right = similarity[i * n + i];
            int row = 1;
            int col = 1;
            for (int j = 0; j < n; j++) {
                if (j != i && similarity[i * n + j] > right) {
                    row++;
                }
                if (j != i && similarity[j * n + i] > right) {
                    col++;
                }
            }
            rowRanks[i] = row;
            colRanks[i] = col;
        }
        return new RetrievalMetrics(n, recalls(rowRanks), recalls(colRanks), mean(rowRanks), mean(colRanks));
    }

    private static double[] recalls(int[] ranks) {
        double[] out = new double[KS.length];
        for (int k = 0; k < KS.length; k++) {
            int hits = 0;
            for (int r : ranks) {
                hits += r <= KS[k] ? 1 : 0;
            }
            out[k] = (double) hits / ranks.length;
        }
        return out;
    }

    private static double mean(int[] ranks) {
        double sum = 0;
        for (int r : ranks) {
            sum += r;
        }
        return sum / ranks.length;
    }

    double chanceRecallAt1() {
        return 1.0 / n;
    }

    /** Metric names as the job page and card show them, e.g. "a_to_b_recall@1" with {@code a}/{@code b} named. */
    Map<String, Double> named(String prefix, String a, String b) {
        Map<String, Double> m = new LinkedHashMap<>();
        for (int k = 0; k < KS.length; k++) {
            m.put(prefix + a + "_to_" + b + "_recall@" + KS[k], aToBRecall[k]);
        }
        for (int k = 0; k < KS.length; k++) {
            m.put(prefix + b + "_to_" + a + "_recall@" + KS[k], bToARecall[k]);
        }
        m.put(prefix + a + "_to_" + b + "_mean_rank", aToBMeanRank);
        m.put(prefix + b + "_to_" + a + "_mean_rank", bToAMeanRank);
        return m;
    }
}
