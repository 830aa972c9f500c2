package io.modelhub.runners.recipes.text;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.modelhub.runners.recipes.data.TextSplit;

/** A split's texts as token ids (tokenized once, padded per batch) with their label ids (empty when unlabelled). */
public record TokenizedTexts(long[][] ids, int[] labels) {

    public static TokenizedTexts of(TextTokenizer tokenizer, TextSplit split) {
        return new TokenizedTexts(tokenizer.encode(split.texts()), split.labels());
    }

    public int size() {
        return ids.length;
    }

    /**
     * input_ids and attention_mask (batch, longest) int64 of rows {@code order[from..to)} (or from..to when order is
     * null), padded with {@code padId}, created in {@code manager}.
     */
    public NDList batch(NDManager manager, int[] order, int from, int to, long padId) {
        int n = to - from;
        int longest = 1;
        for (int i = from; i < to; i++) {
            longest = Math.max(longest, ids[row(order, i)].length);
        }
        long[] input = new long[n * longest];
        long[] mask = new long[n * longest];
        java.util.Arrays.fill(input, padId);
        for (int b = 0; b < n; b++) {
            long[] row = ids[row(order, from + b)];
            System.arraycopy(row, 0, input, b * longest, row.length);
            java.util.Arrays.fill(mask, b * longest, b * longest + row.length, 1L);
        }
        Shape shape = new Shape(n, longest);
        return new NDList(manager.create(input, shape), manager.create(mask, shape));
    }

    /** Label ids of rows {@code order[from..to)} as int64. */
    public long[] labels(int[] order, int from, int to) {
        long[] result = new long[to - from];
        for (int i = from; i < to; i++) {
            result[i - from] = labels[row(order, i)];
        }
        return result;
    }

    private static int row(int[] order, int i) {
        return order == null ? i : order[i];
    }
}
