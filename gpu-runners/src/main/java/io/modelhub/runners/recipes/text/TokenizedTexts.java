package io.modelhub.runners.recipes.text;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.modelhub.runners.recipes.data.TextSplit;
import io.modelhub.runners.recipes.training.LabelledExamples;

/** A split's texts as token ids (tokenized once, padded per batch) with their label ids (empty when unlabelled). */
public record TokenizedTexts(long[][] ids, int[] labels) implements LabelledExamples {

    public static TokenizedTexts of(TextTokenizer tokenizer, TextSplit split) {
        return new TokenizedTexts(tokenizer.encode(split.texts()), split.labels());
    }

    /**
     * Rows longer than {@code maxLength} tokens cut to that length, keeping their last token (the closing special
     * token, [SEP] or &lt;/s&gt;), as the tokenizers library's truncation does for one sequence.
     */
    public TokenizedTexts truncated(int maxLength) {
        if (maxLength < 2) {
            throw new IllegalArgumentException("max_length must be at least 2 tokens, got " + maxLength);
        }
        long[][] cut = new long[ids.length][];
        for (int i = 0; i < ids.length; i++) {
            long[] row = ids[i];
            if (row.length <= maxLength) {
                cut[i] = row;
            } else {
                cut[i] = java.util.Arrays.copyOf(row, maxLength);
                cut[i][maxLength - 1] = row[row.length - 1];
            }
        }
        return new TokenizedTexts(cut, labels);
    }

    @Override
    public int size() {
        return ids.length;
    }

    @Override
    public int label(int index) {
        return labels[index];
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

    private static int row(int[] order, int i) {
        return order == null ? i : order[i];
    }
}
