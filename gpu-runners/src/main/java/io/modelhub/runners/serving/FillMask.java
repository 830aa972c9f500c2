package io.modelhub.runners.serving;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.modelhub.contract.InferenceProtocol;
import io.modelhub.contract.InferenceProtocol.Work;
import io.modelhub.runners.recipes.text.MaskedLanguageModel;
import io.modelhub.runners.recipes.text.TextEncoderConfig;
import io.modelhub.runners.recipes.text.TextTokenizer;
import io.modelhub.runners.recipes.text.TokenizedTexts;
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
 * A masked LM answering as transformers' fill-mask pipeline: for each mask token of a text the top_k (default 5)
 * vocabulary entries by softmax score, as [{"score", "token", "token_str", "sequence"}]. One text with one mask gets
 * that list; several masks or several texts get a list of them (a text with several masks a list per mask), and
 * "sequence" keeps the special tokens where a text has more than one mask, as the pipeline does.
 * parameters.targets restricts the candidates to those words (each word's first token).
 * <p>
 * The models are a BERT-family *ForMaskedLM ({@link #of(BertModel)}) and the platform's own modelhub-text encoder
 * with the head the text-pretraining recipe trains ({@link #of(MaskedLanguageModel, TextTokenizer)}); each is
 * reached through a {@link MaskedLm}, so the mask, top-k and targets logic is this class's alone.
 */
final class FillMask implements ServedModel {
    static final int DEFAULT_TOP_K = 5;

    /** What fill-mask needs of a masked LM: its tokenizer, and the vocabulary logits at chosen tokens. */
    interface MaskedLm extends AutoCloseable {
        TextTokenizer tokenizer();

        /** The manager that owns the weights; a batch's arrays live in a sub-manager of it. */
        NDManager manager();

        /**
         * Logits (n, vocab_size) in inference mode at {@code flatPositions} (indexes into batch*seq) of a padded
         * batch of input_ids and attention_mask (batch, seq).
         */
        NDArray logits(NDList inputs, NDArray flatPositions);

        /** The model, for a message, e.g. "[BertForMaskedLM]". */
        String describe();

        @Override
        void close();
    }

    private final MaskedLm model;

    private FillMask(MaskedLm model) {
        if (model.tokenizer().maskId() < 0) {
            model.close();
            throw new InvalidModelException("the tokenizer.json of this " + model.describe()
                    + " has no mask token ([MASK] or <mask>), so no text can ask it to fill one");
        }
        this.model = model;
    }

    /** A BERT-family *ForMaskedLM: its head scores every token; the masks' rows are picked out of them. */
    static FillMask of(BertModel bert) {
        return new FillMask(new MaskedLm() {
            @Override
            public TextTokenizer tokenizer() {
                return bert.tokenizer();
            }

            @Override
            public NDManager manager() {
                return bert.manager();
            }

            @Override
            public NDArray logits(NDList inputs, NDArray flatPositions) {
                NDArray all = bert.forward(inputs).singletonOrThrow();
                return all.reshape(-1, all.getShape().get(2)).get(flatPositions);
            }

            @Override
            public String describe() {
                return bert.config().architectures().toString();
            }

            @Override
            public void close() {
                bert.close();
            }
        });
    }

    /**
     * A modelhub-text encoder with its mlm_head (ModelHubTextForMaskedLM, what text-pretraining writes): the head
     * runs at the masks only, as in pre-training.
     */
    static FillMask of(MaskedLanguageModel encoder, TextTokenizer tokenizer) {
        return new FillMask(new MaskedLm() {
            @Override
            public TextTokenizer tokenizer() {
                return tokenizer;
            }

            @Override
            public NDManager manager() {
                return encoder.manager();
            }

            @Override
            public NDArray logits(NDList inputs, NDArray flatPositions) {
                return encoder.logits(inputs, flatPositions);
            }

            @Override
            public String describe() {
                return TextEncoderConfig.MLM_ARCHITECTURE;
            }

            @Override
            public void close() {
                encoder.close();
                tokenizer.close();
            }
        });
    }

    @Override
    public String task() {
        return InferenceProtocol.FILL_MASK;
    }

    @Override
    public Object run(Work work) throws Exception {
        return runAlone(work);
    }

    /**
     * One forward pass over the texts of all the requests that fit, the head scoring only their masks; a request
     * with a text without a mask fails alone.
     */
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
        TokenizedTexts tokens = new TokenizedTexts(tokenizer.encode(all), new int[0]);
        long[][] ids = tokens.ids();
        int longest = Arrays.stream(ids).mapToInt(row -> row.length).max().orElse(1);
        // per text of the requests that fit, its masks' positions; a request with a text without one fails alone
        List<List<List<Integer>>> masks = new ArrayList<>();
        List<Long> flat = new ArrayList<>();
        int row = 0;
        for (int w = 0; w < works.size(); w++) {
            Texts t = texts.get(w);
            if (t == null) {
                masks.add(null);
                continue;
            }
            List<List<Integer>> perText = new ArrayList<>();
            try {
                for (int i = 0; i < t.texts().size(); i++) {
                    perText.add(maskPositions(t.texts().get(i), ids[row + i]));
                }
                for (int i = 0; i < perText.size(); i++) {
                    for (int position : perText.get(i)) {
                        flat.add((long) (row + i) * longest + position);
                    }
                }
                masks.add(perText);
            } catch (BadInput e) {
                answers.set(w, new Answer(null, e));
                masks.add(null);
            }
            row += t.texts().size();
        }
        if (flat.isEmpty()) {
            return answers;
        }
        float[] logits;
        try (NDManager batch = model.manager().newSubManager()) {
            NDList inputs = tokens.batch(batch, null, 0, tokens.size(), tokenizer.padId());
            logits = model.logits(inputs, batch.create(flat.stream().mapToLong(Long::longValue).toArray()))
                    .toFloatArray();
        }
        int vocab = logits.length / flat.size();
        int mask = 0;
        row = 0;
        for (int w = 0; w < works.size(); w++) {
            Texts t = texts.get(w);
            List<List<Integer>> perText = masks.get(w);
            if (perText != null) {
                int topK = topK(works.get(w).parameters());
                long[] targets = targets(works.get(w).parameters());
                List<Object> answer = new ArrayList<>();
                for (int i = 0; i < perText.size(); i++) {
                    List<Object> perMask = new ArrayList<>();
                    for (int position : perText.get(i)) {
                        float[] scores = Arrays.copyOfRange(logits, mask * vocab, (mask + 1) * vocab);
                        perMask.add(candidates(ids[row + i], position, scores, perText.get(i).size() == 1, topK,
                                targets));
                        mask++;
                    }
                    answer.add(perMask.size() == 1 ? perMask.get(0) : perMask);
                }
                answers.set(w, new Answer(t.single() ? answer.get(0) : answer, null));
            }
            if (t != null) {
                row += t.texts().size();
            }
        }
        return answers;
    }

    private List<Integer> maskPositions(String text, long[] ids) {
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
        return masks;
    }

    /**
     * One mask's candidates.
     *
     * @param single  whether it is its text's only mask (then "sequence" leaves the special tokens out)
     * @param targets the token ids to choose from (scores still the softmax over the whole vocabulary, as the
     *                pipeline computes them), or null for all
     */
    private List<Map<String, Object>> candidates(long[] ids, int position, float[] scores, boolean single, int topK,
            long[] targets) {
        TextTokenizer tokenizer = model.tokenizer();
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
        return candidates;
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
