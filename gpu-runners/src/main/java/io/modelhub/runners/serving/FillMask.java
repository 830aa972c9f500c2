package io.modelhub.runners.serving;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.modelhub.contract.InferenceProtocol;
import io.modelhub.contract.InferenceProtocol.Work;
import io.modelhub.runners.recipes.text.TextTokenizer;
import io.modelhub.runners.recipes.text.bert.BertModel;
import io.modelhub.runners.recipes.vision.InvalidModelException;
import io.modelhub.runners.serving.ServedModels.Texts;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A BERT-family *ForMaskedLM answering as transformers' fill-mask pipeline: for each mask token of a text the top_k
 * (default 5) vocabulary entries by softmax score, as [{"score", "token", "token_str", "sequence"}]. One text with one
 * mask gets that list; several masks or several texts get a list of them (a text with several masks a list per
 * mask), and "sequence" keeps the special tokens where a text has more than one mask, as the pipeline does.
 * parameters.targets restricts the candidates to those words (each word's first token).
 */
final class FillMask implements ServedModel {
    static final int DEFAULT_TOP_K = 5;

    private final BertModel model;

    FillMask(BertModel model) {
        if (model.tokenizer().maskId() < 0) {
            model.close();
            throw new InvalidModelException("the tokenizer.json of this " + model.config().architectures()
                    + " has no mask token ([MASK] or <mask>), so no text can ask it to fill one");
        }
        this.model = model;
    }

    @Override
    public String task() {
        return InferenceProtocol.FILL_MASK;
    }

    @Override
    public Object run(Work work) throws Exception {
        return runAlone(work);
    }

    /** One forward pass over the texts of all the requests that fit; a request without a mask fails alone. */
    @Override
    public List<Answer> runBatch(List<Work> works) {
        TextTokenizer tokenizer = model.tokenizer();
        ServedModels.TextBatch textBatch = ServedModels.TextBatch.of(works, task(), work -> {
            topK(work.parameters());
            targets(work.parameters());
        });
        List<Answer> answers = textBatch.answers();
        List<Texts> texts = textBatch.texts();
        List<String> all = textBatch.all();
        if (all.isEmpty()) {
            return answers;
        }
        long[][] ids = model.tokenize(all).ids();
        int row = 0;
        try (NDManager batch = model.manager().newSubManager()) {
            NDList inputs = model.inputs(batch, all);
            NDArray logits = model.forward(inputs).singletonOrThrow();
            for (int w = 0; w < works.size(); w++) {
                Texts t = texts.get(w);
                if (t == null) {
                    continue;
                }
                try {
                    int topK = topK(works.get(w).parameters());
                    long[] targets = targets(works.get(w).parameters());
                    List<Object> perText = new ArrayList<>();
                    for (int i = 0; i < t.texts().size(); i++) {
                        perText.add(fill(t.texts().get(i), ids[row + i], logits.get(row + i), topK, targets));
                    }
                    answers.set(w, new Answer(t.single() ? perText.get(0) : perText, null));
                } catch (BadInput e) {
                    answers.set(w, new Answer(null, e));
                }
                row += t.texts().size();
            }
        }
        return answers;
    }

    /**
     * One text: its masks' candidates, a list of them when it has several masks.
     *
     * @param targets the token ids to choose from (scores still the softmax over the whole vocabulary, as the
     *                pipeline computes them), or null for all
     */
    private Object fill(String text, long[] ids, NDArray logits, int topK, long[] targets) {
        TextTokenizer tokenizer = model.tokenizer();
        List<Integer> masks = new ArrayList<>();
        for (int t = 0; t < ids.length; t++) {
            if (ids[t] == tokenizer.maskId()) {
                masks.add(t);
            }
        }
        if (masks.isEmpty()) {
            throw new BadInput("the text has no mask token " + tokenizer.maskToken() + (text.length() > 60 ? ""
                    : ": \"" + text + "\"") + " (or it lies past the model's " + tokenizer.maxLength() + " tokens)");
        }
        boolean single = masks.size() == 1;
        List<Object> perMask = new ArrayList<>();
        for (int position : masks) {
            float[] scores = logits.get(position).toFloatArray();
            double[] probabilities = LabelScores.softmax(scores);
            Integer[] order = new Integer[targets == null ? probabilities.length : targets.length];
            for (int i = 0; i < order.length; i++) {
                order[i] = targets == null ? i : (int) targets[i];
            }
            Arrays.sort(order, Comparator.comparingDouble((Integer i) -> probabilities[i]).reversed());
            List<Map<String, Object>> candidates = new ArrayList<>();
            for (int k = 0; k < Math.min(topK, order.length); k++) {
                long token = order[k];
                long[] filled = ids.clone();
                filled[position] = token;
                Map<String, Object> candidate = new LinkedHashMap<>();
                candidate.put("score", probabilities[order[k]]);
                candidate.put("token", token);
                candidate.put("token_str", tokenizer.decode(new long[] {token}, false));
                // the pipeline drops pad ids before decoding, even where it keeps the other special tokens
                long[] unpadded = Arrays.stream(filled).filter(id -> id != tokenizer.padId()).toArray();
                candidate.put("sequence", tokenizer.decode(unpadded, single));
                candidates.add(candidate);
            }
            perMask.add(candidates);
        }
        return single ? perMask.get(0) : perMask;
    }

    /**
     * parameters.targets (a word or a list of words) as token ids: each word's first token, as the pipeline takes a
     * target that is not one token; null without targets.
     */
    private long[] targets(Map<String, Object> parameters) {
        Object value = parameters.get("targets");
        if (value == null) {
            return null;
        }
        List<String> words;
        if (value instanceof String word) {
            words = List.of(word);
        } else if (value instanceof List<?> list && !list.isEmpty() && list.stream().allMatch(String.class::isInstance)) {
            words = list.stream().map(String.class::cast).toList();
        } else {
            throw new BadInput("parameters.targets must be a word or a non-empty list of words, not " + value);
        }
        TextTokenizer tokenizer = model.tokenizer();
        java.util.Set<Long> ids = new java.util.LinkedHashSet<>();
        long[][] encoded = tokenizer.encode(words);
        for (long[] tokens : encoded) {
            Arrays.stream(tokens).filter(id -> !tokenizer.isSpecial(id)).findFirst().ifPresent(ids::add);
        }
        if (ids.isEmpty()) {
            throw new BadInput("none of parameters.targets " + words + " is in this model's vocabulary");
        }
        return ids.stream().mapToLong(Long::longValue).toArray();
    }

    private static int topK(Map<String, Object> parameters) {
        Object value = parameters.get("top_k");
        if (value == null) {
            return DEFAULT_TOP_K;
        }
        if (!(value instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.intValue() < 1) {
            throw new BadInput("parameters.top_k must be a positive integer, not " + value);
        }
        return n.intValue();
    }

    @Override
    public void close() {
        model.close();
    }
}
