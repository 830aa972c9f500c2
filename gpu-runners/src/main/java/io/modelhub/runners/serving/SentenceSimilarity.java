package io.modelhub.runners.serving;

import io.modelhub.contract.InferenceProtocol.Work;
import io.modelhub.runners.serving.ServedModels.Texts;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A sentence-similarity request, {"inputs": {"source_sentence": "...", "sentences": ["...", ...]}}, answered as the
 * HF inference API does: the cosine similarity of each sentence's embedding to the source sentence's (what
 * sentence-transformers' util.cos_sim computes), one float per sentence, in their order.
 */
record SentenceSimilarity(String source, List<String> sentences) {

    static SentenceSimilarity of(Work work) {
        if (work.data() != null || !(work.inputs() instanceof Map<?, ?> inputs)) {
            throw new BadInput("sentence-similarity takes JSON {\"inputs\": {\"source_sentence\": \"...\", "
                    + "\"sentences\": [\"...\", ...]}}");
        }
        if (!(inputs.get("source_sentence") instanceof String source) || source.isBlank()) {
            throw new BadInput("\"inputs\".source_sentence must be a non-empty text");
        }
        if (!(inputs.get("sentences") instanceof List<?> list) || list.isEmpty()
                || !list.stream().allMatch(x -> x instanceof String text && !text.isBlank())) {
            throw new BadInput("\"inputs\".sentences must be a non-empty list of non-empty texts");
        }
        return new SentenceSimilarity(source, list.stream().map(String.class::cast).toList());
    }

    /** The source sentence first, then the sentences: the texts to embed. */
    Texts texts() {
        List<String> texts = new ArrayList<>();
        texts.add(source);
        texts.addAll(sentences);
        return new Texts(texts, false);
    }

    /** Cosines of rows 1.. against row 0 of the embeddings of {@link #texts()}. */
    static double[] cosines(float[][] embeddings) {
        double[] out = new double[embeddings.length - 1];
        for (int i = 1; i < embeddings.length; i++) {
            out[i - 1] = cosine(embeddings[0], embeddings[i]);
        }
        return out;
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        // sentence-transformers' normalize_embeddings clamps the norm at 1e-12
        return dot / (Math.max(Math.sqrt(na), 1e-12) * Math.max(Math.sqrt(nb), 1e-12));
    }
}
